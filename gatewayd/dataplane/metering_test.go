package dataplane_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const (
	forbidden       = `{"message":"Forbidden"}`
	tooManyRequests = `{"message":"Too Many Requests"}`
	limitExceeded   = `{"message":"Limit Exceeded"}`
)

// Key values of the tests.
const (
	goodKey     = "good-key-0123456789abcdefghij"
	otherKey    = "other-key-0123456789abcdefghij"
	disabledKey = "disabled-key-0123456789abcdef"
	devOnlyKey  = "dev-only-key-0123456789abcdef"
)

// memStore is an in-memory UsageStore: a test double of the control plane's store.
type memStore struct {
	mu     sync.Mutex
	counts map[model.UsageCount]int64 // by plan, key and day, Count zero
	// failNext fails that many AddUsage calls.
	failNext int
	adds     int
}

func newMemStore() *memStore { return &memStore{counts: map[model.UsageCount]int64{}} }

func (m *memStore) LoadUsage(_ context.Context, since time.Time) ([]model.UsageCount, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []model.UsageCount
	for k, n := range m.counts {
		if k.Day >= since.Format(time.DateOnly) {
			k.Count = n
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memStore) AddUsage(_ context.Context, deltas []model.UsageCount) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		return errors.New("store unavailable")
	}
	m.adds++
	for _, d := range deltas {
		n := d.Count
		d.Count = 0
		m.counts[d] += n
	}
	return nil
}

func (m *memStore) count(plan, key, day string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[model.UsageCount{UsagePlanID: plan, KeyID: key, Day: day}]
}

// fakeClock is a settable clock for quota periods.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// meteredAPI is api1 with keyed methods (/items, /slow, /fast, /shared, /a, /b) and an open one (/open).
func meteredAPI() *apiBuilder {
	b := newAPI("api1")
	in, resp := mock("200", "ok")
	for _, p := range []string{"/items", "/slow", "/fast", "/shared", "/a", "/b"} {
		b.methodWith(model.Method{APIKeyRequired: true}, p, "GET", in, resp)
	}
	b.method("/open", "GET", in, resp)
	return b
}

func setMeteredStage(t *testing.T, s *dataplane.Server, settings map[string]model.MethodSetting) {
	t.Helper()
	b := meteredAPI()
	st := model.Stage{RestAPIID: "api1", StageName: "prod", MethodSettings: settings}
	if err := s.SetStage(st, &b.snap); err != nil {
		t.Fatalf("SetStage: %v", err)
	}
}

func setting(rate float64, burst int) model.MethodSetting {
	ms := model.DefaultMethodSetting()
	ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit = rate, burst
	return ms
}

// plan returns usage plan id covering api1/prod, with a throttle when burst > 0 and a daily quota
// when quota > 0.
func plan(id string, rate float64, burst int, quota int64, methods ...model.MethodThrottle) model.UsagePlan {
	p := model.UsagePlan{ID: id, Name: id, APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "prod", Throttle: methods}}}
	if burst > 0 {
		p.Throttle = &model.ThrottleSettings{RateLimit: rate, BurstLimit: burst}
	}
	if quota > 0 {
		p.Quota = &model.QuotaSettings{Limit: quota, Period: model.PeriodDay}
	}
	return p
}

// metering attaches goodKey and otherKey to p (and the disabled key), and devOnlyKey to a plan that
// covers only api1/dev.
func metering(p model.UsagePlan) model.MeteringSnapshot {
	return model.MeteringSnapshot{
		Keys: []model.APIKeyHash{
			{ID: "kgood", Name: "good", Enabled: true, ValueHash: apikey.Hash(goodKey)},
			{ID: "kother", Name: "other", Enabled: true, ValueHash: apikey.Hash(otherKey)},
			{ID: "kdisabled", Name: "disabled", Enabled: false, ValueHash: apikey.Hash(disabledKey)},
			{ID: "kdev", Name: "dev", Enabled: true, ValueHash: apikey.Hash(devOnlyKey)},
		},
		Plans: []model.UsagePlan{p, {ID: "pdev", Name: "dev", APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "dev"}}}},
		PlanKeys: []model.UsagePlanKey{
			{UsagePlanID: p.ID, KeyID: "kgood"},
			{UsagePlanID: p.ID, KeyID: "kother"},
			{UsagePlanID: p.ID, KeyID: "kdisabled"},
			{UsagePlanID: "pdev", KeyID: "kdev"},
		},
	}
}

