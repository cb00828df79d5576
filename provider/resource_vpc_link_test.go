package provider

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// linkBackend is one target of a VPC link: an httptest server that counts its requests and the Host
// headers it was sent.
type linkBackend struct {
	srv   *httptest.Server
	addr  string
	calls atomic.Int64
	// badHost counts requests whose Host was not the integration uri's.
	badHost atomic.Int64
}

func newLinkBackend(t *testing.T, name, wantHost string) *linkBackend {
	t.Helper()
	b := &linkBackend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.calls.Add(1)
		if r.Host != wantHost {
			b.badHost.Add(1)
		}
		fmt.Fprint(w, name)
	}))
	t.Cleanup(b.srv.Close)
	b.addr = strings.TrimPrefix(b.srv.URL, "http://")
	return b
}

// kill stops a backend as a crash would: no new connection is accepted and open ones are cut,
// requests in flight included.
func (b *linkBackend) kill() {
	b.srv.Listener.Close()
	b.srv.CloseClientConnections()
}

func testAccVPCLinkAPIConfig(name string, targets []string, linkAttrs string) string {
	return fmt.Sprintf(`
resource "gatewayd_vpc_link" "test" {
  name        = %[1]q
  target_arns = [%[2]s]
%[3]s
}

resource "gatewayd_rest_api" "test" {
  name = %[1]q
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_rest_api.test.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_rest_api.test.root_resource_id
  http_method             = gatewayd_method.get.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://orders.internal/"
  connection_type         = "VPC_LINK"
  connection_id           = gatewayd_vpc_link.test.id
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration.get]
}
`, name, hclStrings(targets), linkAttrs)
}

// hclStrings writes strings as the items of an HCL list.
func hclStrings(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// loadResult is one request of runLoad: its order of start and its status (0: a transport error).
type loadResult struct {
	seq    int64
	status int
}

// runLoad sends n GETs to url from workers goroutines. onDone, when set, is called after each answer
// with the number of answers so far. started counts the requests begun.
func runLoad(url string, n, workers int, started *atomic.Int64, onDone func(done int64)) []loadResult {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	results := make([]loadResult, n)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				seq := started.Add(1)
				status := 0
				if resp, err := client.Get(url); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				results[i] = loadResult{seq: seq, status: status}
				if onDone != nil {
					onDone(done.Add(1))
				}
			}
		})
	}
	wg.Wait()
	return results
}

// evenWithin fails unless each count is within tolerance of the counts' mean.
func evenWithin(counts map[string]int64, tolerance float64) error {
	var sum int64
	for _, c := range counts {
		sum += c
	}
	mean := float64(sum) / float64(len(counts))
	for k, c := range counts {
		if float64(c) < mean*(1-tolerance) || float64(c) > mean*(1+tolerance) {
			return fmt.Errorf("backend %s got %d requests, want %.0f ± %.0f%% (all: %v)", k, c, mean, tolerance*100, counts)
		}
	}
	return nil
}

