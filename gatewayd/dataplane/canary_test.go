package dataplane_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// whoAmI is an API whose GET /who answers which deployment served it and the stage variable color.
func whoAmI(id string) *apiBuilder {
	b := newAPI(id)
	b.method("/who", "GET", model.Integration{Type: model.IntegrationMock}, model.IntegrationResponse{StatusCode: "200",
		ResponseTemplates: map[string]string{"application/json": `{"deployment":"$context.deploymentId","color":"$stageVariables.color"}`}})
	return b
}

type who struct{ Deployment, Color string }

func askWho(t *testing.T, req *http.Request) who {
	t.Helper()
	r := do(t, req)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", req.URL, r.Status, r.Body)
	}
	var w who
	if err := json.Unmarshal([]byte(r.Body), &w); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
	return w
}

// canaryStage is stage prod of the API serving deployment "primary", with a canary on "canary".
func canaryStage(apiID string, c model.CanarySettings) model.Stage {
	c.DeploymentID = "canary"
	return model.Stage{RestAPIID: apiID, StageName: "prod", DeploymentID: "primary",
		Variables: map[string]string{"color": "blue"}, CanarySettings: &c}
}

// seeded returns a Random that draws from a fixed-seed generator, and the draws it would make.
func seeded(seed uint64) func() float64 {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed))
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Float64()
	}
}

// TestCanary_SplitWithFixedSeed: with the split's randomness injected, 2,000 requests to a stage
// whose canary takes 10% give exactly the canary answers the seed dictates (one draw per request),
// which is 200 ± 60.
func TestCanary_SplitWithFixedSeed(t *testing.T) {
	const seed, requests = 14, 2000
	s := newServerOf(t, dataplane.Options{Random: seeded(seed)})
	base := serve(t, s)
	b := whoAmI("api1")
	if err := s.SetStageWithCanary(canaryStage("api1", model.CanarySettings{PercentTraffic: 10}), &b.snap, &b.snap); err != nil {
		t.Fatal(err)
	}
	canary := 0
	for range requests {
		if askWho(t, newRequest(t, "GET", base+"/api1/prod/who", nil)).Deployment == "canary" {
			canary++
		}
	}
	draw, want := seeded(seed), 0
	for range requests {
		if draw()*100 < 10 {
			want++
		}
	}
	t.Logf("seed %d: %d of %d requests went to the canary (10%%)", seed, canary, requests)
	if canary != want {
		t.Errorf("%d canary answers, want %d: the seed's draws, one per request", canary, want)
	}
	if canary < 140 || canary > 260 {
		t.Errorf("%d canary answers of %d, want 200 ± 60", canary, requests)
	}
}

// TestCanary_StageVariableOverridesReachTheCanaryOnly, and the canary serves its own deployment (not
// the stage's, the AWS provider's bug #27326).
func TestCanary_StageVariableOverridesReachTheCanaryOnly(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	b := whoAmI("api1")
	st := canaryStage("api1", model.CanarySettings{PercentTraffic: 50, StageVariableOverrides: map[string]string{"color": "green"}})
	if err := s.SetStageWithCanary(st, &b.snap, &b.snap); err != nil {
		t.Fatal(err)
	}
	seen := map[who]int{}
	for range 200 {
		seen[askWho(t, newRequest(t, "GET", base+"/api1/prod/who", nil))]++
	}
	if len(seen) != 2 || seen[who{"primary", "blue"}] == 0 || seen[who{"canary", "green"}] == 0 {
		t.Errorf("answers %v, want only primary/blue and canary/green", seen)
	}
	// Removing the canary (a SetStage without it) sends everything to the stage's deployment.
	st.CanarySettings = nil
	if err := s.SetStage(st, &b.snap); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if w := askWho(t, newRequest(t, "GET", base+"/api1/prod/who", nil)); w != (who{"primary", "blue"}) {
			t.Fatalf("after the canary was removed: %v", w)
		}
	}
}

