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

func TestAccDataSourceUsagePlan_Basic(t *testing.T) {
	t.Parallel()
	// Tests share one gatewayd, so the name must be this test's own.
	name := acctest.RandomWithPrefix("ds-usage-plan")
	const data, plan = "data.gatewayd_usage_plan.test", "gatewayd_usage_plan.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "ds-usage-plan"
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "prod"
  auto_deploy = true
}

resource "gatewayd_usage_plan" "test" {
  name        = %[1]q
  description = "found by name"
  tags        = { tier = "gold" }

  api_stages {
    api_id = gatewayd_rest_api.test.id
    stage  = gatewayd_stage.test.stage_name
    throttle {
      path        = "/items/GET"
      rate_limit  = 2.5
      burst_limit = 3
    }
  }

  quota_settings {
    limit  = 100
    period = "MONTH"
    offset = 4
  }

  throttle_settings {
    rate_limit  = 7
    burst_limit = 9
  }
}

resource "gatewayd_usage_plan" "other" {
  name = "%[1]s-other"
}

data "gatewayd_usage_plan" "test" {
  name = gatewayd_usage_plan.test.name
}
`, name),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(data, tfjsonpath.New("id"), plan, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("quota_settings"), plan, tfjsonpath.New("quota_settings"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("throttle_settings"), plan, tfjsonpath.New("throttle_settings"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("api_stages"), plan, tfjsonpath.New("api_stages"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("description"), knownvalue.StringExact("found by name")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"tier": knownvalue.StringExact("gold")})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("quota_settings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"limit": knownvalue.Int64Exact(100), "period": knownvalue.StringExact("MONTH"), "offset": knownvalue.Int64Exact(4)}),
					})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("throttle_settings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"rate_limit": knownvalue.Float64Exact(7), "burst_limit": knownvalue.Int64Exact(9)}),
					})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("api_stages"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"api_id": knownvalue.StringRegexp(idRE),
							"stage":  knownvalue.StringExact("prod"),
							"throttle": knownvalue.SetExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
								"path": knownvalue.StringExact("/items/GET"), "rate_limit": knownvalue.Float64Exact(2.5), "burst_limit": knownvalue.Int64Exact(3),
							})}),
						}),
					})),
				},
			},
		},
	})
}

// A plan without throttle or quota has empty lists for them.
func TestAccDataSourceUsagePlan_NoLimits(t *testing.T) {
	t.Parallel()
	name := acctest.RandomWithPrefix("ds-usage-plan-bare")
	const data = "data.gatewayd_usage_plan.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_usage_plan" "test" {
  name = %q
}

data "gatewayd_usage_plan" "test" {
  name = gatewayd_usage_plan.test.name
}
`, name),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(data, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("quota_settings"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("throttle_settings"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("api_stages"), knownvalue.SetExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

func TestAccDataSourceUsagePlan_NotFound(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_usage_plan" "test" {
  name = "ds-usage-plan-present"
}

data "gatewayd_usage_plan" "test" {
  name       = %q
  depends_on = [gatewayd_usage_plan.test]
}
`, acctest.RandomWithPrefix("ds-usage-plan-absent")),
				ExpectError: regexp.MustCompile(`No Usage Plan Found`),
			},
		},
	})
}

func TestAccDataSourceUsagePlan_Multiple(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_usage_plan" "one" {
  name = %[1]q
}

resource "gatewayd_usage_plan" "two" {
  name = %[1]q
}

data "gatewayd_usage_plan" "test" {
  name       = %[1]q
  depends_on = [gatewayd_usage_plan.one, gatewayd_usage_plan.two]
}
`, acctest.RandomWithPrefix("ds-usage-plan-twice")),
				// The message names both ids.
				ExpectError: regexp.MustCompile(`(?s)Multiple Usage Plans Found.*2 usage plans named.*ids\s+[a-z0-9]{10},\s+[a-z0-9]{10}\)`),
			},
		},
	})
}

func TestAccDataSourceUsagePlan_InvalidConfig(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `data "gatewayd_usage_plan" "bad" {` + "\n" + `name = ""` + "\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Length.*name`),
			},
		},
	})
}
