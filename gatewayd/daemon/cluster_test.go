package daemon

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/postgres/pgtest"
)

// clusterNode is a gatewayd process of a cluster test, on its own data dir and fixed addresses.
type clusterNode struct {
	dir, adminAddr, listen string
	cmd                    *exec.Cmd
}

func (n *clusterNode) dataURL() string { return "http://" + n.listen }

// startClusterNodes starts count gatewayd processes on one PostgreSQL database, sharing the secret
// key (the IAM secrets are sealed with it) and the admin token.
func startClusterNodes(t *testing.T, storeURL string, count int) []*clusterNode {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	nodes := make([]*clusterNode, count)
	for i := range nodes {
		n := &clusterNode{dir: t.TempDir(), adminAddr: freeAddr(t), listen: freeAddr(t)}
		if err := os.WriteFile(filepath.Join(n.dir, SecretKeyFile), key, 0o600); err != nil {
			t.Fatal(err)
		}
		n.start(t, storeURL)
		nodes[i] = n
	}
	return nodes
}

func (n *clusterNode) start(t *testing.T, storeURL string) {
	t.Helper()
	n.cmd = child(t, n.dir, n.adminAddr, n.listen, "GATEWAYD_STORE="+storeURL)
}

// variableAPI creates, through c, a MOCK method GET /v whose answer is stage prod's variable v.
func variableAPI(t *testing.T, c *client.Client) (apiID string) {
	t.Helper()
	ctx := context.Background()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "cluster"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "v"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
		ResponseTemplates: map[string]string{"application/json": `{"v":"$stageVariables.v"}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, Variables: map[string]string{"v": "0"}}); err != nil {
		t.Fatal(err)
	}
	return api.ID
}

// setVariable changes stage prod's variable v through c.
func setVariable(t *testing.T, c *client.Client, apiID, v string) {
	t.Helper()
	ctx := context.Background()
	st, err := c.GetStage(ctx, apiID, "prod")
	if err != nil {
		t.Fatal(err)
	}
	st.Variables = map[string]string{"v": v}
	if _, err := c.UpdateStage(ctx, apiID, "prod", st); err != nil {
		t.Fatal(err)
	}
}

var quickClient = &http.Client{Timeout: 2 * time.Second}

// serves reports whether the node at dataURL answers GET /v of the API with v.
func serves(dataURL, apiID, v string) bool {
	resp, err := quickClient.Get(dataURL + "/" + apiID + "/prod/v")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && strings.Contains(string(b), `"v":"`+v+`"`)
}

// waitServes polls the node until it serves v, and returns how long that took from since, or false
// after limit.
func waitServes(dataURL, apiID, v string, since time.Time, limit time.Duration) (time.Duration, bool) {
	for {
		if serves(dataURL, apiID, v) {
			return time.Since(since), true
		}
		if time.Since(since) > limit {
			return 0, false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// TestCluster_ChangesReachEveryNode: three gatewayd processes on one PostgreSQL. Fifty changes made
// through node 1 are each served by nodes 2 and 3 within a second (p99 reported), measured from the
// start of the admin call to the first answer with the change. Node 3 is killed with SIGKILL after
// the 20th change, changes go on without it, and restarted it serves the latest one; the last
// changes reach all three again. An API key created through node 2 is accepted by node 3.
func TestCluster_ChangesReachEveryNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three gatewayd processes")
	}
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	nodes := startClusterNodes(t, storeURL, 3)
	admin := func(n *clusterNode) *client.Client {
		c, err := client.New("http://"+n.adminAddr, "tok", client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := admin(nodes[0])
	apiID := variableAPI(t, c1)
	for i, n := range nodes {
		if _, ok := waitServes(n.dataURL(), apiID, "0", time.Now(), 10*time.Second); !ok {
			t.Fatalf("node %d does not serve the stage created through node 1", i+1)
		}
	}

	// The bound is the issue's; under the race detector every process runs several times slower.
	limit := time.Second
	if raceEnabled {
		limit = 3 * time.Second
	}
	const changes, killAt, restartAt = 50, 20, 30
	var lat []time.Duration
	for i := 1; i <= changes; i++ {
		if i == killAt {
			if err := nodes[2].cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = nodes[2].cmd.Wait()
		}
		if i == restartAt {
			// It was down for ten changes; it loads what the store holds at start.
			began := time.Now()
			nodes[2].start(t, storeURL)
			if !serves(nodes[2].dataURL(), apiID, fmt.Sprint(i-1)) {
				t.Errorf("node 3 restarted after a SIGKILL does not serve change %d made while it was down", i-1)
			}
			t.Logf("node 3 restarted and serving the latest change %v after its start", time.Since(began).Round(time.Millisecond))
		}
		v := fmt.Sprint(i)
		began := time.Now()
		setVariable(t, c1, apiID, v)
		if !serves(nodes[0].dataURL(), apiID, v) {
			t.Errorf("node 1 does not serve change %d when its admin call returns", i)
		}
		followers := []*clusterNode{nodes[1], nodes[2]}
		if i >= killAt && i < restartAt {
			followers = followers[:1]
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for j, n := range followers {
			wg.Go(func() {
				d, ok := waitServes(n.dataURL(), apiID, v, began, 10*time.Second)
				mu.Lock()
				defer mu.Unlock()
				if !ok {
					t.Errorf("node %d does not serve change %d after 10s", j+2, i)
					return
				}
				lat = append(lat, d)
			})
		}
		wg.Wait()
	}
	p50, p99, worst := percentile(lat, 0.5), percentile(lat, 0.99), percentile(lat, 1)
	t.Logf("a change through node 1 served by nodes 2 and 3: %d samples, p50 %v, p99 %v, max %v (from the admin call's start)",
		len(lat), p50.Round(time.Microsecond), p99.Round(time.Microsecond), worst.Round(time.Microsecond))
	if p99 > limit {
		t.Errorf("p99 %v, want within %v", p99, limit)
	}

	// Metering changes travel the same way: a key and plan made through node 2 open node 3's door.
	c2 := admin(nodes[1])
	url, _, _, value := meteredAPI(t, c2, 1000)
	url3 := nodes[2].dataURL() + strings.TrimPrefix(url, "http://"+nodes[1].listen)
	deadline := time.Now().Add(limit)
	for {
		got := callN(t, url3, value, 1)
		if got[200] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 3 answers %v to a key created through node 2, %v later", got, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCluster_PollingWithoutNotifications: a node that gets no notifications (a lost LISTEN
// connection, a proxy that drops them) still applies other nodes' changes, at its poll interval.
func TestCluster_PollingWithoutNotifications(t *testing.T) {
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := Start(context.Background(), Config{DataDir: t.TempDir(), Store: storeURL, AdminAddr: "127.0.0.1:0",
		Listen: "127.0.0.1:0", AdminToken: "tok", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, a)
	b, err := Start(context.Background(), Config{DataDir: t.TempDir(), Store: storeURL, AdminAddr: "127.0.0.1:0",
		Listen: "127.0.0.1:0", AdminToken: "tok", Logger: log, PollInterval: 200 * time.Millisecond, noNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, b)
	ca, err := client.New(a.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	apiID := variableAPI(t, ca)
	for i := 1; i <= 3; i++ {
		v := fmt.Sprint(i)
		began := time.Now()
		setVariable(t, ca, apiID, v)
		d, ok := waitServes(b.DataURL, apiID, v, began, 5*time.Second)
		if !ok {
			t.Fatalf("node b, without notifications, does not serve change %d after 5s", i)
		}
		t.Logf("change %d served by the polling node after %v", i, d.Round(time.Millisecond))
	}
	if got, want := b.plane.appliedRevision(), a.plane.appliedRevision(); got != want {
		t.Errorf("polling node applied revision %d, the writer %d", got, want)
	}
}

// TestCluster_PostgresOutage: while PostgreSQL is down, both nodes go on serving the configuration
// they applied, /readyz says why they are not ready, and admin writes answer 503 with Retry-After.
// When it is back, writes work again without restarting anything and reach the other node.
func TestCluster_PostgresOutage(t *testing.T) {
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var nodes []*Daemon
	for range 2 {
		d, err := Start(context.Background(), Config{DataDir: t.TempDir(), Store: storeURL, AdminAddr: "127.0.0.1:0",
			Listen: "127.0.0.1:0", AdminToken: "tok", Logger: log, PollInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer stop(t, d)
		nodes = append(nodes, d)
	}
	a, b := nodes[0], nodes[1]
	ca, err := client.New(a.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	apiID := variableAPI(t, ca)
	if _, ok := waitServes(b.DataURL, apiID, "0", time.Now(), 5*time.Second); !ok {
		t.Fatal("node b does not serve the stage")
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	for i, d := range nodes {
		if !serves(d.DataURL, apiID, "0") {
			t.Errorf("node %d stopped serving its configuration when PostgreSQL went down", i+1)
		}
	}
	resp, err := http.Get(a.AdminURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "store") {
		t.Errorf("/readyz with PostgreSQL down = %d %s, want 503 naming the store", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", a.AdminURL+"/v1/restapis", strings.NewReader(`{"name":"during-outage"}`))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), `"code":"ServiceUnavailable"`) {
		t.Errorf("admin write with PostgreSQL down = %d (Retry-After %q) %s; want 503 ServiceUnavailable with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	req, _ = http.NewRequest("GET", a.AdminURL+"/v1/restapis", nil)
	req.Header.Set("Authorization", "Bearer tok")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("admin read with PostgreSQL down = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(a.AdminURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("node a not ready 10s after PostgreSQL came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	began := time.Now()
	setVariable(t, ca, apiID, "after")
	d, ok := waitServes(b.DataURL, apiID, "after", began, 10*time.Second)
	if !ok {
		t.Fatal("node b does not serve a change made after PostgreSQL came back")
	}
	t.Logf("first change after the outage served by node b after %v", d.Round(time.Millisecond))
}

// TestCluster_CacheFlushReachesEveryNode: FlushStageCache through one node empties the stage's cache
// on the others too (it travels as a revision).
func TestCluster_CacheFlushReachesEveryNode(t *testing.T) {
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	var hits atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"hit":%d}`, hits.Add(1))
	}))
	defer backend.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var nodes []*Daemon
	for range 2 {
		d, err := Start(context.Background(), Config{DataDir: t.TempDir(), Store: storeURL, AdminAddr: "127.0.0.1:0",
			Listen: "127.0.0.1:0", AdminToken: "tok", Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		defer stop(t, d)
		nodes = append(nodes, d)
	}
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	c, err := client.New(a.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "HTTP_PROXY", IntegrationHTTPMethod: "GET", URI: backend.URL + "/c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, CacheClusterEnabled: true, CacheClusterSize: "0.5"}); err != nil {
		t.Fatal(err)
	}
	ms := model.DefaultMethodSetting()
	ms.CachingEnabled, ms.CacheTTLInSeconds = true, 300
	if _, err := c.PutMethodSettings(ctx, api.ID, "prod", "*/*", ms); err != nil {
		t.Fatal(err)
	}
	try := func() (int, string) {
		t.Helper()
		resp, err := http.Get(b.DataURL + "/" + api.ID + "/prod/c")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	get := func() string {
		t.Helper()
		status, body := try()
		if status != 200 {
			t.Fatalf("GET on node b = %d %s", status, body)
		}
		return body
	}
	// Node b applies the stage and then the method settings within a moment.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if status, body := try(); status != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("GET on node b = %d %s 5s after the stage was created through node a", status, body)
			}
			continue
		}
		first := get()
		if get() == first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node b does not cache the method after 5s")
		}
	}
	before := hits.Load()
	if err := c.FlushStageCache(ctx, api.ID, "prod"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		get()
		if hits.Load() > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node b still answers from its cache 2s after a flush through node a")
		}
	}
}

