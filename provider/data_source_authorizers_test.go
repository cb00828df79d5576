package provider

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccDataSourceAuthorizers_Basic: the data source lists exactly the ids of an API's two authorizers,
// in ascending order, and [] for an API without any; an unknown API is refused, naming it.
func TestAccDataSourceAuthorizers_Basic(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("ds-authorizers")
	const data, none = "data.gatewayd_authorizers.test", "data.gatewayd_authorizers.none"
	config := testAccAuthorizersConfig(name) + fmt.Sprintf(`
resource "gatewayd_rest_api" "none" {
  name = "%[1]s-none"
}

data "gatewayd_authorizers" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  depends_on  = [gatewayd_authorizer.request, gatewayd_authorizer.cognito]
}

data "gatewayd_authorizers" "none" {
  rest_api_id = gatewayd_rest_api.none.id
}
`, name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(data, tfjsonpath.New("id"), "gatewayd_rest_api.test", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(none, tfjsonpath.New("ids"), knownvalue.ListExact([]knownvalue.Check{})),
				},
				Check: func(s *terraform.State) error {
					res := s.RootModule().Resources
					want := []string{res["gatewayd_authorizer.request"].Primary.ID, res["gatewayd_authorizer.cognito"].Primary.ID}
					slices.Sort(want)
					attrs := res[data].Primary.Attributes
					got := []string{attrs["ids.0"], attrs["ids.1"]}
					if attrs["ids.#"] != "2" || !slices.Equal(got, want) {
						return fmt.Errorf("ids = %s %v, want 2 %v", attrs["ids.#"], got, want)
					}
					return nil
				},
			},
			{
				Config: `
data "gatewayd_authorizers" "missing" {
  rest_api_id = "zzzzzzzzzz"
}
`,
				ExpectError: regexp.MustCompile(`(?s)No REST API Found.*"zzzzzzzzzz"`),
			},
		},
	})
}
