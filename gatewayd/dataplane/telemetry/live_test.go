package telemetry

import (
	"testing"
	"time"
)

func TestLiveCountsAndQuantiles(t *testing.T) {
	var l Live
	for range 90 {
		l.Observe(200, 3*time.Millisecond) // bucket (2.5ms, 5ms]
	}
	for range 9 {
		l.Observe(404, 3*time.Millisecond)
	}
	l.Observe(429, time.Minute) // slower than the last bound
	l.Observe(502, 40*time.Millisecond)
	got := l.Totals()
	if got.Requests != 101 || got.ClientErrors != 10 || got.Throttled != 1 || got.ServerErrors != 1 {
		t.Errorf("totals = %+v, want 101 requests, 10 4xx (1 of them 429), 1 5xx", got)
	}
	// The median falls in (2.5ms, 5ms]: 50.5 of its 99 answers, interpolated.
	if p50 := got.Quantile(0.5); p50 <= 2500*time.Microsecond || p50 > 5*time.Millisecond {
		t.Errorf("p50 = %v, want within (2.5ms, 5ms]", p50)
	}
	if p100 := got.Quantile(1); p100 != 30*time.Second {
		t.Errorf("p100 = %v, want the last bound, 30s", p100)
	}
	if q := (LiveTotals{}).Quantile(0.99); q != 0 {
		t.Errorf("quantile of nothing = %v, want 0", q)
	}

	before := got
	l.Observe(200, time.Millisecond)
	d := l.Totals().Since(before)
	if d.Requests != 1 || d.ClientErrors != 0 || d.Latency[1] != 1 {
		t.Errorf("Since = %+v, want one request in the 1ms bucket", d)
	}
	// A stage created again starts over: its lower totals count from zero.
	if d := (LiveTotals{Requests: 3}).Since(before); d.Requests != 3 {
		t.Errorf("Since after a restart = %d requests, want 3", d.Requests)
	}
	var nilLive *Live
	nilLive.Observe(200, time.Millisecond) // must not panic
}

func TestLiveSetKeepsAStageAcrossRecompiles(t *testing.T) {
	s := NewLiveSet()
	a := s.Stage("api", "prod")
	a.Observe(200, time.Millisecond)
	if b := s.Stage("api", "prod"); b != a {
		t.Fatal("a recompiled stage got a new Live: its totals would start over")
	}
	if got, ok := s.Totals("api", "prod"); !ok || got.Requests != 1 {
		t.Errorf("Totals = %+v, %v; want 1 request", got, ok)
	}
	s.Forget("api", "prod")
	if _, ok := s.Totals("api", "prod"); ok {
		t.Error("a forgotten stage still has totals")
	}
}

// BenchmarkLiveObserve is what the console's counters add to each request: a few atomic adds on
// the stage's Live, shared by the request's goroutines (RunParallel) as on a busy stage.
func BenchmarkLiveObserve(b *testing.B) {
	var l Live
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Observe(200, 3*time.Millisecond)
		}
	})
}
