// Package vpclink is the data plane's load balancer behind VPC links: each link is a pool of backend
// targets, picked per request by round robin or least requests, with passive health checks (a target
// that fails UnhealthyThreshold times in a row, by a connection that fails, a timeout or a 5xx answer,
// is ejected for EjectionSeconds, then tried again) and, when a link sets HealthCheckPath, active ones.
//
// The pools are compiled from the links by Apply and swapped in whole; the request path reads them
// through one atomic load and keeps each target's state in atomics, so it takes no lock.
package vpclink

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Options configures a Set.
type Options struct {
	// Targets maps ARN-shaped targets to backend addresses (the operator's --vpc-link-targets).
	Targets model.VPCLinkTargetMap
	// Logger is told about ejections, returns and failed active checks. Nil discards.
	Logger *slog.Logger
	// Now is the clock of ejections. Default time.Now.
	Now func() time.Time
}

// Set holds the pools of every VPC link, by id. It is safe for concurrent use.
type Set struct {
	opts  Options
	pools atomic.Pointer[map[string]*Pool]
	// mu serializes Apply and Close; the request path never takes it.
	mu     sync.Mutex
	closed bool
}

// NewSet returns a Set with no link.
func NewSet(opts Options) *Set {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Set{opts: opts}
	s.pools.Store(&map[string]*Pool{})
	return s
}

// Pool returns a link's pool, nil when there is no such link.
func (s *Set) Pool(id string) *Pool {
	return (*s.pools.Load())[id]
}

// Apply replaces the pools with those of links. A link whose settings and addresses did not change
// keeps its pool; a target whose address stays keeps its state (in-flight count, ejection) across a
// change of its link. Requests in flight finish on the targets they picked.
func (s *Set) Apply(links []model.VPCLink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	old := *s.pools.Load()
	next := make(map[string]*Pool, len(links))
	for _, l := range links {
		p := s.compile(l, old[l.ID])
		next[l.ID] = p
	}
	s.pools.Store(&next)
	for id, p := range old {
		if next[id] != p {
			p.stopChecks()
		}
	}
	for id, p := range next {
		if old[id] != p {
			p.startChecks()
		}
	}
}

// Close stops every active health check; the pools keep serving.
func (s *Set) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, p := range *s.pools.Load() {
		p.stopChecks()
	}
}

// fingerprint is what makes a pool: a link whose fingerprint did not change keeps its pool.
func fingerprint(l model.VPCLink, eps []model.VPCLinkEndpoint, resolveErr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%d|%d|%d|%v|", l.LoadBalancingAlgorithm, l.HealthCheckPath, l.HealthCheckIntervalSeconds,
		l.UnhealthyThreshold, l.EjectionSeconds, resolveErr)
	for _, e := range eps {
		b.WriteString(e.String())
		b.WriteByte(',')
	}
	return b.String()
}

func (s *Set) compile(l model.VPCLink, old *Pool) *Pool {
	l.Normalize()
	eps, err := s.opts.Targets.Resolve(l.TargetARNs)
	if err == nil && len(eps) == 0 {
		err = errors.New("no targets")
	}
	fp := fingerprint(l, eps, err)
	if old != nil && old.fingerprint == fp {
		return old
	}
	p := &Pool{
		id:          l.ID,
		fingerprint: fp,
		leastReq:    l.LoadBalancingAlgorithm == model.BalanceLeastRequests,
		threshold:   int32(l.UnhealthyThreshold),
		ejection:    time.Duration(l.EjectionSeconds) * time.Second,
		checkPath:   l.HealthCheckPath,
		interval:    time.Duration(l.HealthCheckIntervalSeconds) * time.Second,
		now:         s.opts.Now,
		log:         s.opts.Logger,
	}
	if err != nil {
		p.err = fmt.Errorf("vpc link %s: %w", l.ID, err)
		return p
	}
	for _, e := range eps {
		var t *Target
		if old != nil {
			if i := slices.IndexFunc(old.targets, func(o *Target) bool { return o.Endpoint == e }); i >= 0 {
				t = old.targets[i]
			}
		}
		if t == nil {
			t = &Target{Endpoint: e}
		}
		p.targets = append(p.targets, t)
	}
	return p
}

// Pool is one VPC link's targets and how they are picked.
type Pool struct {
	id          string
	fingerprint string
	targets     []*Target
	// err, when set, is why the link cannot be used (a target that no longer resolves).
	err       error
	leastReq  bool
	threshold int32
	ejection  time.Duration
	next      atomic.Uint64
	now       func() time.Time
	log       *slog.Logger

	checkPath string
	interval  time.Duration
	// stop ends the active health checks, when they run.
	stop     chan struct{}
	stopOnce sync.Once
}

