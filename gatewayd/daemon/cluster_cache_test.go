package daemon

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/postgres/pgtest"
)

// cachedAPI creates, through c, GET /c proxied to backend on stage prod with its cache on and a TTL of
// ttl seconds for every method.
func cachedAPI(t *testing.T, c *client.Client, backend string, ttl int) (apiID string) {
	t.Helper()
	ctx := context.Background()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "cached"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "c"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "HTTP_PROXY", IntegrationHTTPMethod: "GET", URI: backend + "/c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, CacheClusterEnabled: true, CacheClusterSize: "0.5"}); err != nil {
		t.Fatal(err)
	}
	ms := model.DefaultMethodSetting()
	ms.CachingEnabled, ms.CacheTTLInSeconds = true, ttl
	if _, err := c.PutMethodSettings(ctx, api.ID, "prod", "*/*", ms); err != nil {
		t.Fatal(err)
	}
	return api.ID
}

// waitApplied waits until every node has applied the revision the first one has.
func waitApplied(t *testing.T, nodes []*Daemon) {
	t.Helper()
	want := nodes[0].plane.appliedRevision()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		done := true
		for _, d := range nodes {
			done = done && d.plane.appliedRevision() >= want
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes have not applied revision %d after 10s", want)
		}
	}
}

type cachedAnswer struct {
	status      int
	body, cache string
}

func getCached(t *testing.T, url string) cachedAnswer {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return cachedAnswer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return cachedAnswer{resp.StatusCode, string(b), resp.Header.Get("X-Cache")}
}

// TestCluster_CacheSharedAcrossNodes: three nodes on one PostgreSQL and one Redis, a cached GET with a
// TTL of 4 s whose backend counts its calls and takes 200 ms to answer. 30 requests at once, 10 per
// node, and then 30 one after the other over the nodes, reach the backend once within the TTL; after
// the TTL a request reaches it again; after a flush through node 1 the next request on node 3 reaches
// it, and the other nodes applying the same flush do not empty it again. With Redis stopped every request is answered by the backend (no cache, no error); with Redis back
// the nodes share the cache again.
func TestCluster_CacheSharedAcrossNodes(t *testing.T) {
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	rd := redistest.Start(t)
	var calls atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		time.Sleep(200 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"call":%d}`, n)
	}))
	defer backend.Close()
	nodes, c1 := startNodes(t, 3, storeURL, rd.URL())
	ctx := context.Background()
	const ttl = 4 * time.Second
	apiID := cachedAPI(t, c1, backend.URL, int(ttl/time.Second))
	waitApplied(t, nodes)
	url := func(i int) string { return nodes[i].DataURL + "/" + apiID + "/prod/c" }

	// 30 at once, 10 on each node.
	var mu sync.Mutex
	answers := map[cachedAnswer]int{}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 30 {
		wg.Go(func() {
			<-gate
			a := getCached(t, url(i%3))
			mu.Lock()
			answers[a]++
			mu.Unlock()
		})
	}
	began := time.Now()
	close(gate)
	wg.Wait()
	// The entry was stored before the first answer: it expires before stored + TTL.
	stored := time.Now()
	want := map[cachedAnswer]int{{200, `{"call":1}`, "Miss"}: 1, {200, `{"call":1}`, "Hit"}: 29}
	if fmt.Sprint(answers) != fmt.Sprint(want) {
		t.Errorf("30 concurrent requests over 3 nodes answered %v, want %v", answers, want)
	}
	// Then one after the other, over the nodes.
	for i := range 30 {
		if a := getCached(t, url(i%3)); a != (cachedAnswer{200, `{"call":1}`, "Hit"}) {
			t.Errorf("request %d on node %d = %+v, want the first call's answer from the cache", i, i%3+1, a)
		}
	}
	if elapsed := time.Since(began); elapsed < ttl {
		if got := calls.Load(); got != 1 {
			t.Errorf("backend calls within the TTL = %d for 60 requests over 3 nodes, want 1", got)
		}
		t.Logf("60 requests over 3 nodes in %v: %d backend call", elapsed.Round(time.Millisecond), calls.Load())
	} else {
		t.Errorf("the requests took %v, longer than the TTL %v: the machine is too slow for this test", elapsed, ttl)
	}

	// After the TTL, one new call.
	time.Sleep(time.Until(stored.Add(ttl + 200*time.Millisecond)))
	if a := getCached(t, url(1)); a != (cachedAnswer{200, `{"call":2}`, "Miss"}) {
		t.Errorf("node 2 after the TTL = %+v, want a new backend call", a)
	}
	if a := getCached(t, url(2)); a != (cachedAnswer{200, `{"call":2}`, "Hit"}) {
		t.Errorf("node 3 then = %+v, want node 2's answer from the cache", a)
	}

	// A flush through node 1: the next request on node 3 reaches the backend.
	if err := c1.FlushStageCache(ctx, apiID, "prod"); err != nil {
		t.Fatal(err)
	}
	if a := getCached(t, url(2)); a != (cachedAnswer{200, `{"call":3}`, "Miss"}) {
		t.Errorf("node 3 right after a flush through node 1 = %+v, want a new backend call", a)
	}
	// Nodes 2 and 3 applying the same flush do not empty the cache again.
	waitApplied(t, nodes)
	if a := getCached(t, url(1)); a != (cachedAnswer{200, `{"call":3}`, "Hit"}) {
		t.Errorf("node 2 once every node applied the flush = %+v, want node 3's answer from the cache", a)
	}

	// Redis stopped: no cache, every request reaches the backend, none fails.
	if err := rd.Stop(); err != nil {
		t.Fatal(err)
	}
	before := calls.Load()
	for i := range 6 {
		if a := getCached(t, url(i%3)); a.status != 200 || a.cache != "Miss" {
			t.Errorf("request %d with Redis down = %+v, want 200 from the backend", i, a)
		}
	}
	if got := calls.Load() - before; got != 6 {
		t.Errorf("backend calls for 6 requests with Redis down = %d, want 6 (no cache)", got)
	}
	if n := metricValue(t, nodes[0], "gatewayd_cache_redis_bypassed_total"); n < 1 {
		t.Errorf("gatewayd_cache_redis_bypassed_total on node 1 = %v after requests with Redis down, want > 0", n)
	}
	if err := rd.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // cache.RetryInterval
	first := getCached(t, url(0))
	if first.status != 200 || first.cache != "Miss" {
		t.Errorf("node 1 after Redis came back = %+v, want a 200 Miss", first)
	}
	if a := getCached(t, url(1)); a != (cachedAnswer{200, first.body, "Hit"}) {
		t.Errorf("node 2 after that = %+v, want node 1's answer from the shared cache", a)
	}
}

// metricValue reads an unlabelled metric from the node's /metrics.
func metricValue(t *testing.T, d *Daemon, name string) float64 {
	t.Helper()
	req, _ := http.NewRequest("GET", d.AdminURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+d.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}