func setMetering(t *testing.T, s *dataplane.Server, m model.MeteringSnapshot) {
	t.Helper()
	if err := s.SetMetering(m); err != nil {
		t.Fatalf("SetMetering: %v", err)
	}
}

func newMeteredServer(t *testing.T, opts dataplane.Options) (*dataplane.Server, string) {
	t.Helper()
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	s, err := dataplane.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, serve(t, s)
}

func call(t *testing.T, url, key string) result {
	t.Helper()
	req := newRequest(t, "GET", url, nil)
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	got := do(t, req)
	return result{Status: got.Status, Body: got.Body}
}

// calls makes n sequential calls and returns how many answers each body got.
func calls(t *testing.T, n int, url, key string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		out[call(t, url, key).Body]++
	}
	return out
}

func TestAPIKeys(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	setMeteredStage(t, s, nil)
	setMetering(t, s, metering(plan("p1", 0, 0, 0)))
	tests := []struct {
		name, path, key string
		want            result
	}{
		{"no key", "/items", "", result{Status: 403, Body: forbidden}},
		{"unknown key", "/items", "unknown-key-0123456789abcdef", result{Status: 403, Body: forbidden}},
		{"disabled key", "/items", disabledKey, result{Status: 403, Body: forbidden}},
		{"key in a plan not attached to this stage", "/items", devOnlyKey, result{Status: 403, Body: forbidden}},
		{"key differing in case", "/items", "GOOD-KEY-0123456789ABCDEFGHIJ", result{Status: 403, Body: forbidden}},
		{"good key", "/items", goodKey, result{Status: 200, Body: "ok"}},
		{"open method needs no key", "/open", "", result{Status: 200, Body: "ok"}},
		{"open method ignores a bad key", "/open", "unknown-key-0123456789abcdef", result{Status: 200, Body: "ok"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, call(t, base+"/api1/prod"+tc.path, tc.key)); diff != "" {
				t.Errorf("GET %s with key %q (-want +got):\n%s", tc.path, tc.key, diff)
			}
		})
	}
	t.Run("disabling a key applies to the next request", func(t *testing.T) {
		m := metering(plan("p1", 0, 0, 0))
		m.Keys[0].Enabled = false
		setMetering(t, s, m)
		if got := call(t, base+"/api1/prod/items", goodKey); got.Status != 403 {
			t.Errorf("disabled good key: got %d %q, want 403", got.Status, got.Body)
		}
	})
	t.Run("a bad snapshot changes nothing", func(t *testing.T) {
		m := metering(plan("p1", 0, 0, 0))
		m.Keys[0].ValueHash = "not-a-hash"
		if err := s.SetMetering(m); err == nil {
			t.Fatal("SetMetering with a bad hash: no error")
		}
		if got := call(t, base+"/api1/prod/items", otherKey); got.Status != 200 {
			t.Errorf("after a refused snapshot: got %d %q, want 200", got.Status, got.Body)
		}
	})
}