// vpcLinkMetric reads one series of gatewayd's /metrics for a link's target.
func vpcLinkMetric(name, linkID, target string) (float64, error) {
	req, err := http.NewRequest(http.MethodGet, testGatewayd.AdminURL+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+testGatewayd.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	prefix := fmt.Sprintf(`%s{target=%q,vpc_link=%q} `, name, target, linkID)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("/metrics has no %s", strings.TrimSpace(prefix))
}

// TestAccVPCLink_ThreeBackends: the real terraform applies a VPC link to three backends and an
// HTTP_PROXY integration through it. Then, as `make bench` loads gatewayd:
//   - 3,000 GETs from 16 clients spread over the three within 10% of a third each, every one 200, and
//     every backend sees the uri's host (orders.internal) as Host;
//   - 3,000 more, and one backend is killed (listener closed, connections cut) after the 500th answer.
//     Allowed to fail: only the requests in flight on the killed backend when it died, with 502: at
//     most 16 (one per client), each started before the kill returned. (gatewayd sends a GET whose
//     connection broke to another target, so in practice none fails.) A request started after the
//     kill never gets a 5xx: a connection the dead backend refuses is retried on another target until
//     the third failure in a row ejects it (unhealthy_threshold = 3), after which it gets no more. The
//     killed target is then reported ejected (gatewayd_vpc_link_target_ejections_total 1,
//     gatewayd_vpc_link_target_healthy 0), and the two survivors share the rest within 10%.
func TestAccVPCLink_ThreeBackends(t *testing.T) {
	t.Parallel()
	const host = "orders.internal"
	backends := []*linkBackend{newLinkBackend(t, "a", host), newLinkBackend(t, "b", host), newLinkBackend(t, "c", host)}
	targets := make([]string, len(backends))
	for i, b := range backends {
		targets[i] = b.addr
	}
	config := testAccVPCLinkAPIConfig("vpclink-three", targets, "  unhealthy_threshold = 3\n  ejection_seconds    = 300\n")
	counts := func() map[string]int64 {
		out := map[string]int64{}
		for _, b := range backends {
			out[b.addr] = b.calls.Load()
		}
		return out
	}
	const n, workers = 3000, 16
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("gatewayd_vpc_link.test", tfjsonpath.New("status"), knownvalue.StringExact(model.VPCLinkAvailable)),
				statecheck.ExpectKnownValue("gatewayd_integration.get", tfjsonpath.New("connection_type"), knownvalue.StringExact(model.ConnectionVPCLink)),
			},
			Check: func(s *terraform.State) error {
				url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + "/"
				linkID := s.RootModule().Resources["gatewayd_vpc_link.test"].Primary.ID

				var started atomic.Int64
				for _, r := range runLoad(url, n, workers, &started, nil) {
					if r.status != http.StatusOK {
						return fmt.Errorf("request %d of the even run answered %d, want 200", r.seq, r.status)
					}
				}
				even := counts()
				if err := evenWithin(even, 0.10); err != nil {
					return fmt.Errorf("3,000 requests over three healthy backends: %w", err)
				}
				for _, b := range backends {
					if bad := b.badHost.Load(); bad > 0 {
						return fmt.Errorf("backend %s got %d requests whose Host was not %s", b.addr, bad, host)
					}
				}
				t.Logf("3 healthy backends, %d requests, concurrency %d: %v", n, workers, even)

				dead := backends[2]
				var killOnce sync.Once
				var killedAt atomic.Int64 // requests started when the kill returned
				results := runLoad(url, n, workers, &started, func(done int64) {
					if done == 500 {
						killOnce.Do(func() {
							dead.kill()
							killedAt.Store(started.Load())
						})
					}
				})
				after := counts()
				failed := 0
				for _, r := range results {
					if r.status == http.StatusOK {
						continue
					}
					failed++
					if r.status != http.StatusBadGateway {
						return fmt.Errorf("request %d answered %d; the only failure allowed is 502 for a request in flight on the killed backend", r.seq, r.status)
					}
					if r.seq > killedAt.Load() {
						return fmt.Errorf("request %d, started after the kill (request %d), answered %d: no 5xx is allowed after the first failure window", r.seq, killedAt.Load(), r.status)
					}
				}
				if failed > workers {
					return fmt.Errorf("%d requests failed, want at most %d (those in flight when the backend died)", failed, workers)
				}
				ejections, err := vpcLinkMetric("gatewayd_vpc_link_target_ejections_total", linkID, dead.addr)
				if err != nil || ejections != 1 {
					return fmt.Errorf("killed target's ejections = %v (%v), want 1", ejections, err)
				}
				if healthy, err := vpcLinkMetric("gatewayd_vpc_link_target_healthy", linkID, dead.addr); err != nil || healthy != 0 {
					return fmt.Errorf("killed target's healthy gauge = %v (%v), want 0", healthy, err)
				}
				survivors := map[string]int64{}
				for _, b := range backends[:2] {
					survivors[b.addr] = after[b.addr] - even[b.addr]
				}
				if err := evenWithin(survivors, 0.10); err != nil {
					return fmt.Errorf("the two survivors during the second run: %w", err)
				}
				t.Logf("backend %s killed after 500 of %d answers: %d requests failed (allowed: 502 in flight at the kill), none after; survivors %v, killed one %d",
					dead.addr, n, failed, survivors, after[dead.addr]-even[dead.addr])
				return nil
			},
		}},
	})
}

