package daemon

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// answer is one data-plane answer seen by the load generator of TestRollbackMovesTrafficWithin100ms.
type answer struct {
	sent, got time.Time
	body      string
}

// TestRollbackMovesTrafficWithin100ms measures, under steady traffic against a real gatewayd and real
// backends, how long one admin call takes to move a stage's traffic back to an earlier deployment:
// from the start of the rollback call until it returns. The data plane is switched before the call
// returns, so every request sent after the call returned must be answered by the deployment rolled
// back to; and every request answered by it must have been sent after the call started.
func TestRollbackMovesTrafficWithin100ms(t *testing.T) {
	d := start(t, t.TempDir())
	defer stop(t, d)
	ctx := context.Background()
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	backend := func(name string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	a, b := backend("A"), backend("B")
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "rollback"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{}); err != nil {
		t.Fatal(err)
	}
	deployTo := func(uri string) string {
		if _, err := c.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationHTTPProxy, IntegrationHTTPMethod: "GET", URI: uri}); err != nil {
			t.Fatal(err)
		}
		dep, err := c.CreateDeployment(ctx, api.ID, model.Deployment{}, "")
		if err != nil {
			t.Fatal(err)
		}
		return dep.ID
	}
	depA, depB := deployTo(a), deployTo(b)
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", DeploymentID: depA}); err != nil {
		t.Fatal(err)
	}
	st, err := c.UpdateStage(ctx, api.ID, "prod", model.Stage{DeploymentID: depB})
	if err != nil {
		t.Fatal(err)
	}
	url := st.InvokeURL + "/hello"

	// Steady traffic from 4 clients with keep-alive connections, recording each answer.
	var mu sync.Mutex
	var answers []answer
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 5 * time.Second}
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				sent := time.Now()
				resp, err := hc.Get(url)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				answers = append(answers, answer{sent: sent, got: time.Now(), body: string(body)})
				mu.Unlock()
			}
		}()
	}

	base := time.Now()
	// Roll back and forth: each rollback without a deployment goes back to the other one.
	const rounds = 10
	var calls []time.Duration
	type window struct {
		start, end time.Time
		want       string
	}
	var windows []window
	want := "B"
	for range rounds {
		time.Sleep(50 * time.Millisecond)
		want = map[string]string{"A": "B", "B": "A"}[want]
		start := time.Now()
		if _, err := c.RollbackStage(ctx, api.ID, "prod", ""); err != nil {
			t.Fatal(err)
		}
		end := time.Now()
		calls = append(calls, end.Sub(start))
		windows = append(windows, window{start, end, want})
	}
	time.Sleep(50 * time.Millisecond)
	close(stopLoad)
	wg.Wait()

	// Each answer must come from a deployment the stage served while its request was in flight: before
	// a rollback call starts, the stage serves the deployment it had; once the call has returned, the
	// one rolled back to; while the call runs, either.
	possible := func(sent, got time.Time) map[string]bool {
		out := map[string]bool{}
		cur, stableFrom := "B", time.Time{}
		for _, w := range windows {
			if sent.Before(w.start) && !got.Before(stableFrom) {
				out[cur] = true // in flight while cur was served
			}
			if sent.Before(w.end) && !got.Before(w.start) {
				out[cur], out[w.want] = true, true // in flight during the call
			}
			cur, stableFrom = w.want, w.end
		}
		if !got.Before(stableFrom) {
			out[cur] = true
		}
		return out
	}
	for _, a := range answers {
		if ok := possible(a.sent, a.got); !ok[a.body] {
			var ws []string
			for _, w := range windows {
				ws = append(ws, fmt.Sprintf("%v..%v to %s", w.start.Sub(base), w.end.Sub(base), w.want))
			}
			t.Fatalf("a request sent at %v (answered at %v) got %q, want one of %v; rollbacks: %v", a.sent.Sub(base), a.got.Sub(base), a.body, ok, ws)
		}
	}
	sorted := slices.Clone(calls)
	slices.Sort(sorted)
	median, worst := sorted[len(sorted)/2], sorted[len(sorted)-1]
	t.Logf("%d rollbacks under load (%d answers checked): call latency median %v, worst %v, all %v", rounds, len(answers), median, worst, calls)
	// The claim is 100 ms. The race detector makes gatewayd several times slower (a rollback's
	// median was 45 ms under -race alone on the 2-core machine, 4-8 ms without), so it gets 500 ms.
	bound := 100 * time.Millisecond
	if raceEnabled {
		bound = 500 * time.Millisecond
	}
	if median > bound {
		t.Errorf("a rollback takes %v (median of %d), want at most %v", median, rounds, bound)
	}
	hist, err := c.StageHistory(ctx, api.ID, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hist); n != rounds+2 || hist[n-1].Reason != "rollback" {
		t.Errorf("history has %d entries ending with %q, want %d ending with rollback", n, hist[n-1].Reason, rounds+2)
	}
	audit, err := c.Audit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	rollbacks := 0
	for _, e := range audit {
		if e.Method == http.MethodPost && e.Path == fmt.Sprintf("/v1/restapis/%s/stages/prod/rollback", api.ID) && e.Status == 200 {
			rollbacks++
		}
	}
	if rollbacks != rounds {
		t.Errorf("audit log has %d rollbacks, want %d", rollbacks, rounds)
	}
}