// hammer sends GETs to url from clients parallel clients for d and counts the 200s and 429s.
func hammer(t *testing.T, base, path, key string, clients int, d time.Duration) (admitted, throttled int64) {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	get := func(url string) (int, error) {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			return 0, err
		}
		if key != "" {
			req.Header.Set("x-api-key", key)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		var buf [512]byte
		for {
			if _, err := resp.Body.Read(buf[:]); err != nil {
				break
			}
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// Open every connection first, on a route that meets no bucket, so the window starts hot.
	var warm sync.WaitGroup
	for range clients {
		warm.Go(func() { get(base + "/api1/prod/nothing") })
	}
	warm.Wait()

	var ok, refused, other atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Since(start) < d {
				status, err := get(base + path)
				switch {
				case err != nil:
					other.Add(1)
				case status == 200:
					ok.Add(1)
				case status == 429:
					refused.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if other.Load() > 0 {
		t.Errorf("%d answers neither 200 nor 429", other.Load())
	}
	return ok.Load(), refused.Load()
}

// TestLimiterAccuracy: 64 concurrent clients against rate r and burst b are admitted b + r·T within
// ±1, at each kind of level. The limiter's clock is a stepClock that the test moves by dt at a time
// while the clients hammer, so the count does not depend on how fast this machine schedules them:
// at each fake instant the clients race for the tokens there are until one of them is refused (the
// bucket is then empty: nothing refills it until the clock moves), and only then does the clock move
// on. No token is lost to the bucket's cap either, as a step adds r·dt < b tokens to an empty bucket.
func TestLimiterAccuracy(t *testing.T) {
	const (
		r       = 50.0
		b       = 10
		dt      = 125 * time.Millisecond // r·dt = 6.25 tokens a step: fractions carry over
		steps   = 8                      // T = steps·dt = 1 s of the limiter's time
		clients = 64
	)
	tests := []struct {
		name     string
		opts     dataplane.Options
		settings map[string]model.MethodSetting
		plan     model.UsagePlan
		path     string
		key      string
	}{
		{name: "plan", plan: plan("p1", r, b, 0), path: "/items", key: goodKey},
		{name: "plan method", plan: plan("p1", 1000, 1000, 0, model.MethodThrottle{Path: "/slow/GET", RateLimit: r, BurstLimit: b}), path: "/slow", key: goodKey},
		{name: "stage method", settings: map[string]model.MethodSetting{"open/GET": setting(r, b)}, plan: plan("p1", 0, 0, 0), path: "/open"},
		{name: "stage default", settings: map[string]model.MethodSetting{"*/*": setting(r, b)}, plan: plan("p1", 0, 0, 0), path: "/open"},
		{name: "account", opts: dataplane.Options{AccountRateLimit: r, AccountBurstLimit: b}, plan: plan("p1", 0, 0, 0), path: "/open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newStepClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), dt, steps)
			tc.opts.Now = clock.Now
			s, base := newMeteredServer(t, tc.opts)
			setMeteredStage(t, s, tc.settings)
			setMetering(t, s, metering(tc.plan))
			h := startSteppedHammer(t, base+"/api1/prod"+tc.path, tc.key, clients, clock)
			for step := range steps + 1 {
				if step > 0 {
					clock.advance()
				}
				h.waitRefused(t, step)
			}
			h.stop(t)

			admitted, perStep := h.admitted()
			ideal := b + r*(steps*dt).Seconds()
			t.Logf("admitted %d over %v of limiter time (by the step they were sent at: %v), %d throttled: b + r·T = %.2f",
				admitted, steps*dt, perStep, h.throttled.Load(), ideal)
			if math.Abs(float64(admitted)-ideal) > 1 {
				t.Errorf("admitted %d requests (by the step they were sent at: %v), want b + r·T = %.2f ± 1", admitted, perStep, ideal)
			}
		})
	}
}

// stepClock is a limiter clock that stands still until the test moves it by one step.
type stepClock struct {
	start time.Time
	dt    time.Duration
	step  atomic.Int64
	steps int
}

func newStepClock(start time.Time, dt time.Duration, steps int) *stepClock {
	return &stepClock{start: start, dt: dt, steps: steps}
}

func (c *stepClock) Now() time.Time { return c.at(int(c.step.Load())) }

func (c *stepClock) at(step int) time.Time { return c.start.Add(time.Duration(step) * c.dt) }

func (c *stepClock) advance() { c.step.Add(1) }

// steppedHammer is clients parallel clients sending GETs to one URL until stopped, counting the
// answers by the step of the clock at which each request was sent.
type steppedHammer struct {
	clock               *stepClock
	admittedAt, refused []atomic.Int64 // by step
	throttled, other    atomic.Int64
	done                atomic.Bool
	wg                  sync.WaitGroup
	tr                  *http.Transport
}

func startSteppedHammer(t *testing.T, url, key string, clients int, clock *stepClock) *steppedHammer {
	t.Helper()
	h := &steppedHammer{clock: clock, admittedAt: make([]atomic.Int64, clock.steps+1), refused: make([]atomic.Int64, clock.steps+1),
		tr: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	client := &http.Client{Transport: h.tr}
	t.Cleanup(func() { h.done.Store(true); h.wg.Wait(); h.tr.CloseIdleConnections() })
	for range clients {
		h.wg.Go(func() {
			for !h.done.Load() {
				// The limiter decides at this step or later: the clock only moves forward.
				step := int(h.clock.step.Load())
				req, err := http.NewRequest("GET", url, nil)
				if err != nil {
					h.other.Add(1)
					return
				}
				if key != "" {
					req.Header.Set("x-api-key", key)
				}
				resp, err := client.Do(req)
				if err != nil {
					h.other.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					h.admittedAt[step].Add(1)
				case http.StatusTooManyRequests:
					h.throttled.Add(1)
					h.refused[step].Add(1)
				default:
					h.other.Add(1)
				}
			}
		})
	}
	return h
}

// waitRefused waits until a request sent at step was refused. Its decision was taken at step: the
// clock moves on only after this returns. The bucket then had no token left at that instant.
func (h *steppedHammer) waitRefused(t *testing.T, step int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for h.refused[step].Load() == 0 {
		if time.Now().After(deadline) {
			a, perStep := h.admitted()
			t.Fatalf("no request sent at step %d (limiter time %v) was refused in 30s; admitted %d so far (by step sent: %v), %d other answers",
				step, h.clock.at(step), a, perStep, h.other.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// stop stops the clients and waits for their last answers.
func (h *steppedHammer) stop(t *testing.T) {
	t.Helper()
	h.done.Store(true)
	h.wg.Wait()
	if n := h.other.Load(); n > 0 {
		t.Errorf("%d answers neither 200 nor 429", n)
	}
}

// admitted returns the requests admitted in all and by the step at which they were sent.
func (h *steppedHammer) admitted() (int64, []int64) {
	var total int64
	perStep := make([]int64, len(h.admittedAt))
	for i := range h.admittedAt {
		perStep[i] = h.admittedAt[i].Load()
		total += perStep[i]
	}
	return total, perStep
}

func TestThrottleOrder(t *testing.T) {
	t.Run("plan method limit applies to that method only", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 1000, 100, 0, model.MethodThrottle{Path: "/slow/GET", RateLimit: 0.001, BurstLimit: 2})))
		want := map[string]int{"ok": 2, tooManyRequests: 3}
		if diff := cmp.Diff(want, calls(t, 5, base+"/api1/prod/slow", goodKey)); diff != "" {
			t.Errorf("/slow (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]int{"ok": 5}, calls(t, 5, base+"/api1/prod/fast", goodKey)); diff != "" {
			t.Errorf("/fast (-want +got):\n%s", diff)
		}
		// Each key has its own plan buckets.
		if diff := cmp.Diff(want, calls(t, 5, base+"/api1/prod/slow", otherKey)); diff != "" {
			t.Errorf("/slow with another key (-want +got):\n%s", diff)
		}
	})
	t.Run("plan limit is per key", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0.001, 3, 0)))
		want := map[string]int{"ok": 3, tooManyRequests: 1}
		for _, key := range []string{goodKey, otherKey} {
			if diff := cmp.Diff(want, calls(t, 4, base+"/api1/prod/items", key)); diff != "" {
				t.Errorf("key %s (-want +got):\n%s", key, diff)
			}
		}
	})
	t.Run("stage method settings apply to all keys", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, map[string]model.MethodSetting{"shared/GET": setting(0.001, 3)})
		setMetering(t, s, metering(plan("p1", 1000, 100, 0)))
		got := calls(t, 2, base+"/api1/prod/shared", goodKey)
		for k, v := range calls(t, 2, base+"/api1/prod/shared", otherKey) {
			got[k] += v
		}
		if diff := cmp.Diff(map[string]int{"ok": 3, tooManyRequests: 1}, got); diff != "" {
			t.Errorf("two keys on /shared (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]int{"ok": 4}, calls(t, 4, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("/items has no stage limit (-want +got):\n%s", diff)
		}
	})
	t.Run("stage default limits each method on its own", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, map[string]model.MethodSetting{"*/*": setting(0.001, 3)})
		setMetering(t, s, metering(plan("p1", 0, 0, 0)))
		if diff := cmp.Diff(map[string]int{"ok": 3, tooManyRequests: 1}, calls(t, 4, base+"/api1/prod/open", "")); diff != "" {
			t.Errorf("/open (-want +got):\n%s", diff)
		}
		// /items has its own bucket of 3, shared by every caller of /items.
		if diff := cmp.Diff(map[string]int{"ok": 3, tooManyRequests: 1}, calls(t, 4, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("/items (-want +got):\n%s", diff)
		}
	})
	t.Run("a refused level keeps no token of earlier levels", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		// Plan: 3 tokens per key. Stage: /a has one token.
		setMeteredStage(t, s, map[string]model.MethodSetting{"a/GET": setting(0.001, 1)})
		setMetering(t, s, metering(plan("p1", 0.001, 3, 0)))
		if diff := cmp.Diff(map[string]int{"ok": 1, tooManyRequests: 4}, calls(t, 5, base+"/api1/prod/a", goodKey)); diff != "" {
			t.Errorf("/a (-want +got):\n%s", diff)
		}
		// Refusals at the stage level took nothing from the plan bucket: 2 tokens are left.
		if diff := cmp.Diff(map[string]int{"ok": 2, tooManyRequests: 1}, calls(t, 3, base+"/api1/prod/b", goodKey)); diff != "" {
			t.Errorf("/b (-want +got):\n%s", diff)
		}
	})
}