// TestAccVPCLink_Basic: create, import by id (as aws_api_gateway_vpc_link), update in place (targets,
// balancing), plans quiet; plan-time refusals of bad targets and connection settings, and gatewayd's
// refusal of a connection_id that names no link.
func TestAccVPCLink_Basic(t *testing.T) {
	t.Parallel()
	a, b := newLinkBackend(t, "a", "orders.internal"), newLinkBackend(t, "b", "orders.internal")
	const addr = "gatewayd_vpc_link.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccVPCLinkAPIConfig("vpclink-basic", []string{a.addr}, ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/vpclinks/[a-z0-9]{10}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("AVAILABLE")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_message"), knownvalue.StringExact(model.VPCLinkAvailableMessage)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("load_balancing_algorithm"), knownvalue.StringExact("ROUND_ROBIN")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unhealthy_threshold"), knownvalue.Int64Exact(5)),
				},
				Check: testAccVPCLinkServes(2, "a"),
			},
			// ImportState
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Update and Read: a second target, least requests, in place; both backends serve.
			{
				Config: testAccVPCLinkAPIConfig("vpclink-basic", []string{a.addr, "http://" + b.addr},
					"  load_balancing_algorithm = \"LEAST_REQUESTS\"\n  description = \"two\"\n"),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionUpdate),
				Check:            testAccVPCLinkServes(40, "a", "b"),
			},
			// Refusals at plan time, every one in a single run.
			{
				Config: `
resource "gatewayd_vpc_link" "bad" {
  name        = "bad"
  target_arns = ["no-port", "10.0.0.1:0"]
}
resource "gatewayd_integration" "no_id" {
  rest_api_id             = "a1b2c3d4e5"
  resource_id             = "a1b2c3d4e5"
  http_method             = "GET"
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://orders.internal/"
  connection_type         = "VPC_LINK"
}
resource "gatewayd_integration" "internet_id" {
  rest_api_id             = "a1b2c3d4e5"
  resource_id             = "a1b2c3d4e5"
  http_method             = "GET"
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://orders.internal/"
  connection_id           = "a1b2c3d4e5"
}
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)(Invalid VPC Link Target.*){2}Invalid Integration Connection.*connection_id is required.*Invalid Integration Connection.*must be empty when connection_type is INTERNET`),
			},
			// A connection_id naming no link is refused by gatewayd when the integration is written.
			{
				Config: strings.Replace(testAccVPCLinkAPIConfig("vpclink-basic", []string{a.addr}, ""),
					"connection_id           = gatewayd_vpc_link.test.id",
					// depends_on: destroyed before the link, which gatewayd keeps while an integration names it.
					"connection_id = \"nosuchlink\"\n  depends_on    = [gatewayd_vpc_link.test]", 1),
				ExpectError: wrappedRE(`connection_id "nosuchlink" of integration`),
			},
		},
	})
}

// testAccVPCLinkServes GETs the stage n times and checks that every answer is 200 from one of names,
// each of them answering at least once.
func testAccVPCLinkServes(n int, names ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + "/"
		seen := map[string]int{}
		c := &http.Client{Timeout: 10 * time.Second}
		for range n {
			resp, err := c.Get(url)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s = %d %s, want 200", url, resp.StatusCode, body)
			}
			seen[string(body)]++
		}
		for _, name := range names {
			if seen[name] == 0 {
				return fmt.Errorf("backend %s never answered in %d requests (answers: %v)", name, n, seen)
			}
		}
		if len(seen) != len(names) {
			return fmt.Errorf("answers came from %v, want only %v", seen, names)
		}
		return nil
	}
}
