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
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// testAccAPIKeysConfig: two keys of customer PREFIX-a ("alpha" disabled, with tags; "beta"), one of
// customer PREFIX-b. The customers are this test's own, since the test gatewayd is shared.
func testAccAPIKeysConfig(prefix string) string {
	return fmt.Sprintf(`
resource "gatewayd_api_key" "alpha" {
  name        = "%[1]s-alpha"
  description = "first of a"
  enabled     = false
  customer_id = "%[1]s-a"
  tags        = { tier = "gold" }
}

resource "gatewayd_api_key" "beta" {
  name        = "%[1]s-beta"
  customer_id = "%[1]s-a"
}

resource "gatewayd_api_key" "other" {
  name        = "%[1]s-other"
  customer_id = "%[1]s-b"
}
`, prefix)
}

// TestAccDataSourceAPIKeys_Basic: with customer_id the data source lists exactly that customer's keys,
// ordered by name, with the resources' values and no value; without it, every key (these three among
// others); a customer without keys gives [].
func TestAccDataSourceAPIKeys_Basic(t *testing.T) {
	t.Parallel()
	prefix := acctest.RandomWithPrefix("ds-api-keys")
	const data = "data.gatewayd_api_keys.a"
	config := testAccAPIKeysConfig(prefix) + fmt.Sprintf(`
data "gatewayd_api_keys" "a" {
  customer_id    = "%[1]s-a"
  include_values = false
  depends_on     = [gatewayd_api_key.alpha, gatewayd_api_key.beta, gatewayd_api_key.other]
}

data "gatewayd_api_keys" "all" {
  depends_on = [gatewayd_api_key.alpha, gatewayd_api_key.beta, gatewayd_api_key.other]
}

data "gatewayd_api_keys" "nobody" {
  customer_id = "%[1]s-nobody"
}
`, prefix)
	item := func(i int, attr string) tfjsonpath.Path {
		return tfjsonpath.New("items").AtSliceIndex(i).AtMapKey(attr)
	}
	var checks []statecheck.StateCheck
	for i, key := range []string{"gatewayd_api_key.alpha", "gatewayd_api_key.beta"} {
		for _, attr := range []string{"id", "name", "description", "enabled", "created_date", "last_updated_date", "customer_id", "tags"} {
			checks = append(checks, statecheck.CompareValuePairs(data, item(i, attr), key, tfjsonpath.New(attr), compare.ValuesSame()))
		}
	}
	checks = append(checks,
		statecheck.ExpectKnownValue(data, tfjsonpath.New("id"), knownvalue.StringExact("api_keys/"+prefix+"-a")),
		statecheck.ExpectKnownValue(data, tfjsonpath.New("items"), knownvalue.ListSizeExact(2)),
		statecheck.ExpectKnownValue(data, item(0, "name"), knownvalue.StringExact(prefix+"-alpha")),
		statecheck.ExpectKnownValue(data, item(0, "description"), knownvalue.StringExact("first of a")),
		statecheck.ExpectKnownValue(data, item(0, "enabled"), knownvalue.Bool(false)),
		statecheck.ExpectKnownValue(data, item(0, "customer_id"), knownvalue.StringExact(prefix+"-a")),
		statecheck.ExpectKnownValue(data, item(0, "tags"), knownvalue.MapExact(map[string]knownvalue.Check{"tier": knownvalue.StringExact("gold")})),
		statecheck.ExpectKnownValue(data, item(0, "stage_keys"), knownvalue.ListExact([]knownvalue.Check{})),
		statecheck.ExpectKnownValue(data, item(0, "created_date"), knownvalue.StringRegexp(rfc3339RE)),
		statecheck.ExpectKnownValue(data, item(1, "name"), knownvalue.StringExact(prefix+"-beta")),
		statecheck.ExpectKnownValue(data, item(1, "enabled"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue("data.gatewayd_api_keys.all", tfjsonpath.New("id"), knownvalue.StringExact("api_keys")),
		statecheck.ExpectKnownValue("data.gatewayd_api_keys.nobody", tfjsonpath.New("items"), knownvalue.ListExact([]knownvalue.Check{})),
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigPlanChecks:  emptyPlanAfterApply,
				ConfigStateChecks: checks,
				Check: func(s *terraform.State) error {
					res := s.RootModule().Resources
					// Without a filter the three keys are listed, among the other tests' keys.
					all := res["data.gatewayd_api_keys.all"].Primary.Attributes
					listed := map[string]bool{}
					for i := 0; all[fmt.Sprintf("items.%d.id", i)] != ""; i++ {
						listed[all[fmt.Sprintf("items.%d.id", i)]] = true
					}
					for _, k := range []string{"gatewayd_api_key.alpha", "gatewayd_api_key.beta", "gatewayd_api_key.other"} {
						if !listed[res[k].Primary.ID] {
							return fmt.Errorf("%s (%s) is not among the %d keys listed without a filter", k, res[k].Primary.ID, len(listed))
						}
					}
					// No item has a value.
					for attr := range res[data].Primary.Attributes {
						if regexp.MustCompile(`^items\.\d+\.value$`).MatchString(attr) {
							return fmt.Errorf("data source has a value attribute %s", attr)
						}
					}
					return nil
				},
			},
		},
	})
}

// TestAccDataSourceAPIKeys_InvalidConfig: include_values = true and an empty customer_id are refused at
// plan time, saying why.
func TestAccDataSourceAPIKeys_InvalidConfig(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
data "gatewayd_api_keys" "values" {
  include_values = true
}
`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)API Key Values Are Not Readable.*hash`),
			},
			{
				Config:      `data "gatewayd_api_keys" "bad" {` + "\n" + `customer_id = ""` + "\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Length.*customer_id`),
			},
		},
	})
}
