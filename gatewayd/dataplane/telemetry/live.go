package telemetry

import (
	"sync"
	"sync/atomic"
	"time"
)

// liveBounds are the upper bounds of the live latency histogram's buckets; a last bucket holds what
// is slower. They are Metrics' histogram buckets, so the console and Prometheus agree.
var liveBounds = [...]time.Duration{
	500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2500 * time.Millisecond,
	5 * time.Second, 10 * time.Second, 30 * time.Second,
}

// Live holds one stage's running totals, for the web console's live charts: answers, 4xx, 5xx, 429
// and a latency histogram, all its deployments (canary included) together. The request path only
// adds to atomics; readers take Totals. The Prometheus series stay per route; these are the same
// counts summed per stage without walking the registry.
type Live struct {
	requests, clientErrs, serverErrs, throttled atomic.Uint64
	latency                                     [len(liveBounds) + 1]atomic.Uint64
}

// Observe records one answered request. A nil Live records nothing.
func (l *Live) Observe(status int, latency time.Duration) {
	if l == nil {
		return
	}
	l.requests.Add(1)
	switch {
	case status >= 500:
		l.serverErrs.Add(1)
	case status >= 400:
		l.clientErrs.Add(1)
		if status == 429 {
			l.throttled.Add(1)
		}
	}
	i := 0
	for i < len(liveBounds) && latency > liveBounds[i] {
		i++
	}
	l.latency[i].Add(1)
}

// LiveTotals are a Live's counts at one moment, or the difference between two moments.
type LiveTotals struct {
	Requests, ClientErrors, ServerErrors, Throttled uint64
	// Latency counts answers per latency bucket (liveBounds), the last one for slower answers.
	Latency [len(liveBounds) + 1]uint64
}

// Totals reads l's counts. The counters are read one by one while requests go on, so a reading may
// be off by the few requests in flight; none is lost for the next one.
func (l *Live) Totals() LiveTotals {
	var t LiveTotals
	if l == nil {
		return t
	}
	t.Requests = l.requests.Load()
	t.ClientErrors, t.ServerErrors, t.Throttled = l.clientErrs.Load(), l.serverErrs.Load(), l.throttled.Load()
	for i := range l.latency {
		t.Latency[i] = l.latency[i].Load()
	}
	return t
}

// Since returns the counts added since prev. A count lower than prev's (the stage was removed and
// created again, so its totals started over) counts from zero.
func (t LiveTotals) Since(prev LiveTotals) LiveTotals {
	sub := func(a, b uint64) uint64 {
		if a < b {
			return a
		}
		return a - b
	}
	out := LiveTotals{Requests: sub(t.Requests, prev.Requests), ClientErrors: sub(t.ClientErrors, prev.ClientErrors),
		ServerErrors: sub(t.ServerErrors, prev.ServerErrors), Throttled: sub(t.Throttled, prev.Throttled)}
	for i := range t.Latency {
		out.Latency[i] = sub(t.Latency[i], prev.Latency[i])
	}
	return out
}

// Add returns the sum of t and u.
func (t LiveTotals) Add(u LiveTotals) LiveTotals {
	t.Requests += u.Requests
	t.ClientErrors += u.ClientErrors
	t.ServerErrors += u.ServerErrors
	t.Throttled += u.Throttled
	for i := range t.Latency {
		t.Latency[i] += u.Latency[i]
	}
	return t
}

// Quantile estimates the q-quantile (0 < q <= 1) of the latencies counted in t, interpolating
// linearly inside the bucket it falls in, as Prometheus' histogram_quantile does; answers slower than
// the last bound count as that bound. It returns 0 when t counts no answer.
func (t LiveTotals) Quantile(q float64) time.Duration {
	var n uint64
	for _, c := range t.Latency {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var seen float64
	for i, c := range t.Latency {
		if c == 0 || seen+float64(c) < rank {
			seen += float64(c)
			continue
		}
		if i == len(liveBounds) {
			return liveBounds[len(liveBounds)-1]
		}
		lo := time.Duration(0)
		if i > 0 {
			lo = liveBounds[i-1]
		}
		frac := (rank - seen) / float64(c)
		return lo + time.Duration(frac*float64(liveBounds[i]-lo))
	}
	return liveBounds[len(liveBounds)-1]
}

// LiveSet holds the Live of every stage the data plane serves. A stage keeps its Live across
// redeploys and rollbacks; it is dropped when the stage is removed.
type LiveSet struct {
	mu     sync.Mutex
	stages map[[2]string]*Live
}

// NewLiveSet returns an empty set.
func NewLiveSet() *LiveSet { return &LiveSet{stages: map[[2]string]*Live{}} }

// Stage returns the stage's Live, creating it on first use. It is called when a stage is compiled,
// never on the request path.
func (s *LiveSet) Stage(api, stage string) *Live {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{api, stage}
	l := s.stages[k]
	if l == nil {
		l = &Live{}
		s.stages[k] = l
	}
	return l
}

// Forget drops a removed stage's Live.
func (s *LiveSet) Forget(api, stage string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.stages, [2]string{api, stage})
}

// Totals reads one stage's totals; ok is false for a stage the data plane does not serve.
func (s *LiveSet) Totals(api, stage string) (t LiveTotals, ok bool) {
	s.mu.Lock()
	l := s.stages[[2]string{api, stage}]
	s.mu.Unlock()
	if l == nil {
		return t, false
	}
	return l.Totals(), true
}
