package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func testAccAccountConfig(limits string) string {
	return fmt.Sprintf(`
resource "gatewayd_account" "test" {
  cloudwatch_role_arn = "arn:aws:iam::123456789012:role/api-gateway-cloudwatch"
  reset_on_delete     = true
  %s
}

resource "gatewayd_rest_api" "test" {
  name = "acc-account"
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_rest_api.test.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id       = gatewayd_rest_api.test.id
  resource_id       = gatewayd_rest_api.test.root_resource_id
  http_method       = gatewayd_method.get.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "gatewayd_method_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_rest_api.test.root_resource_id
  http_method = gatewayd_method.get.http_method
  status_code = "200"
}

resource "gatewayd_integration_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_rest_api.test.root_resource_id
  http_method = gatewayd_method.get.http_method
  status_code = gatewayd_method_response.get.status_code
  depends_on  = [gatewayd_integration.get]
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration_response.get, gatewayd_account.test]
}
`, limits)
}

// checkAccountThrottle sends requests in a row to the stage: at least burst and at most burst+1 of
// them pass (a token may refill meanwhile), and the next are refused with 429 and the Retry-After of
// the account's rate. With retryAfter "" (a burst above the requests sent) every request passes.
func checkAccountThrottle(burst int, retryAfter string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + "/"
		c := &http.Client{Timeout: 30 * time.Second}
		passed, refused := 0, 0
		for range min(burst, 6) + 4 {
			resp, err := c.Get(url)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				passed++
			case http.StatusTooManyRequests:
				refused++
				if got := resp.Header.Get("Retry-After"); got != retryAfter {
					return fmt.Errorf("429 Retry-After %q, want %q (the account rate's)", got, retryAfter)
				}
			default:
				return fmt.Errorf("GET %s = %d %s", url, resp.StatusCode, body)
			}
		}
		if retryAfter == "" { // nothing to refuse: every request passes
			if refused > 0 {
				return fmt.Errorf("%d of %d requests refused, want none under a burst of %d", refused, passed+refused, burst)
			}
			return nil
		}
		if passed < burst || passed > burst+1 || refused == 0 {
			return fmt.Errorf("%d requests passed and %d were refused, want %d (or %d) passed and the rest refused", passed, refused, burst, burst+1)
		}
		return nil
	}
}

// TestAccAccount_ThrottleLive: the account throttle set through Terraform applies to the next
// requests of every stage (429 with the account's limits beyond it), reads back as throttle_settings,
// imports with the AWS provider's ID, and destroying with reset_on_delete puts the daemon's limits
// back. Not parallel: the account limits every stage of the shared gatewayd.
func TestAccAccount_ThrottleLive(t *testing.T) {
	const addr = "gatewayd_account.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			a, err := testClient.GetAccount(context.Background())
			if err != nil {
				return err
			}
			want := model.AccountThrottleSettings{RateLimit: model.DefaultAccountRateLimit, BurstLimit: model.DefaultAccountBurstLimit}
			if a.ThrottleSettings != want || a.CloudwatchRoleARN != "" || a.ThrottleRateLimit != nil {
				return fmt.Errorf("account after destroy = %+v, want the defaults", a)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config:      testAccAccountConfig("throttle_rate_limit = 0"),
				ExpectError: wrappedRE(`throttle_rate_limit must be a number of requests per second above 0`),
				PlanOnly:    true,
			},
			// A burst of 3 at one request per 5 s.
			{
				Config:           testAccAccountConfig("throttle_rate_limit = 0.2\n  throttle_burst_limit = 3"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("api-gateway-account")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("throttle_settings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"burst_limit": knownvalue.Int64Exact(3), "rate_limit": knownvalue.Float64Exact(0.2)}),
					})),
				},
				Check: checkAccountThrottle(3, "5"),
			},
			{ResourceName: addr, ImportState: true, ImportStateId: "api-gateway-account", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"reset_on_delete"}},
			// Raised live: the same requests all pass.
			{
				Config:           testAccAccountConfig("throttle_rate_limit = 1000\n  throttle_burst_limit = 100"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "throttle_settings.0.burst_limit", "100"),
					checkAccountThrottle(100, ""),
				),
			},
			// Unset: the daemon's flags again, shown in throttle_settings.
			{
				Config:           testAccAccountConfig(""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "throttle_settings.0.burst_limit", "5000"),
					resource.TestCheckResourceAttr(addr, "throttle_settings.0.rate_limit", "10000"),
					resource.TestCheckResourceAttr(addr, "cloudwatch_role_arn", "arn:aws:iam::123456789012:role/api-gateway-cloudwatch"),
				),
			},
			{
				Config:       `resource "gatewayd_account" "test" {}`,
				ResourceName: addr, ImportState: true, ImportStateId: "account",
				ExpectError: regexp.MustCompile(`api-gateway-account`),
			},
		},
	})
}
