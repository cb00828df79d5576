package console

import (
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
)

// historyLen is how many one-second points a stage's chart keeps: the last hour.
const historyLen = 3600

// maxWatched caps the stages whose history is kept at once; a stage is watched from the first time
// its page is opened until nobody has looked at it for historyLen seconds.
const maxWatched = 64

// point is one second of a stage's traffic.
type point struct {
	T            int64   `json:"t"` // Unix seconds at the end of the second
	Requests     uint64  `json:"requests"`
	ClientErrors uint64  `json:"4xx"`
	ServerErrors uint64  `json:"5xx"`
	Throttled    uint64  `json:"429"`
	P50          float64 `json:"p50_ms"`
	P99          float64 `json:"p99_ms"`
}

func pointOf(t int64, d telemetry.LiveTotals) point {
	return point{T: t, Requests: d.Requests, ClientErrors: d.ClientErrors, ServerErrors: d.ServerErrors, Throttled: d.Throttled,
		P50: ms(d.Quantile(0.5)), P99: ms(d.Quantile(0.99))}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// series is one watched stage's ring of points and the totals of the last sample.
type series struct {
	ring     [historyLen]point
	next, n  int
	last     telemetry.LiveTotals
	haveLast bool
	// window sums the latest points' latency histograms over the last minute, for its p50/p99.
	window     [60]telemetry.LiveTotals
	viewed     time.Time
	windowNext int
}

func (s *series) push(p point, d telemetry.LiveTotals) {
	s.ring[s.next] = p
	s.next = (s.next + 1) % historyLen
	if s.n < historyLen {
		s.n++
	}
	s.window[s.windowNext] = d
	s.windowNext = (s.windowNext + 1) % len(s.window)
}

// latest returns the last n points, oldest first.
func (s *series) latest(n int) []point {
	n = min(n, s.n)
	out := make([]point, n)
	for i := range n {
		out[i] = s.ring[(s.next-n+i+historyLen)%historyLen]
	}
	return out
}

// sampler reads the watched stages' totals once a second into their series. It reads atomics of the
// data plane, never the store or the Prometheus registry.
type sampler struct {
	totals func(apiID, stage string) (telemetry.LiveTotals, bool)
	now    func() time.Time

	mu      sync.Mutex
	watched map[[2]string]*series
}

// watch marks a stage as viewed and reports whether its history is kept (false when maxWatched other
// stages already are).
func (s *sampler) watch(apiID, stage string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{apiID, stage}
	sr := s.watched[k]
	if sr == nil {
		if len(s.watched) >= maxWatched {
			return false
		}
		sr = &series{}
		if t, ok := s.totals(apiID, stage); ok {
			sr.last, sr.haveLast = t, true
		}
		s.watched[k] = sr
	}
	sr.viewed = s.now()
	return true
}

// sample takes one point of every watched stage and forgets the stages nobody looked at for an hour.
func (s *sampler) sample() {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, sr := range s.watched {
		if now.Sub(sr.viewed) > historyLen*time.Second {
			delete(s.watched, k)
			continue
		}
		t, ok := s.totals(k[0], k[1])
		if !ok {
			t = telemetry.LiveTotals{} // not served (yet): a flat line
		}
		var d telemetry.LiveTotals
		if sr.haveLast {
			d = t.Since(sr.last)
		}
		sr.last, sr.haveLast = t, true
		sr.push(pointOf(now.Unix(), d), d)
	}
}

// run samples every second until stop is closed.
func (s *sampler) run(stop <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			s.sample()
		}
	}
}

// stageMetrics is the JSON the stage page polls.
type stageMetrics struct {
	Now int64 `json:"now"`
	// Served is false when the data plane does not serve the stage (yet).
	Served bool `json:"served"`
	// Totals count every answer since the stage was loaded.
	Totals point `json:"totals"`
	// LastMinute sums the last 60 points; its p50/p99 are over them.
	LastMinute point `json:"last_minute"`
	// Points are one per second, oldest first; History is false when the stage's history is not kept
	// (too many stages watched), and then Points is empty.
	Points  []point `json:"points"`
	History bool    `json:"history"`
}

// metrics returns a stage's totals and its last n points, and marks it watched.
func (s *sampler) metrics(apiID, stage string, n int) stageMetrics {
	kept := s.watch(apiID, stage)
	now := s.now()
	t, served := s.totals(apiID, stage)
	out := stageMetrics{Now: now.Unix(), Served: served, Totals: pointOf(now.Unix(), t), History: kept, Points: []point{}}
	if !kept {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.watched[[2]string{apiID, stage}]
	if sr == nil {
		return out
	}
	out.Points = sr.latest(n)
	var sum telemetry.LiveTotals
	for _, w := range sr.window {
		sum = sum.Add(w)
	}
	out.LastMinute = pointOf(now.Unix(), sum)
	return out
}