func TestLimitChanges(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	setMeteredStage(t, s, nil)
	setMetering(t, s, metering(plan("p1", 0, 0, 0)))
	url := base + "/api1/prod/open"
	if diff := cmp.Diff(map[string]int{"ok": 5}, calls(t, 5, url, "")); diff != "" {
		t.Fatalf("no limit (-want +got):\n%s", diff)
	}
	steps := []struct {
		name     string
		settings map[string]model.MethodSetting
		want     map[string]int
	}{
		{"a new limit applies to the next request", map[string]model.MethodSetting{"open/GET": setting(0.001, 2)},
			map[string]int{"ok": 2, tooManyRequests: 2}},
		{"an unchanged limit keeps its bucket", map[string]model.MethodSetting{"open/GET": setting(0.001, 2), "items/GET": setting(5, 5)},
			map[string]int{tooManyRequests: 2}},
		{"a removed limit applies to the next request", nil,
			map[string]int{"ok": 3}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			setMeteredStage(t, s, st.settings)
			if diff := cmp.Diff(st.want, calls(t, sum(st.want), url, "")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// A changed rate applies from the next request on: the bucket keeps the tokens it had and refills
	// at the new rate from then.
	t.Run("a raised rate refills at once", func(t *testing.T) {
		setMeteredStage(t, s, map[string]model.MethodSetting{"open/GET": setting(0.001, 2)})
		if got := call(t, url, ""); got.Status != 429 {
			t.Fatalf("bucket state lost across stage changes: got %d %q, want 429", got.Status, got.Body)
		}
		setMeteredStage(t, s, map[string]model.MethodSetting{"open/GET": setting(1000, 2)})
		time.Sleep(10 * time.Millisecond)
		if diff := cmp.Diff(map[string]int{"ok": 2}, calls(t, 2, url, "")); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("a plan limit changed by SetMetering applies to the next request", func(t *testing.T) {
		setMetering(t, s, metering(plan("p1", 0.001, 2, 0)))
		if diff := cmp.Diff(map[string]int{"ok": 2, tooManyRequests: 1}, calls(t, 3, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		setMetering(t, s, metering(plan("p1", 1000, 2, 0)))
		time.Sleep(10 * time.Millisecond)
		if diff := cmp.Diff(map[string]int{"ok": 2}, calls(t, 2, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("after raising the rate (-want +got):\n%s", diff)
		}
	})
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestQuota(t *testing.T) {
	t.Run("quota 20 a day admits exactly 20 of 40", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0, 0, 20)))
		if diff := cmp.Diff(map[string]int{"ok": 20, limitExceeded: 20}, calls(t, 40, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		// The quota is per key.
		if got := call(t, base+"/api1/prod/items", otherKey); got.Status != 200 {
			t.Errorf("other key: got %d %q, want 200", got.Status, got.Body)
		}
	})
	t.Run("concurrent calls never pass the quota", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0, 0, 50)))
		admitted, refused := hammer(t, base, "/api1/prod/items", goodKey, 32, 300*time.Millisecond)
		if admitted != 50 || refused == 0 {
			t.Errorf("admitted %d and refused %d, want 50 admitted and some refused", admitted, refused)
		}
	})
	t.Run("throttled calls are not counted", func(t *testing.T) {
		store := newMemStore()
		clock := &fakeClock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
		s, base := newMeteredServer(t, dataplane.Options{Usage: store, Now: clock.Now})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0.001, 5, 10)))
		if diff := cmp.Diff(map[string]int{"ok": 5, tooManyRequests: 15}, calls(t, 20, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("throttled (-want +got):\n%s", diff)
		}
		setMetering(t, s, metering(plan("p1", 1000, 100, 10)))
		clock.Set(clock.Now().Add(time.Second))
		if diff := cmp.Diff(map[string]int{"ok": 5, limitExceeded: 5}, calls(t, 10, base+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("after raising the throttle (-want +got):\n%s", diff)
		}
		if err := s.FlushUsage(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := store.count("p1", "kgood", "2025-03-10"); got != 10 {
			t.Errorf("stored count = %d, want 10", got)
		}
	})
	t.Run("a limit changed mid-window applies at once without a reset", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0, 0, 5)))
		url := base + "/api1/prod/items"
		if diff := cmp.Diff(map[string]int{"ok": 5, limitExceeded: 1}, calls(t, 6, url, goodKey)); diff != "" {
			t.Errorf("quota 5 (-want +got):\n%s", diff)
		}
		setMetering(t, s, metering(plan("p1", 0, 0, 8)))
		if diff := cmp.Diff(map[string]int{"ok": 3, limitExceeded: 2}, calls(t, 5, url, goodKey)); diff != "" {
			t.Errorf("raised to 8 (-want +got):\n%s", diff)
		}
		setMetering(t, s, metering(plan("p1", 0, 0, 4)))
		if diff := cmp.Diff(map[string]int{limitExceeded: 1}, calls(t, 1, url, goodKey)); diff != "" {
			t.Errorf("lowered to 4 (-want +got):\n%s", diff)
		}
	})
	t.Run("a new period resets the count", func(t *testing.T) {
		store := newMemStore()
		clock := &fakeClock{t: time.Date(2025, 3, 10, 23, 59, 0, 0, time.UTC)}
		s, base := newMeteredServer(t, dataplane.Options{Usage: store, Now: clock.Now})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0, 0, 3)))
		url := base + "/api1/prod/items"
		if diff := cmp.Diff(map[string]int{"ok": 3, limitExceeded: 1}, calls(t, 4, url, goodKey)); diff != "" {
			t.Errorf("day 1 (-want +got):\n%s", diff)
		}
		clock.Set(time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC))
		if diff := cmp.Diff(map[string]int{"ok": 3, limitExceeded: 1}, calls(t, 4, url, goodKey)); diff != "" {
			t.Errorf("day 2 (-want +got):\n%s", diff)
		}
		// A weekly quota starting on Monday 2025-03-10 sees both days.
		p := plan("p1", 0, 0, 0)
		p.Quota = &model.QuotaSettings{Limit: 7, Period: model.PeriodWeek, Offset: 1}
		setMetering(t, s, metering(p))
		if diff := cmp.Diff(map[string]int{"ok": 1, limitExceeded: 1}, calls(t, 2, url, goodKey)); diff != "" {
			t.Errorf("weekly (-want +got):\n%s", diff)
		}
		if err := s.FlushUsage(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := []int64{store.count("p1", "kgood", "2025-03-10"), store.count("p1", "kgood", "2025-03-11")}
		if diff := cmp.Diff([]int64{3, 4}, got); diff != "" {
			t.Errorf("stored counts by day (-want +got):\n%s", diff)
		}
	})
	t.Run("usage survives a restart", func(t *testing.T) {
		store := newMemStore()
		ctx := context.Background()
		s1, base1 := newMeteredServer(t, dataplane.Options{Usage: store, FlushInterval: time.Hour})
		setMeteredStage(t, s1, nil)
		setMetering(t, s1, metering(plan("p1", 0, 0, 10)))
		calls(t, 4, base1+"/api1/prod/items", goodKey)
		if err := s1.FlushUsage(ctx); err != nil {
			t.Fatal(err)
		}
		calls(t, 3, base1+"/api1/prod/items", goodKey)
		// Shutdown flushes the 3 counted since.
		if err := s1.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if got := store.count("p1", "kgood", time.Now().UTC().Format(time.DateOnly)); got != 7 {
			t.Errorf("stored after shutdown = %d, want 7", got)
		}

		s2, base2 := newMeteredServer(t, dataplane.Options{Usage: store})
		if err := s2.LoadUsage(ctx); err != nil {
			t.Fatal(err)
		}
		setMeteredStage(t, s2, nil)
		setMetering(t, s2, metering(plan("p1", 0, 0, 10)))
		if diff := cmp.Diff(map[string]int{"ok": 3, limitExceeded: 2}, calls(t, 5, base2+"/api1/prod/items", goodKey)); diff != "" {
			t.Errorf("after restart (-want +got):\n%s", diff)
		}
	})
	t.Run("a failed flush keeps the counts", func(t *testing.T) {
		store := newMemStore()
		store.failNext = 1
		s, base := newMeteredServer(t, dataplane.Options{Usage: store, FlushInterval: time.Hour})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0, 0, 0)))
		calls(t, 4, base+"/api1/prod/items", goodKey)
		if err := s.FlushUsage(context.Background()); err == nil {
			t.Fatal("FlushUsage against a failing store: no error")
		}
		calls(t, 2, base+"/api1/prod/items", goodKey)
		if err := s.FlushUsage(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := store.count("p1", "kgood", time.Now().UTC().Format(time.DateOnly)); got != 6 {
			t.Errorf("stored = %d, want 6", got)
		}
	})
	t.Run("the background flusher writes within the interval", func(t *testing.T) {
		store := newMemStore()
		s, base := newMeteredServer(t, dataplane.Options{Usage: store, FlushInterval: 20 * time.Millisecond})
		setMeteredStage(t, s, nil)
		setMetering(t, s, metering(plan("p1", 0, 0, 0)))
		calls(t, 3, base+"/api1/prod/items", goodKey)
		deadline := time.Now().Add(2 * time.Second)
		for store.count("p1", "kgood", time.Now().UTC().Format(time.DateOnly)) != 3 {
			if time.Now().After(deadline) {
				t.Fatal("counts not flushed after 2s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func TestThrottledMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, base := newMeteredServer(t, dataplane.Options{Registerer: reg})
	detailed := model.DefaultMethodSetting()
	detailed.MetricsEnabled = true // per-method series, as API Gateway's detailed metrics
	setMeteredStage(t, s, map[string]model.MethodSetting{"*/*": detailed})
	p := plan("p1", 0.001, 2, 3)
	setMetering(t, s, metering(p))
	calls(t, 3, base+"/api1/prod/items", goodKey) // 2 ok, 1 throttled
	setMetering(t, s, metering(plan("p1", 1000, 100, 3)))
	time.Sleep(20 * time.Millisecond)
	calls(t, 3, base+"/api1/prod/items", goodKey) // 1 ok, 2 over quota
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		if mf.GetName() != "gatewayd_throttled_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if m.GetCounter().GetValue() > 0 {
				got = append(got, fmt.Sprintf("%s %s %s %s %s=%v", l["api"], l["stage"], l["resource"], l["method"], l["reason"], m.GetCounter().GetValue()))
			}
		}
	}
	sort.Strings(got)
	want := []string{"api1 prod /items GET quota=2", "api1 prod /items GET throttle=1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gatewayd_throttled_total (-want +got):\n%s", diff)
	}
}