// Target is one backend of a pool.
type Target struct {
	Endpoint model.VPCLinkEndpoint
	inflight atomic.Int64
	// failures counts the failures in a row; a success resets it.
	failures atomic.Int32
	// ejectedUntil is when a passive ejection ends (Unix nanoseconds); 0 when not ejected.
	ejectedUntil atomic.Int64
	// down is set while the active health check fails.
	down      atomic.Bool
	requests  atomic.Uint64
	ejections atomic.Uint64
}

// ErrNoTarget is returned by Pick when every target was already tried.
var ErrNoTarget = errors.New("no target left to try")

// Len returns the number of targets.
func (p *Pool) Len() int { return len(p.targets) }

func (p *Pool) healthy(t *Target, now int64) bool {
	if t.down.Load() {
		return false
	}
	u := t.ejectedUntil.Load()
	return u == 0 || now >= u
}

// Pick chooses a target for one request, skipping those in tried, and counts it in flight: the caller
// must call Done with the outcome. When no healthy target is left, it picks among the unhealthy ones
// rather than fail the request (they may have recovered); only when every target was tried is it
// ErrNoTarget.
func (p *Pool) Pick(tried []*Target) (*Target, error) {
	if p.err != nil {
		return nil, p.err
	}
	var now int64
	if p.anyEjected() {
		now = p.now().UnixNano()
	}
	var t *Target
	if p.leastReq {
		t = p.pickLeast(tried, now)
	} else {
		t = p.pickRoundRobin(tried, now)
	}
	if t == nil {
		// Every untried target is unhealthy: try one anyway, the longest ejected first to come back.
		for _, c := range p.targets {
			if !slices.Contains(tried, c) && (t == nil || c.ejectedUntil.Load() < t.ejectedUntil.Load()) {
				t = c
			}
		}
	}
	if t == nil {
		return nil, ErrNoTarget
	}
	t.inflight.Add(1)
	t.requests.Add(1)
	return t, nil
}

// pickRoundRobin takes the next of the healthy untried targets: the k-th of them, so that while one is
// out its share spreads evenly over the others instead of falling to its neighbour.
func (p *Pool) pickRoundRobin(tried []*Target, now int64) *Target {
	n := len(p.targets)
	k := p.next.Add(1)
	if now == 0 && len(tried) == 0 && !p.anyDown() {
		return p.targets[k%uint64(n)]
	}
	ok := func(t *Target) bool { return p.healthy(t, now) && !slices.Contains(tried, t) }
	m := 0
	for _, t := range p.targets {
		if ok(t) {
			m++
		}
	}
	if m == 0 {
		return nil
	}
	i := int(k % uint64(m))
	for _, t := range p.targets {
		if ok(t) {
			if i == 0 {
				return t
			}
			i--
		}
	}
	return nil
}

// anyDown reports whether some target fails its active health check.
func (p *Pool) anyDown() bool {
	if p.checkPath == "" {
		return false
	}
	for _, t := range p.targets {
		if t.down.Load() {
			return true
		}
	}
	return false
}

// anyEjected reports whether some target may be passively ejected, so that Pick reads the clock only
// then.
func (p *Pool) anyEjected() bool {
	for _, t := range p.targets {
		if t.ejectedUntil.Load() != 0 {
			return true
		}
	}
	return false
}

// pickLeast chooses the less busy of two healthy targets picked at random (power of two choices: as
// good as the least busy of all under load, and equal targets still share evenly).
func (p *Pool) pickLeast(tried []*Target, now int64) *Target {
	n := len(p.targets)
	ok := func(t *Target) bool { return p.healthy(t, now) && !slices.Contains(tried, t) }
	if n == 1 {
		if ok(p.targets[0]) {
			return p.targets[0]
		}
		return nil
	}
	a := rand.IntN(n)
	b := rand.IntN(n - 1)
	if b >= a {
		b++
	}
	ta, tb := p.targets[a], p.targets[b]
	switch okA, okB := ok(ta), ok(tb); {
	case okA && okB:
		if tb.inflight.Load() < ta.inflight.Load() {
			return tb
		}
		return ta
	case okA:
		return ta
	case okB:
		return tb
	}
	// Both unhealthy or tried: the least busy of the others.
	var best *Target
	for _, t := range p.targets {
		if ok(t) && (best == nil || t.inflight.Load() < best.inflight.Load()) {
			best = t
		}
	}
	return best
}