func TestCanary_Sticky(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings model.CanarySettings
		set      func(r *http.Request, v string)
	}{
		{"header", model.CanarySettings{StickyHeader: "x-user"}, func(r *http.Request, v string) { r.Header.Set("X-User", v) }},
		{"cookie", model.CanarySettings{StickyCookie: "session"}, func(r *http.Request, v string) {
			r.AddCookie(&http.Cookie{Name: "other", Value: "x"})
			r.AddCookie(&http.Cookie{Name: "session", Value: v})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			base := serve(t, s)
			b := whoAmI("api1")
			place := func(percent float64) map[string]string {
				c := tc.settings
				c.PercentTraffic = percent
				if err := s.SetStageWithCanary(canaryStage("api1", c), &b.snap, &b.snap); err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for i := range 200 {
					v := fmt.Sprintf("user-%d", i)
					var first string
					for j := range 3 { // every request with one value goes to the same place
						req := newRequest(t, "GET", base+"/api1/prod/who", nil)
						tc.set(req, v)
						got := askWho(t, req).Deployment
						if j == 0 {
							first = got
						} else if got != first {
							t.Fatalf("%s went to %s, then %s", v, first, got)
						}
					}
					out[v] = first
				}
				return out
			}
			at20, at50 := place(20), place(50)
			in20, in50 := 0, 0
			for v, d := range at20 {
				if d == "canary" {
					in20++
					if at50[v] != "canary" {
						t.Errorf("%s was in the canary at 20%% and left it at 50%%", v)
					}
				}
				if at50[v] == "canary" {
					in50++
				}
			}
			if in20 < 20 || in20 > 60 || in50 < 70 || in50 > 130 {
				t.Errorf("of 200 values, %d in the canary at 20%% and %d at 50%%", in20, in50)
			}
		})
	}
}

// TestCanary_MetricsLogAndCache: the canary's answers are labelled canary="true" and logged with its
// deployment; its methods use the stage cache only with use_stage_cache, under their own keys.
func TestCanary_MetricsLogAndCache(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs lockedBuffer
	s := newServerOf(t, dataplane.Options{Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	base := serve(t, s)
	be := newCountingBackend(t, "A")
	b := newAPI("api1")
	b.method("/items/{id}", "GET", proxy(be.url+"/items/{id}"))
	for _, useCache := range []bool{false, true} {
		st := canaryStage("api1", model.CanarySettings{PercentTraffic: 100, UseStageCache: useCache})
		st.CacheClusterEnabled = true
		if err := s.SetStageWithCanary(st, &b.snap, &b.snap); err != nil {
			t.Fatal(err)
		}
		var xcache []string
		for range 2 {
			xcache = append(xcache, do(t, newRequest(t, "GET", base+"/api1/prod/items/1", nil)).Header.Get("X-Cache"))
		}
		want := "|"
		if useCache {
			want = "Miss|Hit"
		}
		if got := strings.Join(xcache, "|"); got != want {
			t.Errorf("use_stage_cache %v: X-Cache %q, want %q", useCache, got, want)
		}
	}
	// The stage's deployment has its own entries: its first request misses.
	st := canaryStage("api1", model.CanarySettings{PercentTraffic: 0})
	st.CacheClusterEnabled = true
	if err := s.SetStageWithCanary(st, &b.snap, &b.snap); err != nil {
		t.Fatal(err)
	}
	if got := do(t, newRequest(t, "GET", base+"/api1/prod/items/1", nil)).Header.Get("X-Cache"); got != "Miss" {
		t.Errorf("the stage's deployment after the canary cached: X-Cache %q, want Miss", got)
	}

	// Without detailed metrics (metrics_enabled), the stage's and the canary's series.
	counts := counterValues(t, reg, "gatewayd_requests_total")
	if got := counts["api=api1,canary=true,method=,resource=,stage=prod"]; got != 4 {
		t.Errorf("canary requests = %v, want 4 (%v)", got, counts)
	}
	if got := counts["api=api1,canary=false,method=,resource=,stage=prod"]; got != 1 {
		t.Errorf("stage requests = %v, want 1 (%v)", got, counts)
	}
	var canaryLines, stageLines int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil || e["msg"] != "request" {
			continue
		}
		switch {
		case e["deploymentId"] == "canary" && e["canary"] == true:
			canaryLines++
		case e["deploymentId"] == "primary" && e["canary"] == false:
			stageLines++
		default:
			t.Errorf("access log line %s", line)
		}
	}
	if canaryLines != 4 || stageLines != 1 {
		t.Errorf("access log: %d canary lines, %d stage lines; want 4 and 1", canaryLines, stageLines)
	}
}

// TestCanary_FailsClosed: a canary that cannot be compiled answers 500 to its share and makes the
// stage DEGRADED; the stage's deployment serves the rest.
func TestCanary_FailsClosed(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	b := whoAmI("api1")
	if err := s.SetStageWithCanary(canaryStage("api1", model.CanarySettings{PercentTraffic: 50}), &b.snap, nil); err != nil {
		t.Fatal(err)
	}
	codes := map[int]int{}
	for range 100 {
		codes[do(t, newRequest(t, "GET", base+"/api1/prod/who", nil)).Status]++
	}
	if len(codes) != 2 || codes[200] == 0 || codes[500] == 0 {
		t.Errorf("status codes %v, want 200s and 500s", codes)
	}
	st, ok := s.StageStatus("api1", "prod")
	if !ok || st.Status != dataplane.StageDegraded || len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "canary") {
		t.Errorf("stage status %+v", st)
	}
}
