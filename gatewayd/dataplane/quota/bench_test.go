package quota

import (
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// BenchmarkLocalTake counts the requests of one key under a monthly quota, as the key+throttle path
// does.
func BenchmarkLocalTake(b *testing.B) {
	l := NewLocal(true)
	q := &model.QuotaSettings{Limit: 1 << 60, Period: "MONTH"}
	id := ID{Plan: "plan1", Key: "key1234567"}
	now := at("2025-03-10T12:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		if !l.Take(now, id, q) {
			b.Fatal("refused")
		}
	}
}