// Done records the outcome of a request Pick sent to t: failed is a connection that failed, a
// timeout or a 5xx answer. UnhealthyThreshold failures in a row eject the target.
func (p *Pool) Done(t *Target, failed bool) {
	t.inflight.Add(-1)
	if !failed {
		if t.failures.Load() != 0 {
			t.failures.Store(0)
		}
		// Back in service: a success after the ejection ended (not a straggler sent before it).
		if u := t.ejectedUntil.Load(); u != 0 && p.now().UnixNano() >= u {
			t.ejectedUntil.CompareAndSwap(u, 0)
		}
		return
	}
	f := t.failures.Add(1)
	if f < p.threshold || !t.failures.CompareAndSwap(f, 0) {
		return
	}
	// Stragglers sent before the ejection may fail after it: they do not eject the target again.
	now := p.now()
	u := t.ejectedUntil.Load()
	if u > now.UnixNano() {
		return
	}
	until := now.Add(p.ejection)
	if !t.ejectedUntil.CompareAndSwap(u, until.UnixNano()) {
		return
	}
	t.ejections.Add(1)
	p.log.Warn("vpc link target ejected", "vpc_link", p.id, "target", t.Endpoint.String(), "failures", f,
		"until", until.UTC().Format(time.RFC3339))
}

// Healthy reports whether t takes requests now (neither ejected nor failing its active check).
func (t *Target) Healthy(now time.Time) bool {
	if t.down.Load() {
		return false
	}
	u := t.ejectedUntil.Load()
	return u == 0 || now.UnixNano() >= u
}

// Requests returns how many requests were sent to t.
func (t *Target) Requests() uint64 { return t.requests.Load() }

// Ejections returns how many times t was ejected.
func (t *Target) Ejections() uint64 { return t.ejections.Load() }

// startChecks starts the active health checks of a pool that has a check path.
func (p *Pool) startChecks() {
	if p.checkPath == "" || p.err != nil {
		return
	}
	p.stop = make(chan struct{})
	timeout := min(p.interval, 5*time.Second)
	// Its own transport: checks go straight to the targets, never through an HTTP_PROXY of the environment.
	hc := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: 2 * p.interval},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	go func() {
		tick := time.NewTicker(p.interval)
		defer tick.Stop()
		defer hc.CloseIdleConnections()
		for {
			p.checkAll(hc)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
}

func (p *Pool) stopChecks() {
	if p.stop != nil {
		p.stopOnce.Do(func() { close(p.stop) })
	}
}

func (p *Pool) checkAll(hc *http.Client) {
	var wg sync.WaitGroup
	for _, t := range p.targets {
		wg.Go(func() {
			err := check(hc, t.Endpoint, p.checkPath)
			was := t.down.Swap(err != nil)
			switch {
			case err != nil && !was:
				p.log.Warn("vpc link target failed its health check", "vpc_link", p.id, "target", t.Endpoint.String(), "err", err)
			case err == nil && was:
				p.log.Info("vpc link target passed its health check again", "vpc_link", p.id, "target", t.Endpoint.String())
			}
		})
	}
	wg.Wait()
}

// check GETs path on a target: a 2xx or 3xx answer passes.
func check(hc *http.Client, e model.VPCLinkEndpoint, path string) error {
	scheme := e.Scheme
	if scheme == "" {
		scheme = "http"
	}
	resp, err := hc.Get(scheme + "://" + e.Addr + path)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s answered %d", path, resp.StatusCode)
	}
	return nil
}

// Collector exports each target's health and ejections; it reads the atomics at scrape time only.
func (s *Set) Collector() prometheus.Collector { return collector{s} }

var (
	healthyDesc   = desc("gatewayd_vpc_link_target_healthy")
	ejectionsDesc = desc("gatewayd_vpc_link_target_ejections_total")
	requestsDesc  = desc("gatewayd_vpc_link_target_requests_total")
)

// desc describes a metric of telemetry.Catalog, where its help is kept for the monitoring guide.
func desc(name string) *prometheus.Desc {
	d := telemetry.Def(name)
	return prometheus.NewDesc(d.Name, d.Help, d.Labels, nil)
}

type collector struct{ s *Set }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- healthyDesc
	ch <- ejectionsDesc
	ch <- requestsDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	now := c.s.opts.Now()
	for id, p := range *c.s.pools.Load() {
		for _, t := range p.targets {
			h := 0.0
			if t.Healthy(now) {
				h = 1
			}
			ch <- prometheus.MustNewConstMetric(healthyDesc, prometheus.GaugeValue, h, id, t.Endpoint.String())
			ch <- prometheus.MustNewConstMetric(ejectionsDesc, prometheus.CounterValue, float64(t.Ejections()), id, t.Endpoint.String())
			ch <- prometheus.MustNewConstMetric(requestsDesc, prometheus.CounterValue, float64(t.Requests()), id, t.Endpoint.String())
		}
	}
}
