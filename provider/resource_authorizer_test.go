package provider

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
)

// tokenFunction allows the token "allow-NAME" on every method of the stage (principal NAME, context
// tenant), and denies any other token.
func tokenFunction(t *testing.T) *authtest.Function {
	return authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		arn := ev.String("methodArn")
		parts := strings.SplitN(arn, "/", 3) // arn:...:API, STAGE, VERB/PATH
		stageARN := parts[0] + "/" + parts[1] + "/*"
		if name, ok := strings.CutPrefix(ev.String("authorizationToken"), "allow-"); ok {
			return authtest.Output(name, "Allow", stageARN, map[string]any{"tenant": "t-" + name}), ""
		}
		return authtest.Output("nobody", "Deny", stageARN, nil), ""
	})
}

// testAccAuthorizedAPI is GET /pets behind a TOKEN authorizer, a MOCK that echoes the principal.
func testAccAuthorizedAPI(fnURL string, ttl int) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "authorized"
}

resource "gatewayd_authorizer" "token" {
  name                             = "token"
  rest_api_id                      = gatewayd_rest_api.test.id
  authorizer_uri                   = %[1]q
  identity_validation_expression   = "allow-[a-z]+|deny-[a-z]+"
  authorizer_result_ttl_in_seconds = %[2]d
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.pets.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = gatewayd_authorizer.token.id
}