// TestCluster_ThrottleExactAcrossNodes: three nodes on one PostgreSQL and one Redis; a usage plan of
// rate 50 burst 10; 64 clients for 5 s spread over the nodes admit at most burst + rate x seconds + 1
// (ideal 260) and at least 95% of what a perfect limiter admits for the decisions the nodes made
// (which is burst + rate x seconds when no pause between decisions exceeds 200 ms; the pauses a
// loaded machine imposes are reported). Without Redis each node would admit its own 260.
func TestCluster_ThrottleExactAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 64 clients for 5 s")
	}
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	rd := redistest.Start(t)
	nodes, c := startNodes(t, 3, storeURL, rd.URL())
	ctx := context.Background()
	url, planID, _, _ := meteredAPI(t, c, 1_000_000)
	plan, err := c.GetUsagePlan(ctx, planID)
	if err != nil {
		t.Fatal(err)
	}
	plan.Throttle = &model.ThrottleSettings{RateLimit: 50, BurstLimit: 10}
	if _, err := c.UpdateUsagePlan(ctx, planID, plan); err != nil {
		t.Fatal(err)
	}
	// The measured key is fresh: its buckets start full. Every node must know it first.
	key, err := c.CreateAPIKey(ctx, model.APIKey{Name: "measured", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	warm, err := c.CreateAPIKey(ctx, model.APIKey{Name: "warm-up", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key.ID, warm.ID} {
		if _, err := c.CreateUsagePlanKey(ctx, planID, k, "API_KEY"); err != nil {
			t.Fatal(err)
		}
	}
	path := strings.TrimPrefix(url, nodes[0].DataURL)
	for i, d := range nodes {
		deadline := time.Now().Add(5 * time.Second)
		for callN(t, d.DataURL+path, warm.Value, 1)[200] != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("node %d does not admit the plan's keys after 5s", i+1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// Every decision is one script call on Redis: MONITOR gives its time on Redis's clock, the one
	// the buckets run on, so that what a perfect limiter admits for the same decisions can be computed.
	decisions := monitorDecisions(t, rd.Addr, key.ID)

	const clients, run = 64, 5 * time.Second
	var admitted, refused, other atomic.Int64
	var first, last atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := range clients {
		wg.Go(func() {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 5 * time.Second}
			defer hc.CloseIdleConnections()
			for i := 0; time.Since(start) < run; i++ {
				req, _ := http.NewRequest("GET", nodes[(g+i)%3].DataURL+path, nil)
				req.Header.Set("x-api-key", key.Value)
				resp, err := hc.Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				now := time.Now().UnixNano()
				switch resp.StatusCode {
				case 200:
					admitted.Add(1)
					first.CompareAndSwap(0, now)
				case 429:
					refused.Add(1)
				default:
					other.Add(1)
				}
				for old := last.Load(); now > old && !last.CompareAndSwap(old, now); old = last.Load() {
				}
			}
		})
	}
	wg.Wait()
	// The decisions fall between the run's start (the buckets are full then) and the last answer.
	secs := time.Duration(last.Load() - start.UnixNano()).Seconds()
	ideal := 10 + 50*secs
	got := float64(admitted.Load())
	t.Logf("first admission after %v", time.Duration(first.Load()-start.UnixNano()).Round(time.Millisecond))
	t.Logf("rate 50 burst 10 over 3 nodes, %d clients: %v admitted, %d refused (429), %d other, over %.3fs; burst + rate x seconds = %.1f (%.1f%%)",
		clients, got, refused.Load(), other.Load(), secs, ideal, 100*got/ideal)
	var local int64
	for _, d := range nodes {
		local += d.limiter.Fallbacks()
	}
	if local > 0 {
		t.Logf("%d decisions were made on a node's own buckets: Redis did not answer within its timeout", local)
	}
	if got > ideal+1 {
		t.Errorf("admitted %v, want at most %.1f", got, ideal+1)
	}

	// The floor. burst + rate x seconds can be admitted only if requests reach the buckets without a
	// pause longer than burst / rate (200 ms): tokens that would pile up beyond the burst meanwhile are
	// lost to any limiter, and on a machine loaded several times over its cores the clients and the
	// nodes (one process here) are paused that long. So the floor is taken against a perfect GCRA
	// limiter fed the decisions the nodes made, at the times Redis made them: that is what the
	// gateway could have admitted for the traffic it got, whatever the clients managed to send.
	times := decisions(int(admitted.Load() + refused.Load()))
	perfect, maxGap := perfectGCRA(times, 50, 10)
	if len(times) > 1 {
		span := times[len(times)-1].Sub(times[0]).Seconds()
		t.Logf("Redis made %d decisions for the measured key (%d answered 200 or 429) over %.3fs, the longest pause between two %v; "+
			"a perfect limiter fed them admits %d: %.1f fewer than burst + rate x seconds over the clients' window, "+
			"%.1f of them before the first or after the last decision reached Redis, %.1f within the decisions' span (pauses over 200 ms, rounding)",
			len(times), admitted.Load()+refused.Load(), span, maxGap.Round(time.Millisecond), perfect, ideal-float64(perfect),
			50*(secs-span), 10+50*span-float64(perfect))
	}
	switch {
	case local > 0:
		t.Logf("the floor is not checked: %d decisions were local", local)
	case int64(len(times)) != admitted.Load()+refused.Load():
		t.Errorf("Redis saw %d decisions for %d answers", len(times), admitted.Load()+refused.Load())
	case got < 0.95*float64(perfect):
		t.Errorf("admitted %v, want at least 95%% of the %d a perfect limiter admits for the same decisions", got, perfect)
	case maxGap < 200*time.Millisecond && got < 0.95*ideal:
		t.Errorf("admitted %v with no pause over 200 ms, want at least 95%% of %.1f", got, ideal)
	}
	if other.Load() > 0 {
		t.Errorf("%d answers were neither 200 nor 429", other.Load())
	}
}

// TestCluster_QuotaExactAcrossNodes: a 100/DAY quota admits exactly 100 requests across three nodes
// on one Redis (300 tried by 30 clients spread over the nodes), and the usage report, which adds up
// every node's counts in PostgreSQL, says 100.
func TestCluster_QuotaExactAcrossNodes(t *testing.T) {
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	rd := redistest.Start(t)
	nodes, c := startNodes(t, 3, storeURL, rd.URL())
	url, planID, keyID, value := meteredAPI(t, c, 100)
	path := strings.TrimPrefix(url, nodes[0].DataURL)
	// Every node must know the key before the count starts; a 403 counts nothing.
	for i, d := range nodes {
		deadline := time.Now().Add(5 * time.Second)
		for {
			req, _ := http.NewRequest("GET", d.DataURL+path, nil)
			req.Header.Set("x-api-key", "not-a-key")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusForbidden && d.plane.appliedRevision() == nodes[0].plane.appliedRevision() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d has not applied node 1's revision after 5s", i+1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for g := range 30 {
		wg.Go(func() {
			got := callN(t, nodes[g%3].DataURL+path, value, 10)
			mu.Lock()
			defer mu.Unlock()
			for code, n := range got {
				codes[code] += n
			}
		})
	}
	wg.Wait()
	t.Logf("100/DAY over 3 nodes, 300 requests: %v", codes)
	if codes[200] != 100 || codes[429] != 200 {
		t.Errorf("answers %v, want exactly 100 x 200 and 200 x 429", codes)
	}
	time.Sleep(1500 * time.Millisecond) // every node flushes its counts each second
	if used := usedToday(t, c, planID, keyID); used != 100 {
		t.Errorf("usage report says %d used, want 100", used)
	}

	// Redis stopped: quotas fail closed (503 with Retry-After), the default; requests without a
	// quota are still served. Restarted, it answers again by itself.
	if err := rd.Stop(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", nodes[1].DataURL+path, nil)
	req.Header.Set("x-api-key", value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a request on a quota with Redis down = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if err := rd.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if got := callN(t, nodes[1].DataURL+path, value, 1); got[429] != 1 && got[200] != 1 {
		t.Errorf("after Redis came back: %v, want a decision (200 or 429), not an error", got)
	}
}

// monitorDecisions records, through Redis's MONITOR, when each throttle script call naming the API key
// keyID ran (Redis's clock). The returned function waits (at most 5 s) until it has recorded want
// of them, stops recording and returns the times in order.
func monitorDecisions(t *testing.T, addr, keyID string) func(want int) []time.Time {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("MONITOR\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
		t.Fatalf("MONITOR = %q, %v", line, err)
	}
	var mu sync.Mutex
	var times []time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			// +1701234567.123456 [0 127.0.0.1:5555] "evalsha" "..." "2" "gatewayd:tb:..." ...
			if !strings.Contains(line, `"evalsha"`) || !strings.Contains(line, "gatewayd:tb:") || !strings.Contains(line, keyID) {
				continue
			}
			stamp, _, _ := strings.Cut(strings.TrimPrefix(line, "+"), " ")
			sec, frac, _ := strings.Cut(stamp, ".")
			s, err1 := strconv.ParseInt(sec, 10, 64)
			us, err2 := strconv.ParseInt(frac, 10, 64)
			if err1 == nil && err2 == nil {
				mu.Lock()
				times = append(times, time.Unix(s, us*1000))
				mu.Unlock()
			}
		}
	}()
	return func(want int) []time.Time {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			n := len(times)
			mu.Unlock()
			if n >= want {
				break
			}
		}
		c.Close()
		<-done
		slices.SortFunc(times, time.Time.Compare)
		return times
	}
}

func TestPerfectGCRA(t *testing.T) {
	start := time.Unix(1000, 0)
	var steady, paused []time.Time
	for ms := 0; ms <= 5000; ms++ {
		at := start.Add(time.Duration(ms) * time.Millisecond)
		steady = append(steady, at)
		if ms < 1000 || ms >= 2000 { // one second without requests
			paused = append(paused, at)
		}
	}
	if got, gap := perfectGCRA(steady, 50, 10); got != 260 || gap != time.Millisecond {
		t.Errorf("a request every ms for 5 s: %d admitted, longest pause %v; want 260 (burst + rate x seconds), 1ms", got, gap)
	}
	// 10 + 49 until 0.999 s; the pause refills the bucket to its burst only, then 10 + 150 from 2 s.
	if got, gap := perfectGCRA(paused, 50, 10); got != 219 || gap != 1001*time.Millisecond {
		t.Errorf("with a 1 s pause: %d admitted, longest pause %v; want 219, 1.001s", got, gap)
	}
}

// perfectGCRA returns how many of the decisions at times a token bucket of rate and burst admits,
// starting full, and the longest pause between two decisions.
func perfectGCRA(times []time.Time, rate float64, burst int) (admitted int, maxGap time.Duration) {
	interval := time.Duration(float64(time.Second) / rate)
	var tat time.Time
	for i, now := range times {
		if i > 0 {
			maxGap = max(maxGap, now.Sub(times[i-1]))
		}
		if tat.Before(now) {
			tat = now
		}
		if tat.Add(interval).Sub(now) > time.Duration(burst)*interval {
			continue
		}
		tat = tat.Add(interval)
		admitted++
	}
	return admitted, maxGap
}

// startNodes starts n nodes on one store and one Redis, each stopped when the test ends, and returns
// them with a client of the first node's admin API.
func startNodes(t *testing.T, n int, storeURL, redisURL string) ([]*Daemon, *client.Client) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var nodes []*Daemon
	for range n {
		d, err := Start(context.Background(), Config{DataDir: t.TempDir(), Store: storeURL, Redis: redisURL,
			AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0", AdminToken: "tok", Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stop(t, d) })
		nodes = append(nodes, d)
	}
	c, err := client.New(nodes[0].AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return nodes, c
}
