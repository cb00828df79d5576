package provider

import (
	"fmt"
	"regexp"
	"strings"
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

`, name, a.addr, b.addr) +
		// The API of the resource test, its integration taking the data source's id.
		apiOnly(strings.Replace(testAccVPCLinkAPIConfig(name, []string{a.addr}, ""),
			"connection_id           = gatewayd_vpc_link.test.id", "connection_id           = data.gatewayd_vpc_link.test.id", 1))
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

// apiOnly drops the leading gatewayd_vpc_link block of a testAccVPCLinkAPIConfig configuration.
func apiOnly(config string) string {
	return config[strings.Index(config, `resource "gatewayd_rest_api"`):]
}