resource "gatewayd_integration" "get" {
  rest_api_id       = gatewayd_rest_api.test.id
  resource_id       = gatewayd_resource.pets.id
  http_method       = gatewayd_method.get.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "gatewayd_integration_response" "get" {
  rest_api_id        = gatewayd_rest_api.test.id
  resource_id        = gatewayd_resource.pets.id
  http_method        = gatewayd_method.get.http_method
  status_code        = "200"
  response_templates = { "application/json" = "{\"principal\":\"$context.authorizer.principalId\",\"tenant\":\"$context.authorizer.tenant\"}" }
  depends_on         = [gatewayd_integration.get]
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration_response.get]
}
`, fnURL, ttl)
}

// call is one request to the stage and what it must get.
type call struct {
	name, path string
	header     map[string]string
	status     int
	body       string
}

// expectCalls sends requests to the stage whose invoke_url is in state and checks each answer and how
// many times fn was invoked for them all.
func expectCalls(fn *authtest.Function, wantInvocations int64, calls []call) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"]
		c := &http.Client{Timeout: 10 * time.Second}
		before := int64(0)
		if fn != nil {
			before = fn.Calls()
		}
		var errs []string
		for _, tc := range calls {
			req, _ := http.NewRequest("GET", url+tc.path, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || (tc.body != "" && string(body) != tc.body) {
				errs = append(errs, fmt.Sprintf("%s: %d %s, want %d %s", tc.name, resp.StatusCode, body, tc.status, tc.body))
			}
		}
		if fn != nil && wantInvocations >= 0 {
			if n := fn.Calls() - before; n != wantInvocations {
				errs = append(errs, fmt.Sprintf("the authorizer function was invoked %d times, want %d", n, wantInvocations))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "\n"))
		}
		return nil
	}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": tok} }

// TestAccAuthorizer_Token: with the real terraform, a TOKEN authorizer served by a real HTTP function
// allows one token (200, its principal and context in the template) and denies another (403); a
// missing token and one failing identity_validation_expression get 401 without a call. Within the
// TTL five calls with one token invoke the function once; with a TTL of 0, every call does.
func TestAccAuthorizer_Token(t *testing.T) {
	t.Parallel()
	fn := tokenFunction(t)
	allowed := call{"allowed", "/pets", bearer("allow-ann"), 200, `{"principal":"ann","tenant":"t-ann"}`}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccAuthorizedAPI(fn.URL, 300),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gatewayd_authorizer.token", tfjsonpath.New("type"), knownvalue.StringExact("TOKEN")),
					statecheck.ExpectKnownValue("gatewayd_authorizer.token", tfjsonpath.New("identity_source"), knownvalue.StringExact("method.request.header.Authorization")),
					statecheck.ExpectKnownValue("gatewayd_authorizer.token", tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue("gatewayd_authorizer.token", tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/restapis/[a-z0-9]{10}/authorizers/[a-z0-9]{10}$`))),
				},
				Check: resource.ComposeTestCheckFunc(
					expectCalls(fn, 2, []call{
						allowed,
						{"denied", "/pets", bearer("deny-bob"), 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`},
						{"missing token", "/pets", nil, 401, `{"message":"Unauthorized"}`},
						{"token failing the validation expression", "/pets", bearer("Bearer xyz"), 401, `{"message":"Unauthorized"}`},
					}),
					// The cache: N calls, one invocation within the TTL (ann's decision is cached already).
					expectCalls(fn, 1, []call{
						{"first of cy", "/pets", bearer("allow-cy"), 200, ""}, {"cached", "/pets", bearer("allow-cy"), 200, ""},
						{"cached", "/pets", bearer("allow-cy"), 200, ""}, {"cached", "/pets", bearer("allow-cy"), 200, ""},
						{"cached", "/pets", bearer("allow-cy"), 200, ""},
					}),
				),
			},
			// ImportState
			{
				ResourceName:      "gatewayd_authorizer.token",
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources["gatewayd_authorizer.token"]
					return rs.Primary.Attributes["rest_api_id"] + "/" + rs.Primary.ID, nil
				},
			},
			// Update and Read: no cache, every call invokes the function.
			{
				Config: testAccAuthorizedAPI(fn.URL, 0),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("gatewayd_authorizer.token",
					tfjsonpath.New("authorizer_result_ttl_in_seconds"), knownvalue.Int64Exact(0))},
				Check: expectCalls(fn, 5, []call{allowed, allowed, allowed, allowed, allowed}),
			},
		},
	})
}

// TestAccAuthorizer_Request: a REQUEST authorizer on a header and a query string; a request missing
// either is refused with 401 without calling the function.
func TestAccAuthorizer_Request(t *testing.T) {
	t.Parallel()
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		if ev.Map("headers")["X-Tenant"] == "acme" && ev.Map("queryStringParameters")["key"] == "k1" {
			return authtest.Output("acme", "Allow", "*", map[string]any{"tenant": "acme"}), ""
		}
		return authtest.Output("x", "Deny", "*", nil), ""
	})
	config := strings.Replace(testAccAuthorizedAPI(fn.URL, 300), `identity_validation_expression   = "allow-[a-z]+|deny-[a-z]+"`,
		`type                             = "REQUEST"
  identity_source                  = "method.request.header.X-Tenant, method.request.querystring.key"`, 1)
	tenant := map[string]string{"X-Tenant": "acme"}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: expectCalls(fn, 2, []call{
				{"header and query string", "/pets?key=k1", tenant, 200, `{"principal":"acme","tenant":"acme"}`},
				{"again, cached", "/pets?key=k1", tenant, 200, `{"principal":"acme","tenant":"acme"}`},
				{"no query string", "/pets", tenant, 401, `{"message":"Unauthorized"}`},
				{"no header", "/pets?key=k1", nil, 401, `{"message":"Unauthorized"}`},
				{"wrong key", "/pets?key=k2", tenant, 403, ""},
			}),
		}},
	})
}

// TestAccAuthorizer_PortedFromAWSDocs: the example of aws_api_gateway_authorizer's documentation
// applies unchanged apart from the rename and the function's URI (aws_lambda_function.invoke_arn and
// the IAM role are AWS resources: the function is any HTTP server speaking the Lambda Invoke API, and
// the role's ARN is kept as given).
func TestAccAuthorizer_PortedFromAWSDocs(t *testing.T) {
	t.Parallel()
	fn := tokenFunction(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "gatewayd_authorizer" "demo" {
  name                   = "demo"
  rest_api_id            = gatewayd_rest_api.demo.id
  authorizer_uri         = %q
  authorizer_credentials = "arn:aws:iam::123456789012:role/api_gateway_auth_invocation"
}

resource "gatewayd_rest_api" "demo" {
  name = "auth-demo"
}
`, fn.URL),
			ConfigPlanChecks: emptyPlanAfterApply,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("gatewayd_authorizer.demo", tfjsonpath.New("authorizer_result_ttl_in_seconds"), knownvalue.Int64Exact(300)),
				statecheck.ExpectKnownValue("gatewayd_authorizer.demo", tfjsonpath.New("authorizer_credentials"),
					knownvalue.StringExact("arn:aws:iam::123456789012:role/api_gateway_auth_invocation")),
			},
		}},
	})
}

// TestAccAuthorizer_Refused: mistakes fail at plan time with the admin API's own rules, and a method
// cannot name an authorizer of the wrong kind.
func TestAccAuthorizer_Refused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, attrs, want string }{
		{"service arn", `authorizer_uri = "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem"`, `an authorizer is a Lambda function`},
		{"role of an invoke url", `authorizer_uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
  authorizer_credentials = "arn:aws:iam::*:user/*"`, `caller's own credentials`},
		{"two headers for TOKEN", `authorizer_uri = "http://127.0.0.1:1/2015-03-31/functions/f/invocations"
  identity_source = "method.request.header.A, method.request.header.B"`, `must be one header`},
		{"issuer without audiences", `type = "COGNITO_USER_POOLS"
  provider_arns = ["https://issuer.example"]`, `audiences: is required`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "refused"
}

resource "gatewayd_authorizer" "test" {
  name        = "a"
  rest_api_id = gatewayd_rest_api.test.id
  %s
}
`, tc.attrs),
					PlanOnly:    true,
					ExpectError: wrappedRE(tc.want),
				}},
			})
		})
	}
}
