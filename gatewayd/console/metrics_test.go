package console

import (
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
)

// TestSamplerKeepsOnePointPerSecond drives the sampler with a fake clock and counters: each sample
// is the difference since the one before, the ring keeps the last hour in order, and a stage nobody
// looks at for an hour is forgotten.
func TestSamplerKeepsOnePointPerSecond(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	var live telemetry.Live
	s := &sampler{now: func() time.Time { return now }, watched: map[[2]string]*series{},
		totals: func(api, stage string) (telemetry.LiveTotals, bool) {
			return live.Totals(), api == "a" && stage == "prod"
		}}
	live.Observe(200, time.Millisecond) // before the page was opened: a total, not a point
	if m := s.metrics("a", "prod", 10); !m.Served || m.Totals.Requests != 1 || len(m.Points) != 0 {
		t.Fatalf("first look = %+v, want served, 1 request in all and no point yet", m)
	}
	for i := range historyLen + 5 {
		now = now.Add(time.Second)
		for range i % 3 {
			live.Observe(500, time.Millisecond)
		}
		s.sample()
		if i%60 == 0 {
			s.watch("a", "prod") // the open page polls
		}
	}
	m := s.metrics("a", "prod", 3)
	if len(m.Points) != 3 {
		t.Fatalf("points = %d, want 3", len(m.Points))
	}
	for j, p := range m.Points {
		i := historyLen + 5 - 3 + j
		if p.T != now.Unix()-int64(2-j) || p.Requests != uint64(i%3) || p.ServerErrors != uint64(i%3) {
			t.Errorf("point %d = %+v, want t=%d with %d requests, all 5xx", j, p, now.Unix()-int64(2-j), i%3)
		}
	}
	if all := s.metrics("a", "prod", historyLen+100); len(all.Points) != historyLen {
		t.Errorf("points kept = %d, want %d (one hour)", len(all.Points), historyLen)
	}
	if m.LastMinute.Requests != 60 {
		t.Errorf("last minute = %d requests, want 60 (0+1+2 per 3 seconds)", m.LastMinute.Requests)
	}
	now = now.Add(historyLen*time.Second + time.Second)
	s.sample()
	if len(s.watched) != 0 {
		t.Error("a stage nobody looked at for an hour is still sampled")
	}
}
