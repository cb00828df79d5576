package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// These tests apply metering with the real terraform and check what the data plane admits: API keys,
// usage plans with quotas and throttles, and stage method settings.

// testAccMeteringAPI is testAccReleaseAPI's API (GET /items/{id} proxied to uri) whose method requires an
// API key, with an auto-deploy stage "live".
func testAccMeteringAPI(name, uri string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = %[1]q
}

resource "gatewayd_resource" "items" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "items"
}

resource "gatewayd_resource" "item" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_resource.items.id
  path_part   = "{id}"
}

resource "gatewayd_method" "test" {
  rest_api_id      = gatewayd_rest_api.test.id
  resource_id      = gatewayd_resource.item.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "gatewayd_integration" "test" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.item.id
  http_method             = gatewayd_method.test.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "%[2]s/items/{id}"
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}
`, name, uri)
}

// testAccMeteringPlan is a usage plan on the stage, with blocks, and an API key attached to it.
func testAccMeteringPlan(blocks string) string {
	return `
resource "gatewayd_usage_plan" "test" {
  name = "metering-e2e"

  api_stages {
    api_id = gatewayd_rest_api.test.id
    stage  = gatewayd_stage.test.stage_name
  }
` + blocks + `
}

resource "gatewayd_api_key" "test" {
  name = "metering-e2e"
}

resource "gatewayd_usage_plan_key" "test" {
  key_id        = gatewayd_api_key.test.id
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.test.id
}
`
}

// stateAttr reads one attribute of a resource from state.
func stateAttr(s *terraform.State, addr, attr string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	v, ok := rs.Primary.Attributes[attr]
	if !ok {
		return "", fmt.Errorf("%s has no attribute %s", addr, attr)
	}
	return v, nil
}

// meteringClient may hold a connection per parallel caller.
var meteringClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// callAPI makes one GET with key as x-api-key (none when empty) and returns the status and body.
func callAPI(url, key string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := meteringClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// checkMessage checks a gateway error answer: status and {"message": message}.
func checkMessage(what string, status int, body string, wantStatus int, message string) error {
	var got struct {
		Message string `json:"message"`
	}
	if status != wantStatus || json.Unmarshal([]byte(body), &got) != nil || got.Message != message {
		return fmt.Errorf("%s: got %d %q, want %d {\"message\":%q}", what, status, strings.TrimSpace(body), wantStatus, message)
	}
	return nil
}

// A plan with a quota of 20 a day admits exactly 20 of 40 calls; the others are refused, uncounted.
func TestAccMetering_QuotaAdmitsExactly(t *testing.T) {
	t.Parallel()
	backend := namedBackend(t, "A")
	config := testAccMeteringAPI("metering-quota", backend) + testAccMeteringPlan(`
  quota_settings {
    limit  = 20
    period = "DAY"
  }
`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				url, err := stateAttr(s, "gatewayd_stage.test", "invoke_url")
				if err != nil {
					return err
				}
				key, err := stateAttr(s, "gatewayd_api_key.test", "value")
				if err != nil {
					return err
				}
				planID, _ := stateAttr(s, "gatewayd_usage_plan.test", "id")
				keyID, _ := stateAttr(s, "gatewayd_api_key.test", "id")
				var ok, limited int
				var errs []string
				for i := range 40 {
					status, body, err := callAPI(fmt.Sprintf("%s/items/%d", url, i), key)
					switch {
					case err != nil:
						return err
					case status == http.StatusOK && body == fmt.Sprintf("A /items/%d", i):
						ok++
					case checkMessage("", status, body, http.StatusTooManyRequests, "Limit Exceeded") == nil:
						limited++
					default:
						errs = append(errs, fmt.Sprintf("call %d: %d %q", i, status, strings.TrimSpace(body)))
					}
				}
				if ok != 20 || limited != 20 {
					return fmt.Errorf("40 calls with quota 20/DAY: %d admitted and %d refused with 429 Limit Exceeded, want 20 and 20; others: %s",
						ok, limited, strings.Join(errs, "; "))
				}
				// The usage report counts the admitted calls only.
				today := time.Now().UTC()
				rep, err := testClient.GetUsage(context.Background(), planID, keyID, today, today)
				if err != nil {
					return fmt.Errorf("usage report: %w", err)
				}
				if days := rep.Items[keyID]; len(days) != 1 || days[0] != [2]int64{20, 0} {
					return fmt.Errorf("usage of key %s today = %v, want [[20 0]] (20 used, 0 left)", keyID, days)
				}
				return nil
			},
		}},
	})
}

// A plan with burst 4 and rate 2 admits no more than its bucket allows under 20 parallel callers, each
// calling once within about a second: at most burst + rate·elapsed (+1 for a token refilled at the edge),
// and at least the burst.
func TestAccMetering_ThrottleBurst(t *testing.T) {
	t.Parallel()
	backend := namedBackend(t, "A")
	const burst, rate, callers = 4, 2.0, 20
	const spread = 50 * time.Millisecond
	config := testAccMeteringAPI("metering-throttle", backend) + testAccMeteringPlan(fmt.Sprintf(`
  throttle_settings {
    burst_limit = %d
    rate_limit  = %v
  }
