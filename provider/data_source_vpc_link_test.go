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

// TestAccDataSourceVPCLink_Basic: the data source finds a link by name among others, its values are the
// resource's, and an integration that takes its id serves through the link; an unknown name is refused.
func TestAccDataSourceVPCLink_Basic(t *testing.T) {
	t.Parallel()
	// Tests share one gatewayd, so the names must be this test's own.
	name := acctest.RandomWithPrefix("ds-vpc-link")
	a, b := newLinkBackend(t, "a", "orders.internal"), newLinkBackend(t, "b", "orders.internal")
	const data, link = "data.gatewayd_vpc_link.test", "gatewayd_vpc_link.link"
	config := fmt.Sprintf(`
resource "gatewayd_vpc_link" "link" {
  name                     = %[1]q
  description              = "found by name"
  target_arns              = [%[2]q]
  load_balancing_algorithm = "LEAST_REQUESTS"
  tags                     = { team = "orders" }
}

resource "gatewayd_vpc_link" "other" {
  name        = "%[1]s-other"
  target_arns = [%[3]q]
}

data "gatewayd_vpc_link" "test" {
  name = gatewayd_vpc_link.link.name
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
  connection_id           = data.gatewayd_vpc_link.test.id
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration.get]
}
`, name, a.addr, b.addr)
	same := func(attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(data, tfjsonpath.New(attr), link, tfjsonpath.New(attr), compare.ValuesSame())
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					same("id"), same("arn"), same("target_arns"), same("status"), same("status_message"),
					same("health_check_interval_seconds"), same("unhealthy_threshold"), same("ejection_seconds"),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("description"), knownvalue.StringExact("found by name")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("load_balancing_algorithm"), knownvalue.StringExact("LEAST_REQUESTS")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("orders")})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("status"), knownvalue.StringExact("AVAILABLE")),
				},
				// Only the link found by name serves: backend b is the other link's.
				Check: testAccVPCLinkServes(4, "a"),
			},
			{
				Config: `
data "gatewayd_vpc_link" "missing" {
  name = "` + name + `-missing"
}
`,
				ExpectError: regexp.MustCompile(`No VPC Link Found`),
			},
		},
	})
}
