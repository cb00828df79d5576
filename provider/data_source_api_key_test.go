package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccDataSourceAPIKey_Basic(t *testing.T) {
	t.Parallel()
	const data, key = "data.gatewayd_api_key.test", "gatewayd_api_key.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "gatewayd_api_key" "test" {
  name        = "ds-api-key"
  description = "found by id"
  enabled     = false
  tags        = { team = "billing" }
  customer_id = "cust-ds-api-key"
}

data "gatewayd_api_key" "test" {
  id = gatewayd_api_key.test.id
}
`,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(data, tfjsonpath.New("id"), key, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("created_date"), key, tfjsonpath.New("created_date"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("last_updated_date"), key, tfjsonpath.New("last_updated_date"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("name"), knownvalue.StringExact("ds-api-key")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("description"), knownvalue.StringExact("found by id")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("enabled"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("billing")})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("created_date"), knownvalue.StringRegexp(rfc3339RE)),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("customer_id"), knownvalue.StringExact("cust-ds-api-key")),
				},
				// The data source never has the value.
				Check: func(s *terraform.State) error {
					if v, ok := s.RootModule().Resources[data].Primary.Attributes["value"]; ok {
						return fmt.Errorf("data source has a value attribute (%d characters)", len(v))
					}
					return nil
				},
			},
		},
	})
}

func TestAccDataSourceAPIKey_NotFound(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
data "gatewayd_api_key" "test" {
  id = "zzzzzzzzzz"
}
`,
				ExpectError: regexp.MustCompile(`(?s)No API Key Found.*"zzzzzzzzzz"`),
			},
		},
	})
}

func TestAccDataSourceAPIKey_InvalidConfig(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `data "gatewayd_api_key" "bad" {` + "\n" + `id = ""` + "\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Length.*id`),
			},
		},
	})
}
