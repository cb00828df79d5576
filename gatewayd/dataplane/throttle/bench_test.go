package throttle

import (
	"testing"
	"time"
)

// BenchmarkLocalAllow admits the levels of the key+throttle path: the plan's bucket, then the account's,
// with tokens to spare.
func BenchmarkLocalAllow(b *testing.B) {
	l := NewLocal()
	levels := []Level{
		{ID: ID{Scope: ScopePlan, Plan: "plan1", Key: "key1234567"}, Limit: Limit{Rate: 1e12, Burst: 1 << 30}},
		{ID: ID{Scope: ScopeAccount}, Limit: Limit{Rate: 1e12, Burst: 1 << 30}},
	}
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		if l.Allow(now, levels) >= 0 {
			b.Fatal("refused")
		}
	}
}
