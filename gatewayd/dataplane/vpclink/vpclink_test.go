package vpclink

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// clock is a settable time for ejections.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func link(id string, targets ...string) model.VPCLink {
	l := model.VPCLink{ID: id, Name: id, TargetARNs: targets}
	l.Normalize()
	return l
}

func newPool(t *testing.T, c *clock, l model.VPCLink) (*Set, *Pool) {
	t.Helper()
	s := NewSet(Options{Now: c.now})
	s.Apply([]model.VPCLink{l})
	t.Cleanup(s.Close)
	p := s.Pool(l.ID)
	if p == nil {
		t.Fatalf("Pool(%q) = nil after Apply", l.ID)
	}
	return s, p
}

// spread sends n requests through p from workers goroutines, each answered by ok(target), and
// returns the count per target address.
func spread(t *testing.T, p *Pool, n, workers int, ok func(*Target) bool) map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				tg, err := p.Pick(nil)
				if err != nil {
					t.Error(err)
					return
				}
				good := ok(tg)
				p.Done(tg, !good)
				mu.Lock()
				counts[tg.Endpoint.Addr]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return counts
}

func within(t *testing.T, counts map[string]int, addrs []string, n int, tolerance float64) {
	t.Helper()
	want := float64(n) / float64(len(addrs))
	for _, a := range addrs {
		if got := float64(counts[a]); got < want*(1-tolerance) || got > want*(1+tolerance) {
			t.Errorf("target %s got %v of %d requests, want %v ± %v%% (all: %v)", a, got, n, want, tolerance*100, counts)
		}
	}
}

var three = []string{"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"}

func TestPick_Spread(t *testing.T) {
	for _, algo := range model.LoadBalancingAlgorithms {
		t.Run(algo, func(t *testing.T) {
			l := link("l1", three...)
			l.LoadBalancingAlgorithm = algo
			_, p := newPool(t, newClock(), l)
			// Each request takes a little while, as real ones do: least requests compares requests in
			// flight, and with instant ones a worker descheduled between Pick and Done would skew it.
			counts := spread(t, p, 3000, 8, func(*Target) bool { time.Sleep(50 * time.Microsecond); return true })
			// Round robin is exact up to the workers' interleaving; least requests within 10%.
			within(t, counts, three, 3000, 0.10)
		})
	}
}

// TestPick_LeastRequestsAvoidsBusy: a target holding many requests in flight gets fewer new ones.
func TestPick_LeastRequestsAvoidsBusy(t *testing.T) {
	l := link("l1", three...)
	l.LoadBalancingAlgorithm = model.BalanceLeastRequests
	_, p := newPool(t, newClock(), l)
	busy := p.targets[0]
	busy.inflight.Store(100)
	counts := map[*Target]int{}
	for range 900 {
		tg, _ := p.Pick(nil)
		counts[tg]++
		p.Done(tg, false)
	}
	if counts[busy] != 0 {
		t.Errorf("busy target got %d of 900 requests, want 0 (two choices always include a less busy one)", counts[busy])
	}
}

// TestEjection: a target failing unhealthy_threshold times in a row is ejected for ejection_seconds,
// gets no request meanwhile, and takes requests again after it; a success resets the count.
func TestEjection(t *testing.T) {
	c := newClock()
	l := link("l1", three...)
	l.UnhealthyThreshold, l.EjectionSeconds = 3, 30
	_, p := newPool(t, c, l)
	bad := p.targets[1]

	// Two failures, a success, two failures: never three in a row.
	for _, failed := range []bool{true, true, false, true, true} {
		bad.inflight.Add(1)
		p.Done(bad, failed)
	}
	if !bad.Healthy(c.now()) || bad.Ejections() != 0 {
		t.Fatalf("target ejected after failures that were not %d in a row", l.UnhealthyThreshold)
	}
	bad.inflight.Add(1)
	p.Done(bad, true)
	if bad.Healthy(c.now()) || bad.Ejections() != 1 {
		t.Fatalf("target healthy=%v ejections=%d after 3 failures in a row, want ejected once", bad.Healthy(c.now()), bad.Ejections())
	}
	// Requests sent before the ejection that fail after it do not eject the target again.
	for range 2 * l.UnhealthyThreshold {
		bad.inflight.Add(1)
		p.Done(bad, true)
	}
	if bad.Ejections() != 1 {
		t.Fatalf("ejections = %d after stragglers failed during the ejection, want 1", bad.Ejections())
	}
	counts := spread(t, p, 600, 4, func(*Target) bool { return true })
	if counts[bad.Endpoint.Addr] != 0 {
		t.Errorf("ejected target got %d requests, want 0", counts[bad.Endpoint.Addr])
	}
	within(t, counts, []string{three[0], three[2]}, 600, 0.10)

	c.advance(29 * time.Second)
	if bad.Healthy(c.now()) {
		t.Error("target back before its ejection ended")
	}
	c.advance(2 * time.Second)
	counts = spread(t, p, 600, 4, func(*Target) bool { return true })
	within(t, counts, three, 600, 0.10)
	if tg := p.targets[1]; tg.ejectedUntil.Load() != 0 {
		t.Error("a success after the ejection ended did not clear it")
	}
}