`, burst, rate))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				url, err := stateAttr(s, "gatewayd_stage.test", "invoke_url")
				if err != nil {
					return err
				}
				key, err := stateAttr(s, "gatewayd_api_key.test", "value")
				if err != nil {
					return err
				}
				type answer struct {
					status int
					body   string
					err    error
				}
				answers := make([]answer, callers)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range callers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						// Spread over about a second, so that the bucket's refill is measured too.
						time.Sleep(time.Duration(i) * spread)
						a := &answers[i]
						a.status, a.body, a.err = callAPI(fmt.Sprintf("%s/items/%d", url, i), key)
					}()
				}
				began := time.Now()
				close(start)
				wg.Wait()
				elapsed := time.Since(began).Seconds()
				var admitted int
				for i, a := range answers {
					switch {
					case a.err != nil:
						return a.err
					case a.status == http.StatusOK:
						admitted++
					default:
						if err := checkMessage(fmt.Sprintf("caller %d", i), a.status, a.body, http.StatusTooManyRequests, "Too Many Requests"); err != nil {
							return err
						}
					}
				}
				max := burst + rate*elapsed + 1
				t.Logf("%d parallel callers in %.3fs: %d admitted (bucket allows at most %.2f)", callers, elapsed, admitted, max)
				if float64(admitted) > max || admitted < burst {
					return fmt.Errorf("%d parallel callers in %.3fs with burst %d and rate %v: %d admitted, want between %d and %.2f",
						callers, elapsed, burst, rate, admitted, burst, max)
				}
				return nil
			},
		}},
	})
}

// No key, an unknown key, a disabled key and a key in no plan of the stage each get 403; the plan's
// enabled key gets through.
func TestAccMetering_KeysRefused(t *testing.T) {
	t.Parallel()
	backend := namedBackend(t, "A")
	config := testAccMeteringAPI("metering-keys", backend) + testAccMeteringPlan("") + `
resource "gatewayd_api_key" "disabled" {
  name    = "metering-e2e-disabled"
  enabled = false
}

resource "gatewayd_usage_plan_key" "disabled" {
  key_id        = gatewayd_api_key.disabled.id
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.test.id
}

resource "gatewayd_api_key" "planless" {
  name = "metering-e2e-planless"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				url, err := stateAttr(s, "gatewayd_stage.test", "invoke_url")
				if err != nil {
					return err
				}
				keys := map[string]string{}
				for _, name := range []string{"test", "disabled", "planless"} {
					if keys[name], err = stateAttr(s, "gatewayd_api_key."+name, "value"); err != nil {
						return err
					}
				}
				var errs []string
				for _, c := range []struct{ what, key string }{
					{"no key", ""},
					{"an unknown key", "unknown-key-0123456789abcdefghij"},
					{"a disabled key", keys["disabled"]},
					{"a key in no plan of the stage", keys["planless"]},
				} {
					status, body, err := callAPI(url+"/items/1", c.key)
					if err != nil {
						return err
					}
					if err := checkMessage(c.what, status, body, http.StatusForbidden, "Forbidden"); err != nil {
						errs = append(errs, err.Error())
					}
				}
				if status, body, err := callAPI(url+"/items/1", keys["test"]); err != nil || status != http.StatusOK || body != "A /items/1" {
					errs = append(errs, fmt.Sprintf("the plan's enabled key: got %d %q (err %v), want 200 \"A /items/1\"", status, body, err))
				}
				if len(errs) > 0 {
					return fmt.Errorf("%s", strings.Join(errs, "\n"))
				}
				return nil
			},
		}},
	})
}

// Method settings created in the same apply as their stage throttle the method at once: with burst 1
// and rate 1, of two immediate calls one is admitted and one refused.
func TestAccMetering_MethodSettingsThrottleInOneApply(t *testing.T) {
	t.Parallel()
	backend := namedBackend(t, "A")
	config := testAccReleaseAPI("metering-method-settings", backend) + `
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}

resource "gatewayd_method_settings" "test" {
  rest_api_id = gatewayd_stage.test.rest_api_id
  stage_name  = gatewayd_stage.test.stage_name
  method_path = "items/{id}/GET"

  settings {
    throttling_burst_limit = 1
    throttling_rate_limit  = 1
  }
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gatewayd_stage.test", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("gatewayd_method_settings.test", plancheck.ResourceActionCreate),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(s *terraform.State) error {
				url, err := stateAttr(s, "gatewayd_stage.test", "invoke_url")
				if err != nil {
					return err
				}
				var ok, throttled int
				var errs []string
				for i := range 2 {
					status, body, err := callAPI(fmt.Sprintf("%s/items/%d", url, i), "")
					switch {
					case err != nil:
						return err
					case status == http.StatusOK && body == fmt.Sprintf("A /items/%d", i):
						ok++
					case checkMessage("", status, body, http.StatusTooManyRequests, "Too Many Requests") == nil:
						throttled++
					default:
						errs = append(errs, fmt.Sprintf("call %d: %d %q", i, status, strings.TrimSpace(body)))
					}
				}
				if ok != 1 || throttled != 1 {
					return fmt.Errorf("two immediate calls with burst 1, rate 1: %d admitted and %d refused with 429 Too Many Requests, want 1 and 1; others: %s",
						ok, throttled, strings.Join(errs, "; "))
				}
				return nil
			},
		}},
	})
}
