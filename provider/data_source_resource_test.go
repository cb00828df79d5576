package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const testAccDataSourceResourceBase = `
resource "gatewayd_rest_api" "test" {
  name = "ds-resource"
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_resource.pets.id
  path_part   = "{petId}"
}
`

func TestAccDataSourceResource_Basic(t *testing.T) {
	t.Parallel()
	const pet, root = "data.gatewayd_resource.pet", "data.gatewayd_resource.root"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccDataSourceResourceBase + `
data "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.test.id
  path        = "/pets/{petId}"
  depends_on  = [gatewayd_resource.pet]
}

data "gatewayd_resource" "root" {
  rest_api_id = gatewayd_rest_api.test.id
  path        = "/"
}
`,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(pet, tfjsonpath.New("id"), "gatewayd_resource.pet", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(pet, tfjsonpath.New("parent_id"), "gatewayd_resource.pets", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(pet, tfjsonpath.New("path_part"), knownvalue.StringExact("{petId}")),
					statecheck.ExpectKnownValue(pet, tfjsonpath.New("path"), knownvalue.StringExact("/pets/{petId}")),
					statecheck.CompareValuePairs(root, tfjsonpath.New("id"), "gatewayd_rest_api.test", tfjsonpath.New("root_resource_id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(root, tfjsonpath.New("parent_id"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(root, tfjsonpath.New("path_part"), knownvalue.StringExact("")),
				},
			},
		},
	})
}

func TestAccDataSourceResource_NotFound(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccDataSourceResourceBase + `
data "gatewayd_resource" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  path        = "/pets/{petId}/toys"
  depends_on  = [gatewayd_resource.pet]
}
`,
				ExpectError: regexp.MustCompile(`(?s)No Resource Found.*/pets/\{petId\}/toys`),
			},
		},
	})
}

func TestAccDataSourceResource_InvalidConfig(t *testing.T) {
	t.Parallel()
	cfg := func(path string) string {
		return `
data "gatewayd_resource" "bad" {
  rest_api_id = "a1b2c3d4e5"
  path        = "` + path + `"
}
`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("pets"), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*path`)},
			{Config: cfg("/pets/"), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*path`)},
		},
	})
}
