package dataplane_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/cache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// countingBackend is a real backend that numbers its calls. It answers "<name> #<call> <request URI>"
// with 200; /status/{code} answers that code and /size/{n} a body of n bytes.
type countingBackend struct {
	url   string
	calls atomic.Int64
	// delay holds every answer back, so that concurrent requests pile up on one miss.
	delay time.Duration
}

func newCountingBackend(t *testing.T, name string) *countingBackend {
	t.Helper()
	b := &countingBackend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := b.calls.Add(1)
		time.Sleep(b.delay)
		switch {
		case strings.HasPrefix(r.URL.Path, "/status/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
			w.WriteHeader(code)
		case strings.HasPrefix(r.URL.Path, "/size/"):
			size, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/size/"))
			w.Write([]byte(strings.Repeat("x", size)))
			return
		}
		fmt.Fprintf(w, "%s #%d %s", name, n, r.URL.RequestURI())
	}))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

// proxy is an HTTP_PROXY integration to uri with the given cache key parameters.
func proxy(uri string, keyParams ...string) model.Integration {
	return model.Integration{Type: model.IntegrationHTTPProxy, URI: uri, CacheKeyParameters: keyParams}
}

// cachedStage is api1's stage prod with the cache on at 0.5 GB, deployment d1.
func cachedStage(settings map[string]model.MethodSetting) model.Stage {
	return model.Stage{RestAPIID: "api1", StageName: "prod", DeploymentID: "d1", CacheClusterEnabled: true,
		CacheClusterSize: "0.5", MethodSettings: settings}
}

func mustSetStage(t *testing.T, s *dataplane.Server, st model.Stage, b *apiBuilder) {
	t.Helper()
	if err := s.SetStage(st, &b.snap); err != nil {
		t.Fatalf("SetStage: %v", err)
	}
}

// cacheSetting is the default method setting with caching as given.
func cacheSetting(enabled bool, ttl int) model.MethodSetting {
	ms := model.DefaultMethodSetting()
	ms.CachingEnabled, ms.CacheTTLInSeconds = enabled, ttl
	return ms
}

// answer is what a test compares of a response.
type answer struct {
	Status       int
	Body         string
	Cache        string // X-Cache
	Invalidation string // X-Cache-Invalidation
}

func fetch(t *testing.T, method, url string, header ...string) answer {
	t.Helper()
	req := newRequest(t, method, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	r := do(t, req)
	return answer{Status: r.Status, Body: r.Body, Cache: r.Header.Get(dataplane.CacheHeader),
		Invalidation: r.Header.Get(dataplane.CacheInvalidationHeader)}
}

func hit(body string) answer  { return answer{Status: 200, Body: body, Cache: "Hit"} }
func miss(body string) answer { return answer{Status: 200, Body: body, Cache: "Miss"} }

// counterValues gathers reg's counters named name, keyed by their resource label.
func counterValues(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out[strings.Join(labels, ",")] = m.GetCounter().GetValue()
		}
	}
	return out
}

