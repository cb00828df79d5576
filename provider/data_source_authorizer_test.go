package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// testAccAuthorizersConfig is an API with a REQUEST authorizer and a COGNITO_USER_POOLS one, every
// attribute set away from its default, so that a data source that read the other one or a default fails.
func testAccAuthorizersConfig(name string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = %[1]q
}

resource "gatewayd_authorizer" "request" {
  rest_api_id                      = gatewayd_rest_api.test.id
  name                             = "%[1]s-request"
  type                             = "REQUEST"
  authorizer_uri                   = "http://127.0.0.1:3001/2015-03-31/functions/auth/invocations"
  authorizer_credentials           = "arn:aws:iam::123456789012:role/api_gateway_auth_invocation"
  identity_source                  = "method.request.header.X-Tenant, method.request.querystring.key"
  authorizer_result_ttl_in_seconds = 42
}

resource "gatewayd_authorizer" "cognito" {
  rest_api_id                    = gatewayd_rest_api.test.id
  name                           = "%[1]s-cognito"
  type                           = "COGNITO_USER_POOLS"
  provider_arns                  = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf"]
  audiences                      = ["client-a", "client-b"]
  identity_validation_expression = "^Bearer .+$"
  authorizer_result_ttl_in_seconds = 0
}
`, name)
}

// TestAccDataSourceAuthorizer_Basic: the data source finds each of two authorizers of an API by id, its
// values are the resource's, and a method can take its id; an unknown id is refused, naming it.
func TestAccDataSourceAuthorizer_Basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("ds-authorizer")
	config := testAccAuthorizersConfig(name) + `
data "gatewayd_authorizer" "request" {
  rest_api_id   = gatewayd_rest_api.test.id
  authorizer_id = gatewayd_authorizer.request.id
}

data "gatewayd_authorizer" "cognito" {
  rest_api_id   = gatewayd_rest_api.test.id
  authorizer_id = gatewayd_authorizer.cognito.id
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_rest_api.test.root_resource_id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = data.gatewayd_authorizer.request.id
}
`
	var checks []statecheck.StateCheck
	for _, which := range []string{"request", "cognito"} {
		data, res := "data.gatewayd_authorizer."+which, "gatewayd_authorizer."+which
		for _, attr := range []string{"id", "arn", "rest_api_id", "name", "type", "authorizer_uri", "authorizer_credentials",
			"identity_source", "identity_validation_expression", "authorizer_result_ttl_in_seconds", "provider_arns", "audiences"} {
			checks = append(checks, statecheck.CompareValuePairs(data, tfjsonpath.New(attr), res, tfjsonpath.New(attr), compare.ValuesSame()))
		}
		checks = append(checks, statecheck.CompareValuePairs(data, tfjsonpath.New("authorizer_id"), res, tfjsonpath.New("id"), compare.ValuesSame()))
	}
	const req, cog = "data.gatewayd_authorizer.request", "data.gatewayd_authorizer.cognito"
	checks = append(checks,
		statecheck.ExpectKnownValue(req, tfjsonpath.New("name"), knownvalue.StringExact(name+"-request")),
		statecheck.ExpectKnownValue(req, tfjsonpath.New("type"), knownvalue.StringExact("REQUEST")),
		statecheck.ExpectKnownValue(req, tfjsonpath.New("authorizer_uri"), knownvalue.StringExact("http://127.0.0.1:3001/2015-03-31/functions/auth/invocations")),
		statecheck.ExpectKnownValue(req, tfjsonpath.New("authorizer_credentials"), knownvalue.StringExact("arn:aws:iam::123456789012:role/api_gateway_auth_invocation")),
		statecheck.ExpectKnownValue(req, tfjsonpath.New("identity_source"), knownvalue.StringExact("method.request.header.X-Tenant, method.request.querystring.key")),
		statecheck.ExpectKnownValue(req, tfjsonpath.New("authorizer_result_ttl_in_seconds"), knownvalue.Int64Exact(42)),
		statecheck.ExpectKnownValue(req, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:[a-z0-9-]+::/restapis/[a-z0-9]{10}/authorizers/[a-z0-9]{10}$`))),
		statecheck.ExpectKnownValue(cog, tfjsonpath.New("type"), knownvalue.StringExact("COGNITO_USER_POOLS")),
		statecheck.ExpectKnownValue(cog, tfjsonpath.New("authorizer_uri"), knownvalue.StringExact("")),
		statecheck.ExpectKnownValue(cog, tfjsonpath.New("identity_validation_expression"), knownvalue.StringExact("^Bearer .+$")),
		statecheck.ExpectKnownValue(cog, tfjsonpath.New("authorizer_result_ttl_in_seconds"), knownvalue.Int64Exact(0)),
		statecheck.ExpectKnownValue(cog, tfjsonpath.New("provider_arns"), knownvalue.SetExact([]knownvalue.Check{
			knownvalue.StringExact("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf")})),
		statecheck.ExpectKnownValue(cog, tfjsonpath.New("audiences"), knownvalue.SetExact([]knownvalue.Check{
			knownvalue.StringExact("client-a"), knownvalue.StringExact("client-b")})),
		statecheck.CompareValuePairs("gatewayd_method.get", tfjsonpath.New("authorizer_id"), "gatewayd_authorizer.request", tfjsonpath.New("id"), compare.ValuesSame()),
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigPlanChecks:  emptyPlanAfterApply,
				ConfigStateChecks: checks,
			},
			{
				Config: testAccAuthorizersConfig(name) + `
data "gatewayd_authorizer" "missing" {
  rest_api_id   = gatewayd_rest_api.test.id
  authorizer_id = "zzzzzzzzzz"
}
`,
				ExpectError: regexp.MustCompile(`(?s)No Authorizer Found.*"zzzzzzzzzz"`),
			},
		},
	})
}
