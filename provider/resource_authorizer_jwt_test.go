package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
)

// testAccJWTAPI is GET /pets (an ID token) and GET /admin (an access token with the scope pets/admin)
// behind a COGNITO_USER_POOLS authorizer of a local OpenID Connect issuer.
func testAccJWTAPI(issuer, clientID string) string {
	pets := `
resource "gatewayd_rest_api" "test" {
  name = "jwt"
}

resource "gatewayd_authorizer" "jwt" {
  name          = "oidc"
  rest_api_id   = gatewayd_rest_api.test.id
  type          = "COGNITO_USER_POOLS"
  provider_arns = [%[1]q]
  audiences     = [%[2]q]
}
`
	for _, m := range []struct{ name, scopes string }{{"pets", "[]"}, {"admin", `["pets/admin"]`}} {
		pets += fmt.Sprintf(`
resource "gatewayd_resource" "%[1]s" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "%[1]s"
}

resource "gatewayd_method" "%[1]s" {
  rest_api_id          = gatewayd_rest_api.test.id
  resource_id          = gatewayd_resource.%[1]s.id
  http_method          = "GET"
  authorization        = "COGNITO_USER_POOLS"
  authorizer_id        = gatewayd_authorizer.jwt.id
  authorization_scopes = %[2]s
}

resource "gatewayd_integration" "%[1]s" {
  rest_api_id       = gatewayd_rest_api.test.id
  resource_id       = gatewayd_resource.%[1]s.id
  http_method       = gatewayd_method.%[1]s.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "gatewayd_integration_response" "%[1]s" {
  rest_api_id        = gatewayd_rest_api.test.id
  resource_id        = gatewayd_resource.%[1]s.id
  http_method        = gatewayd_method.%[1]s.http_method
  status_code        = "200"
  response_templates = { "application/json" = "{\"sub\":\"$context.authorizer.claims.sub\"}" }
  depends_on         = [gatewayd_integration.%[1]s]
}
`, m.name, m.scopes)
	}
	pets += `
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration_response.pets, gatewayd_integration_response.admin]
}
`
	return fmt.Sprintf(pets, issuer, clientID)
}

// TestAccAuthorizer_JWT: with the real terraform, a COGNITO_USER_POOLS authorizer of a local OpenID
// Connect issuer started by the test passes an ID token (its claims in the template) and refuses an
// expired one, one for another audience and an access token without the method's scope; the issuer
// rotates its key mid-test and tokens of the new key are served without a restart.
func TestAccAuthorizer_JWT(t *testing.T) {
	t.Parallel()
	iss := authtest.NewIssuer(t)
	auth := func(tok string) map[string]string { return map[string]string{"Authorization": tok} }
	unauthorized := `{"message":"Unauthorized"}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccJWTAPI(iss.URL, iss.ClientID),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectCalls(nil, -1, []call{
						{"ID token", "/pets", auth(iss.IDToken(t, "ann", nil)), 200, `{"sub":"ann"}`},
						{"ID token as Bearer", "/pets", auth("Bearer " + iss.IDToken(t, "ann", nil)), 200, `{"sub":"ann"}`},
						{"no token", "/pets", nil, 401, unauthorized},
						{"expired", "/pets", auth(iss.IDToken(t, "ann", map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})), 401,
							`{"message":"The incoming token has expired"}`},
						{"wrong audience", "/pets", auth(iss.IDToken(t, "ann", map[string]any{"aud": "another-app"})), 401, unauthorized},
						{"access token with the scope", "/admin", auth(iss.AccessToken(t, "bob", "openid pets/admin", nil)), 200, `{"sub":"bob"}`},
						{"access token without the scope", "/admin", auth(iss.AccessToken(t, "bob", "openid pets/read", nil)), 401, unauthorized},
						{"ID token where a scope is needed", "/admin", auth(iss.IDToken(t, "ann", nil)), 401, unauthorized},
					}),
					func(s *terraform.State) error {
						// Rotation mid-test: the running gatewayd fetches the new key set for the new kid.
						iss.Rotate(t)
						time.Sleep(1100 * time.Millisecond) // the least time between two fetches of one issuer's keys
						return expectCalls(nil, -1, []call{
							{"new key", "/pets", auth(iss.IDToken(t, "cy", nil)), 200, `{"sub":"cy"}`},
						})(s)
					},
				),
			},
		},
	})
}
