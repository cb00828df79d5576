package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func testAccModelConfig(petSchema string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "models"
}

resource "gatewayd_model" "pet" {
  rest_api_id  = gatewayd_rest_api.test.id
  name         = "Pet"
  description  = "One pet"
  content_type = "application/json"
  schema       = %q
}

resource "gatewayd_model" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  name        = "Pets"
  schema = jsonencode({
    type  = "array"
    items = { "$ref" = "https://apigateway.amazonaws.com/restapis/${gatewayd_rest_api.test.id}/models/${gatewayd_model.pet.name}" }
  })
}
`, petSchema)
}

func TestAccModel_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_model.pet"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccModelConfig(`{"type": "object", "required": ["name"]}`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("schema"), knownvalue.StringExact(`{"type": "object", "required": ["name"]}`)),
					statecheck.ExpectKnownValue("gatewayd_model.pets", tfjsonpath.New("content_type"), knownvalue.StringExact("application/json")),
				},
			},
			// ImportState
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources[addr]
					return rs.Primary.Attributes["rest_api_id"] + "/Pet", nil
				},
			},
			// Update and Read
			{
				Config:            testAccModelConfig(`{"type": "object", "required": ["name", "type"]}`),
				ConfigPlanChecks:  expectAction(addr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(addr, tfjsonpath.New("schema"), knownvalue.StringExact(`{"type": "object", "required": ["name", "type"]}`))},
			},
		},
	})
}

func TestAccModel_InvalidSchema(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Caught at plan time: not JSON, not draft 4.
			{Config: testAccModelConfig(`{"type": `), PlanOnly: true, ExpectError: regexp.MustCompile(`Invalid Model Schema`)},
			{Config: testAccModelConfig(`{"type": "objekt"}`), PlanOnly: true, ExpectError: regexp.MustCompile(`Invalid Model Schema`)},
			// Caught by gatewayd at apply: a reference to a model the API does not have.
			{
				Config:      testAccModelConfig(`{"$ref": "https://apigateway.amazonaws.com/restapis/nope000000/models/Other"}`),
				ExpectError: wrappedRE(`is not a model of this rest api`),
			},
		},
	})
}