// TestEjection_DeadTargetUnderLoad: with one target failing every request, at most
// unhealthy_threshold requests reach it before it is ejected, whatever the concurrency.
func TestEjection_DeadTargetUnderLoad(t *testing.T) {
	c := newClock()
	l := link("l1", three...)
	_, p := newPool(t, c, l)
	dead := p.targets[2]
	var failures atomic.Int64
	counts := spread(t, p, 3000, 16, func(tg *Target) bool {
		if tg == dead {
			failures.Add(1)
			return false
		}
		return true
	})
	// Requests picked before the ejection may still be in flight: up to the workers' count more.
	if f := failures.Load(); f < int64(l.UnhealthyThreshold) || f > int64(l.UnhealthyThreshold+16) {
		t.Errorf("dead target took %d requests, want %d to %d", f, l.UnhealthyThreshold, l.UnhealthyThreshold+16)
	}
	if dead.Ejections() != 1 {
		t.Errorf("dead target ejected %d times, want 1", dead.Ejections())
	}
	within(t, counts, three[:2], 3000-counts[three[2]], 0.10)
}

// TestPick_AllUnhealthyStillServes: when every target is ejected, requests still go to one (the
// first to come back) rather than fail; targets already tried are skipped, then ErrNoTarget.
func TestPick_AllUnhealthyStillServes(t *testing.T) {
	c := newClock()
	l := link("l1", three[:2]...)
	l.UnhealthyThreshold = 1
	_, p := newPool(t, c, l)
	a, b := p.targets[0], p.targets[1]
	a.inflight.Add(1)
	p.Done(a, true)
	c.advance(time.Second)
	b.inflight.Add(1)
	p.Done(b, true)
	tg, err := p.Pick(nil)
	if err != nil || tg != a {
		t.Fatalf("Pick with all ejected = %v, %v; want the first ejected target", tg, err)
	}
	p.Done(tg, false)
	if tg, err = p.Pick([]*Target{a}); err != nil || tg != b {
		t.Fatalf("Pick skipping a = %v, %v; want b", tg, err)
	}
	p.Done(tg, false)
	if _, err := p.Pick([]*Target{a, b}); err != ErrNoTarget {
		t.Fatalf("Pick with every target tried = %v, want ErrNoTarget", err)
	}
}

// TestApply_KeepsState: re-applying a changed link keeps the state of the targets that stay, and an
// unchanged link keeps its pool.
func TestApply_KeepsState(t *testing.T) {
	c := newClock()
	l := link("l1", three...)
	l.UnhealthyThreshold = 1
	s, p := newPool(t, c, l)
	p.targets[0].inflight.Add(1)
	p.Done(p.targets[0], true)

	l.Tags = map[string]string{"team": "a"} // not part of the pool
	s.Apply([]model.VPCLink{l})
	if s.Pool("l1") != p {
		t.Error("a change of tags replaced the pool")
	}
	l.TargetARNs = []string{three[0], "10.0.0.9:80"}
	s.Apply([]model.VPCLink{l})
	q := s.Pool("l1")
	if q == p || q.Len() != 2 {
		t.Fatalf("new targets: pool %p (old %p) with %d targets, want a new pool of 2", q, p, q.Len())
	}
	if q.targets[0] != p.targets[0] || q.targets[0].Healthy(c.now()) {
		t.Error("the target that stayed lost its ejection")
	}
	s.Apply(nil)
	if s.Pool("l1") != nil {
		t.Error("a deleted link still has a pool")
	}
}

// TestApply_UnmappedARN: a link whose ARN target the operator's mapping lacks cannot pick, and says
// why; a mapped ARN resolves to its addresses.
func TestApply_UnmappedARN(t *testing.T) {
	const nlb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/app/abc"
	s := NewSet(Options{Targets: model.VPCLinkTargetMap{nlb: {{Addr: "10.0.0.1:80"}, {Scheme: "https", Addr: "10.0.0.2:443"}}}})
	defer s.Close()
	s.Apply([]model.VPCLink{link("ok", nlb), link("bad", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/other/def")})
	if p := s.Pool("ok"); p.Len() != 2 || p.targets[1].Endpoint.String() != "https://10.0.0.2:443" {
		t.Errorf("mapped ARN resolved to %d targets", p.Len())
	}
	if _, err := s.Pool("bad").Pick(nil); err == nil || !strings.Contains(err.Error(), "not mapped") {
		t.Errorf("Pick on a link with an unmapped ARN = %v, want an error saying it is not mapped", err)
	}
}

// TestActiveHealthCheck: a target whose health check path fails is out of the pool until it passes.
func TestActiveHealthCheck(t *testing.T) {
	var sick atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer other.Close()
	l := link("l1", strings.TrimPrefix(srv.URL, "http://"), strings.TrimPrefix(other.URL, "http://"))
	l.HealthCheckPath, l.HealthCheckIntervalSeconds = "/healthz", 1
	sick.Store(true)
	_, p := newPool(t, newClock(), l)
	target := p.targets[0]
	waitFor(t, "the failing target to leave the pool", func() bool { return target.down.Load() })
	for range 10 {
		tg, _ := p.Pick(nil)
		if tg == target {
			t.Fatal("a target failing its health check was picked")
		}
		p.Done(tg, false)
	}
	sick.Store(false)
	waitFor(t, "the target to pass its check again", func() bool { return !target.down.Load() })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// BenchmarkPick measures the balancer's own cost per request.
func BenchmarkPick(b *testing.B) {
	for _, algo := range model.LoadBalancingAlgorithms {
		b.Run(algo, func(b *testing.B) {
			l := link("l1", three...)
			l.LoadBalancingAlgorithm = algo
			s := NewSet(Options{})
			defer s.Close()
			s.Apply([]model.VPCLink{l})
			p := s.Pool("l1")
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tg, _ := p.Pick(nil)
					p.Done(tg, false)
				}
			})
		})
	}
}