func TestCache_HitMissExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	reg := prometheus.NewRegistry()
	s, base := newMeteredServer(t, dataplane.Options{Now: clock.Now, Registerer: reg})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	api.method("/short", "GET", proxy(be.url+"/short"))
	short10 := cacheSetting(true, 10)
	short10.MetricsEnabled = true // /short has series of its own; /items/{id} counts in the stage's
	mustSetStage(t, s, cachedStage(map[string]model.MethodSetting{"short/GET": short10}), api)
	item, short := base+"/api1/prod/items/1", base+"/api1/prod/short"

	steps := []struct {
		name    string
		advance time.Duration
		url     string
		want    answer
	}{
		{name: "first call misses", url: item, want: miss("A #1 /items/1")},
		{name: "second call hits", url: item, want: hit("A #1 /items/1")},
		{name: "hit just before the default TTL (300s)", advance: 299 * time.Second, url: item, want: hit("A #1 /items/1")},
		{name: "miss at the TTL", advance: time.Second, url: item, want: miss("A #2 /items/1")},
		{name: "hit after refill", url: item, want: hit("A #2 /items/1")},
		{name: "method TTL 10s: miss", url: short, want: miss("A #3 /short")},
		{name: "method TTL 10s: hit at 9s", advance: 9 * time.Second, url: short, want: hit("A #3 /short")},
		{name: "method TTL 10s: miss at 10s", advance: time.Second, url: short, want: miss("A #4 /short")},
	}
	for _, st := range steps {
		clock.Set(clock.Now().Add(st.advance))
		if diff := cmp.Diff(st.want, fetch(t, "GET", st.url)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	if got := be.calls.Load(); got != 4 {
		t.Errorf("backend calls = %d, want 4", got)
	}
	for name, want := range map[string]map[string]float64{
		"gatewayd_cache_hits_total": {
			"api=api1,canary=false,method=,resource=,stage=prod":          3,
			"api=api1,canary=false,method=GET,resource=/short,stage=prod": 1,
		},
		"gatewayd_cache_misses_total": {
			"api=api1,canary=false,method=,resource=,stage=prod":          2,
			"api=api1,canary=false,method=GET,resource=/short,stage=prod": 2,
		},
	} {
		if diff := cmp.Diff(want, counterValues(t, reg, name)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestCache_OffWithoutStageCache(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	st := cachedStage(nil)
	st.CacheClusterEnabled = false
	mustSetStage(t, s, st, api)
	for i := 1; i <= 2; i++ {
		want := answer{Status: 200, Body: fmt.Sprintf("A #%d /items/1", i)}
		if diff := cmp.Diff(want, fetch(t, "GET", base+"/api1/prod/items/1")); diff != "" {
			t.Errorf("call %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestCache_KeyParameters(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/keyed/{id}", "GET", proxy(be.url+"/keyed/{id}",
		"method.request.path.id", "method.request.querystring.page", "method.request.header.X-Tenant"))
	api.method("/plain/{id}", "GET", proxy(be.url+"/plain/{id}"))
	mustSetStage(t, s, cachedStage(nil), api)
	keyed, plain := base+"/api1/prod/keyed/", base+"/api1/prod/plain/"

	steps := []struct {
		name   string
		url    string
		header []string
		want   answer
	}{
		{name: "keyed: first", url: keyed + "1?page=1", header: []string{"X-Tenant", "t1"}, want: miss("A #1 /keyed/1?page=1")},
		{name: "keyed: same", url: keyed + "1?page=1", header: []string{"X-Tenant", "t1"}, want: hit("A #1 /keyed/1?page=1")},
		{name: "keyed: unlisted query and header do not split", url: keyed + "1?page=1&debug=yes",
			header: []string{"X-Tenant", "t1", "X-Other", "z"}, want: hit("A #1 /keyed/1?page=1")},
		{name: "keyed: header names match in any case", url: keyed + "1?page=1", header: []string{"x-tenant", "t1"}, want: hit("A #1 /keyed/1?page=1")},
		{name: "keyed: path parameter splits", url: keyed + "2?page=1", header: []string{"X-Tenant", "t1"}, want: miss("A #2 /keyed/2?page=1")},
		{name: "keyed: query string splits", url: keyed + "1?page=2", header: []string{"X-Tenant", "t1"}, want: miss("A #3 /keyed/1?page=2")},
		{name: "keyed: header splits", url: keyed + "1?page=1", header: []string{"X-Tenant", "t2"}, want: miss("A #4 /keyed/1?page=1")},
		{name: "keyed: absent query differs from present", url: keyed + "1", header: []string{"X-Tenant", "t1"}, want: miss("A #5 /keyed/1")},
		{name: "keyed: repeated query values split", url: keyed + "1?page=1&page=2", header: []string{"X-Tenant", "t1"}, want: miss("A #6 /keyed/1?page=1&page=2")},
		// As in API Gateway, with no cache key parameters the resource path template is the key: path
		// parameter values and query strings do not split it.
		{name: "plain: first", url: plain + "1?q=a", want: miss("A #7 /plain/1?q=a")},
		{name: "plain: other id and query share the entry", url: plain + "2?q=b", want: hit("A #7 /plain/1?q=a")},
	}
	for _, st := range steps {
		if diff := cmp.Diff(st.want, fetch(t, "GET", st.url, st.header...)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
}

// TestCache_ConcurrentMissesOneBackendCall sends 1,000 concurrent requests for one key through the
// whole pipeline while the backend is slow: exactly one reaches the backend.
func TestCache_ConcurrentMissesOneBackendCall(t *testing.T) {
	s, err := dataplane.New(dataplane.Options{Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	be := newCountingBackend(t, "A")
	be.delay = 300 * time.Millisecond
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	mustSetStage(t, s, cachedStage(nil), api)

	const n = 1000
	var wg sync.WaitGroup
	answers := make([]answer, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest("GET", "/api1/prod/items/1", nil))
			answers[i] = answer{Status: w.Code, Body: w.Body.String(), Cache: w.Header().Get(dataplane.CacheHeader)}
		})
	}
	close(start)
	wg.Wait()
	if got := be.calls.Load(); got != 1 {
		t.Errorf("backend calls = %d, want 1", got)
	}
	count := map[answer]int{}
	for _, a := range answers {
		count[a]++
	}
	want := map[answer]int{miss("A #1 /items/1"): 1, hit("A #1 /items/1"): n - 1}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// TestCache_Invalidation: Cache-Control: max-age=0 refreshes the entry for an authorized caller (one
// who passed the API key check of a method that requires a key) and for anyone when
// require_authorization_for_cache_control is off; other callers get the strategy.
func TestCache_Invalidation(t *testing.T) {
	strategies := []string{"FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"}
	type tc struct {
		name        string
		requireAuth bool
		strategy    string
		keyed       bool // the method requires an API key and the caller sends a good one
		want        answer
	}
	var tests []tc
	refreshed := miss("A #2 /items/1")
	for _, st := range strategies {
		unauthorized := hit("A #1 /items/1")
		switch st {
		case "FAIL_WITH_403":
			unauthorized = answer{Status: 403, Body: forbidden}
		case "SUCCEED_WITH_RESPONSE_HEADER":
			unauthorized.Invalidation = "denied"
		}
		tests = append(tests,
			tc{name: st + "/unauthorized", requireAuth: true, strategy: st, want: unauthorized},
			tc{name: st + "/authorized", requireAuth: true, strategy: st, keyed: true, want: refreshed},
			tc{name: st + "/authorization not required", requireAuth: false, strategy: st, want: refreshed},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, base := newMeteredServer(t, dataplane.Options{})
			be := newCountingBackend(t, "A")
			api := newAPI("api1")
			api.methodWith(model.Method{APIKeyRequired: tc.keyed}, "/items/{id}", "GET", proxy(be.url+"/items/{id}"))
			ms := cacheSetting(true, 300)
			ms.RequireAuthorizationForCacheControl, ms.UnauthorizedCacheControlHeaderStrategy = tc.requireAuth, tc.strategy
			mustSetStage(t, s, cachedStage(map[string]model.MethodSetting{"*/*": ms}), api)
			setMetering(t, s, metering(plan("p1", 0, 0, 0)))
			var key []string
			if tc.keyed {
				key = []string{"x-api-key", goodKey}
			}
			url := base + "/api1/prod/items/1"
			if diff := cmp.Diff(miss("A #1 /items/1"), fetch(t, "GET", url, key...)); diff != "" {
				t.Fatalf("fill (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, fetch(t, "GET", url, append(key, "Cache-Control", "max-age=0")...)); diff != "" {
				t.Errorf("with Cache-Control: max-age=0 (-want +got):\n%s", diff)
			}
			// What the next plain call sees: the refreshed entry, or the untouched one.
			wantNext := hit("A #1 /items/1")
			if tc.want == refreshed {
				wantNext = hit("A #2 /items/1")
			}
			if diff := cmp.Diff(wantNext, fetch(t, "GET", url, key...)); diff != "" {
				t.Errorf("after (-want +got):\n%s", diff)
			}
		})
	}
	// A caller who passed an authorizer (or IAM) is authorized to invalidate, as one with a good key is.
	t.Run("authorizer caller", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		be := newCountingBackend(t, "A")
		fn := authtest.NewFunction(t, tokenDecider)
		api := newAPI("api1")
		ttl := 300
		api.snap.Authorizers = []model.Authorizer{{ID: "tok", Name: "tok", Type: model.AuthorizerToken, AuthorizerURI: fn.URL,
			IdentitySource: model.DefaultIdentitySource, AuthorizerResultTTLInSeconds: &ttl}}
		api.methodWith(model.Method{Authorization: model.AuthCustom, AuthorizerID: "tok"}, "/items/{id}", "GET", proxy(be.url+"/items/{id}"))
		ms := cacheSetting(true, 300)
		ms.RequireAuthorizationForCacheControl, ms.UnauthorizedCacheControlHeaderStrategy = true, "FAIL_WITH_403"
		mustSetStage(t, s, cachedStage(map[string]model.MethodSetting{"*/*": ms}), api)
		url := base + "/api1/prod/items/1"
		auth := []string{"Authorization", "allow-ann"}
		fetch(t, "GET", url, auth...)
		if diff := cmp.Diff(miss("A #2 /items/1"), fetch(t, "GET", url, append(auth, "Cache-Control", "max-age=0")...)); diff != "" {
			t.Errorf("max-age=0 from a caller an authorizer passed (-want +got):\n%s", diff)
		}
	})
	t.Run("directive among others", func(t *testing.T) {
		s, base := newMeteredServer(t, dataplane.Options{})
		be := newCountingBackend(t, "A")
		api := newAPI("api1")
		api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
		ms := cacheSetting(true, 300)
		ms.RequireAuthorizationForCacheControl = false
		mustSetStage(t, s, cachedStage(map[string]model.MethodSetting{"*/*": ms}), api)
		url := base + "/api1/prod/items/1"
		fetch(t, "GET", url)
		if diff := cmp.Diff(hit("A #1 /items/1"), fetch(t, "GET", url, "Cache-Control", "max-age=10, no-transform")); diff != "" {
			t.Errorf("max-age=10 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(miss("A #2 /items/1"), fetch(t, "GET", url, "Cache-Control", "no-transform, Max-Age=0")); diff != "" {
			t.Errorf("no-transform, Max-Age=0 (-want +got):\n%s", diff)
		}
	})
}

func TestCache_Flush(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}", "method.request.path.id"))
	mustSetStage(t, s, cachedStage(nil), api)
	dev := cachedStage(nil)
	dev.StageName = "dev"
	mustSetStage(t, s, dev, api)

	get := func(path string) answer { return fetch(t, "GET", base+path) }
	for _, p := range []string{"/api1/prod/items/1", "/api1/prod/items/2", "/api1/dev/items/1"} {
		get(p)
	}
	s.FlushCache("api1", "prod")
	s.FlushCache("api1", "nope") // not served: nothing to do
	s.FlushCache("nope", "prod")
	got := []answer{get("/api1/prod/items/1"), get("/api1/prod/items/2"), get("/api1/dev/items/1")}
	want := []answer{miss("A #4 /items/1"), miss("A #5 /items/2"), hit("A #3 /items/1")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after flushing prod (-want +got):\n%s", diff)
	}
}

func TestCache_OnlySuccessStored(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/status/{code}", "GET", proxy(be.url+"/status/{code}", "method.request.path.code"))
	mustSetStage(t, s, cachedStage(nil), api)
	for _, tc := range []struct {
		code   int
		stored bool
	}{{200, true}, {201, true}, {204, true}, {400, false}, {404, false}, {500, false}, {503, false}} {
		before := be.calls.Load()
		url := fmt.Sprintf("%s/api1/prod/status/%d", base, tc.code)
		first, second := fetch(t, "GET", url), fetch(t, "GET", url)
		wantSecond, wantCalls := "Miss", int64(2)
		if tc.stored {
			wantSecond, wantCalls = "Hit", 1
		}
		if first.Status != tc.code || second.Status != tc.code || first.Cache != "Miss" || second.Cache != wantSecond {
			t.Errorf("%d: got %d %s then %d %s, want %d Miss then %d %s", tc.code, first.Status, first.Cache,
				second.Status, second.Cache, tc.code, tc.code, wantSecond)
		}
		if got := be.calls.Load() - before; got != wantCalls {
			t.Errorf("%d: backend calls = %d, want %d", tc.code, got, wantCalls)
		}
	}
}

func TestCache_LargeBodiesNotStored(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/size/{n}", "GET", proxy(be.url+"/size/{n}", "method.request.path.n"))
	mustSetStage(t, s, cachedStage(nil), api)
	for _, tc := range []struct {
		size   int
		stored bool
	}{{1 << 20, true}, {1<<20 + 1, false}} {
		before := be.calls.Load()
		url := fmt.Sprintf("%s/api1/prod/size/%d", base, tc.size)
		for range 2 {
			if a := fetch(t, "GET", url); a.Status != 200 || len(a.Body) != tc.size {
				t.Fatalf("%d bytes: got %d with %d bytes", tc.size, a.Status, len(a.Body))
			}
		}
		want := int64(2)
		if tc.stored {
			want = 1
		}
		if got := be.calls.Load() - before; got != want {
			t.Errorf("%d bytes: backend calls = %d, want %d", tc.size, got, want)
		}
	}
}

// TestCache_MethodSettings: GET is cached by default and wildcards may turn it off; other verbs are
// cached only when their own method settings turn caching on; a TTL of 0 turns caching off.
func TestCache_MethodSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]model.MethodSetting
		verb     string
		cached   bool
	}{
		{name: "GET by default", verb: "GET", cached: true},
		{name: "POST not by default", verb: "POST"},
		{name: "POST with its own setting", verb: "POST", settings: map[string]model.MethodSetting{"items/{id}/POST": cacheSetting(true, 60)}, cached: true},
		{name: "POST not by a stage-wide setting", verb: "POST", settings: map[string]model.MethodSetting{"*/*": cacheSetting(true, 60)}},
		{name: "GET off by */*", verb: "GET", settings: map[string]model.MethodSetting{"*/*": cacheSetting(false, 60)}},
		{name: "GET off by path/*", verb: "GET", settings: map[string]model.MethodSetting{"items/{id}/*": cacheSetting(false, 60)}},
		{name: "GET own setting wins over */*", verb: "GET", cached: true,
			settings: map[string]model.MethodSetting{"*/*": cacheSetting(false, 60), "items/{id}/GET": cacheSetting(true, 60)}},
		{name: "GET own setting off", verb: "GET", settings: map[string]model.MethodSetting{"items/{id}/GET": cacheSetting(false, 60)}},
		{name: "GET TTL 0", verb: "GET", settings: map[string]model.MethodSetting{"*/*": cacheSetting(true, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, base := newMeteredServer(t, dataplane.Options{})
			be := newCountingBackend(t, "A")
			api := newAPI("api1")
			api.method("/items/{id}", tc.verb, proxy(be.url+"/items/{id}"))
			mustSetStage(t, s, cachedStage(tc.settings), api)
			url := base + "/api1/prod/items/1"
			got := []answer{fetch(t, tc.verb, url), fetch(t, tc.verb, url)}
			want := []answer{{Status: 200, Body: "A #1 /items/1"}, {Status: 200, Body: "A #2 /items/1"}}
			if tc.cached {
				want = []answer{miss("A #1 /items/1"), hit("A #1 /items/1")}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestCache_CountsAgainstQuota: the cache step runs after throttling, so a cached answer is counted
// and a caller over quota is refused even though the answer is in the cache.
func TestCache_CountsAgainstQuota(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.methodWith(model.Method{APIKeyRequired: true}, "/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	mustSetStage(t, s, cachedStage(nil), api)
	setMetering(t, s, metering(plan("p1", 0, 0, 3)))
	url := base + "/api1/prod/items/1"
	var got []answer
	for range 4 {
		got = append(got, fetch(t, "GET", url, "x-api-key", goodKey))
	}
	want := []answer{miss("A #1 /items/1"), hit("A #1 /items/1"), hit("A #1 /items/1"), {Status: 429, Body: limitExceeded}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := be.calls.Load(); got != 1 {
		t.Errorf("backend calls = %d, want 1", got)
	}
}

// TestCache_Deployments: the stage's cache survives a recompile of the same deployment, but a new
// deployment never serves what the old one cached.
func TestCache_Deployments(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	a, b := newCountingBackend(t, "A"), newCountingBackend(t, "B")
	apiA, apiB := newAPI("api1"), newAPI("api1")
	apiA.method("/items/{id}", "GET", proxy(a.url+"/items/{id}"))
	apiB.method("/items/{id}", "GET", proxy(b.url+"/items/{id}"))
	url := base + "/api1/prod/items/1"

	d1, d2 := cachedStage(nil), cachedStage(nil)
	d2.DeploymentID = "d2"
	steps := []struct {
		name  string
		stage model.Stage
		api   *apiBuilder
		want  answer
	}{
		{name: "d1", stage: d1, api: apiA, want: miss("A #1 /items/1")},
		{name: "d1 recompiled", stage: d1, api: apiA, want: hit("A #1 /items/1")},
		{name: "d2", stage: d2, api: apiB, want: miss("B #1 /items/1")},
		{name: "d2 again", stage: d2, api: apiB, want: hit("B #1 /items/1")},
	}
	for _, st := range steps {
		mustSetStage(t, s, st.stage, st.api)
		if diff := cmp.Diff(st.want, fetch(t, "GET", url)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
}

// TestCache_ResizeDisableRemove: resizing and disabling drop the contents, as does removing the stage.
func TestCache_ResizeDisableRemove(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	url := base + "/api1/prod/items/1"

	small, large, off := cachedStage(nil), cachedStage(nil), cachedStage(nil)
	large.CacheClusterSize = "1.6"
	off.CacheClusterEnabled = false
	steps := []struct {
		name   string
		stage  model.Stage
		remove bool
		want   answer
	}{
		{name: "0.5", stage: small, want: miss("A #1 /items/1")},
		{name: "0.5 again keeps the cache", stage: small, want: hit("A #1 /items/1")},
		{name: "resized to 1.6", stage: large, want: miss("A #2 /items/1")},
		{name: "1.6 again", stage: large, want: hit("A #2 /items/1")},
		{name: "disabled", stage: off, want: answer{Status: 200, Body: "A #3 /items/1"}},
		{name: "enabled again at 1.6", stage: large, want: miss("A #4 /items/1")},
		{name: "removed and added back", stage: large, remove: true, want: miss("A #5 /items/1")},
	}
	for _, st := range steps {
		if st.remove {
			s.RemoveStage("api1", "prod")
		}
		mustSetStage(t, s, st.stage, api)
		if diff := cmp.Diff(st.want, fetch(t, "GET", url)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
}

// TestCache_SharedStoreEmptiedWhenTurnedOnAgain: a store given by Options.CacheStore can outlive the
// stage's cache (Redis, shared by the nodes); turning the cache off and on again empties it, as API
// Gateway deletes a cache that is turned off.
func TestCache_SharedStoreEmptiedWhenTurnedOnAgain(t *testing.T) {
	stores := map[string]cache.Store{}
	s, base := newMeteredServer(t, dataplane.Options{CacheStore: func(apiID, stage, size string, budget int64) cache.Store {
		k := apiID + "/" + stage + "/" + size
		if stores[k] == nil {
			stores[k] = cache.NewMemory(budget, cache.Options{})
		}
		return stores[k]
	}})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	url := base + "/api1/prod/items/1"
	on, off := cachedStage(nil), cachedStage(nil)
	off.CacheClusterEnabled = false
	steps := []struct {
		name  string
		stage model.Stage
		want  answer
	}{
		{name: "on", stage: on, want: miss("A #1 /items/1")},
		{name: "on again keeps the cache", stage: on, want: hit("A #1 /items/1")},
		{name: "off", stage: off, want: answer{Status: 200, Body: "A #2 /items/1"}},
		{name: "on again starts empty", stage: on, want: miss("A #3 /items/1")},
	}
	for _, st := range steps {
		mustSetStage(t, s, st.stage, api)
		if diff := cmp.Diff(st.want, fetch(t, "GET", url)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
}

// BenchmarkCacheHitPath measures the whole pipeline (ServeHTTP: match, authorize, throttle, cache,
// answer) on a cache hit: without cache key parameters the key is built at compile time; with them
// it is built per request.
func BenchmarkCacheHitPath(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(benchBody))
	}))
	b.Cleanup(backend.Close)
	s, err := dataplane.New(dataplane.Options{AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	api := newAPI("api1")
	api.method("/items/{id}", "GET", proxy(backend.URL+"/items/{id}"))
	api.method("/keyed/{id}", "GET", proxy(backend.URL+"/keyed/{id}", "method.request.path.id", "method.request.querystring.page"))
	if err := s.SetStage(cachedStage(nil), &api.snap); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, url string }{
		{"no key parameters", "/api1/prod/items/42"},
		{"key parameters", "/api1/prod/keyed/42?page=3"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", bc.url, nil)
			req.Header.Set("Accept", "application/json")
			s.ServeHTTP(httptest.NewRecorder(), req) // fill
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != 200 || w.Header().Get(dataplane.CacheHeader) != "Hit" {
					b.Fatalf("status %d, X-Cache %q", w.Code, w.Header().Get(dataplane.CacheHeader))
				}
			}
		})
	}
}

// TestCache_AnyMethodCachesGets: an ANY method (a {proxy+} catch-all, typically) caches its GET
// requests and passes every other verb through.
func TestCache_AnyMethodCachesGets(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	api.method("/files/{proxy+}", "ANY", proxy(be.url+"/files/{proxy}", "method.request.path.proxy"))
	mustSetStage(t, s, cachedStage(nil), api)
	url := base + "/api1/prod/files/a.txt"
	if got := []string{fetch(t, "GET", url).Cache, fetch(t, "GET", url).Cache}; got[0] != "Miss" || got[1] != "Hit" {
		t.Errorf("two GETs: X-Cache %v, want [Miss Hit]", got)
	}
	if got := fetch(t, "POST", url); got.Cache != "" {
		t.Errorf("POST through ANY: X-Cache %q, want none", got.Cache)
	}
	if got := fetch(t, "GET", base+"/api1/prod/files/b.txt"); got.Cache != "Miss" {
		t.Errorf("another path: X-Cache %q, want Miss (the proxy parameter is a cache key parameter)", got.Cache)
	}
	if got := be.calls.Load(); got != 3 {
		t.Errorf("backend calls = %d, want 3", got)
	}
}

// TestCache_Namespace: integrations with one cache_namespace share entries, keyed by their cache key
// parameters, as in API Gateway; without one each method's entries are its own.
func TestCache_Namespace(t *testing.T) {
	s, base := newMeteredServer(t, dataplane.Options{})
	be := newCountingBackend(t, "A")
	api := newAPI("api1")
	pets := proxy(be.url+"/pets/{id}", "method.request.path.id")
	pets.CacheNamespace = "animals"
	animals := proxy(be.url+"/animals/{id}", "method.request.path.id")
	animals.CacheNamespace = "animals"
	api.method("/pets/{id}", "GET", pets)
	api.method("/animals/{id}", "GET", animals)
	api.method("/plain/{id}", "GET", proxy(be.url+"/plain/{id}", "method.request.path.id"))
	mustSetStage(t, s, cachedStage(nil), api)
	for _, st := range []struct {
		name, url string
		want      answer
	}{
		{"pets: first", base + "/api1/prod/pets/1", miss("A #1 /pets/1")},
		{"animals: same namespace and id hit", base + "/api1/prod/animals/1", hit("A #1 /pets/1")},
		{"animals: another id misses", base + "/api1/prod/animals/2", miss("A #2 /animals/2")},
		{"plain: no namespace, its own entries", base + "/api1/prod/plain/1", miss("A #3 /plain/1")},
	} {
		if diff := cmp.Diff(st.want, fetch(t, "GET", st.url)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
	}
}
