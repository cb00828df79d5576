package provider

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func testAccGatewayResponses(fnURL, origin string) string {
	return testAccAuthorizedAPI(fnURL, 300) + fmt.Sprintf(`
resource "gatewayd_gateway_response" "unauthorized" {
  rest_api_id   = gatewayd_rest_api.test.id
  response_type = "UNAUTHORIZED"
  response_parameters = {
    "gatewayresponse.header.Access-Control-Allow-Origin"  = "'%[1]s'"
    "gatewayresponse.header.Access-Control-Allow-Headers" = "'Authorization,Content-Type'"
  }
}

resource "gatewayd_gateway_response" "default_4xx" {
  rest_api_id   = gatewayd_rest_api.test.id
  response_type = "DEFAULT_4XX"
  response_templates = {
    "application/json" = "{\"error\":$context.error.messageString,\"type\":\"$context.error.responseType\"}"
  }
}
`, origin)
}

// expectCORS401 checks that a request without a token gets 401 with the gateway response's CORS headers.
func expectCORS401(origin string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"]
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url + "/pets")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
			resp.Header.Get("Access-Control-Allow-Headers") != "Authorization,Content-Type" {
			return fmt.Errorf("GET /pets without a token = %d %v, want 401 with Access-Control-Allow-Origin %s", resp.StatusCode, resp.Header, origin)
		}
		return nil
	}
}

// TestAccGatewayResponse_CORSOn401: with the real terraform, a gateway response adds CORS headers to
// the 401 an authorizer answers, DEFAULT_4XX reshapes the other 4xx bodies, and a change of the
// response is served by the next apply (auto_deploy).
func TestAccGatewayResponse_CORSOn401(t *testing.T) {
	t.Parallel()
	fn := tokenFunction(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccGatewayResponses(fn.URL, "https://app.example"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectCORS401("https://app.example"),
					expectCalls(fn, -1, []call{
						{"denied under DEFAULT_4XX", "/pets", bearer("deny-bob"), 403,
							`{"error":"User is not authorized to access this resource with an explicit deny","type":"ACCESS_DENIED"}`},
						{"allowed", "/pets", bearer("allow-ann"), 200, `{"principal":"ann","tenant":"t-ann"}`},
					}),
				),
			},
			// ImportState
			{
				ResourceName:      "gatewayd_gateway_response.unauthorized",
				ImportState:       true,
				ImportStateVerify: true,
			},
			// Update and Read
			{
				Config: testAccGatewayResponses(fn.URL, "https://other.example"),
				Check:  expectCORS401("https://other.example"),
			},
		},
	})
}
