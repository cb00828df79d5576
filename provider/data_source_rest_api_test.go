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

func TestAccDataSourceRestAPI_Basic(t *testing.T) {
	t.Parallel()
	// Tests share one gatewayd, so the name must be this test's own.
	name := acctest.RandomWithPrefix("ds-rest-api")
	const data, api = "data.gatewayd_rest_api.test", "gatewayd_rest_api.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name               = %[1]q
  description        = "found by name"
  api_key_source     = "AUTHORIZER"
  binary_media_types = ["image/png"]
  tags               = { team = "platform" }
}

resource "gatewayd_rest_api" "other" {
  name = "%[1]s-other"
}

data "gatewayd_rest_api" "test" {
  name = gatewayd_rest_api.test.name
}
`, name),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(data, tfjsonpath.New("id"), api, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("root_resource_id"), api, tfjsonpath.New("root_resource_id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(data, tfjsonpath.New("created_date"), api, tfjsonpath.New("created_date"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("name"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("description"), knownvalue.StringExact("found by name")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("api_key_source"), knownvalue.StringExact("AUTHORIZER")),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("binary_media_types"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("image/png")})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("platform")})),
					statecheck.ExpectKnownValue(data, tfjsonpath.New("created_date"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
				},
			},
		},
	})
}

func TestAccDataSourceRestAPI_NotFound(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "ds-rest-api-present"
}

data "gatewayd_rest_api" "test" {
  name       = %q
  depends_on = [gatewayd_rest_api.test]
}
`, acctest.RandomWithPrefix("ds-rest-api-absent")),
				ExpectError: regexp.MustCompile(`No REST API Found`),
			},
		},
	})
}

func TestAccDataSourceRestAPI_Multiple(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_rest_api" "one" {
  name = %[1]q
}

resource "gatewayd_rest_api" "two" {
  name = %[1]q
}

data "gatewayd_rest_api" "test" {
  name       = %[1]q
  depends_on = [gatewayd_rest_api.one, gatewayd_rest_api.two]
}
`, acctest.RandomWithPrefix("ds-rest-api-twice")),
				// The message names both ids.
				ExpectError: regexp.MustCompile(`(?s)Multiple REST APIs Found.*2 REST APIs named.*ids\s+[a-z0-9]{10},\s+[a-z0-9]{10}\)`),
			},
		},
	})
}

func TestAccDataSourceRestAPI_InvalidConfig(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `data "gatewayd_rest_api" "bad" {` + "\n" + `name = ""` + "\n}",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Length.*name`),
			},
		},
	})
}
