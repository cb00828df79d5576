package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func testAccRestAPIConfig(name, description string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name               = %[1]q
  description        = %[2]q
  binary_media_types = ["image/png"]
  tags               = { team = "platform" }
}
`, name, description)
}

func TestAccRestAPI_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_rest_api.test"
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccRestAPIConfig("pets", "first"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("pets")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_key_source"), knownvalue.StringExact("HEADER")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("root_resource_id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/restapis/[a-z0-9]{10}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("execution_arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:execute-api:us-east-1:000000000000:[a-z0-9]{10}$`))),
				},
				Check: captureAttr(addr, "id", &id),
			},
			// ImportState
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Update and Read: in place, same id
			{
				Config:           testAccRestAPIConfig("pets-v2", "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}, PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("second")),
				},
				Check: resource.TestCheckResourceAttrPtr(addr, "id", &id),
			},
			// Drift made through the admin API shows in the plan and apply fixes it.
			{
				PreConfig: func() {
					a, err := testClient.GetRestAPI(context.Background(), id)
					mustDo(t, err)
					a.Description = "changed behind terraform's back"
					_, err = testClient.UpdateRestAPI(context.Background(), id, a)
					mustDo(t, err)
				},
				Config:           testAccRestAPIConfig("pets-v2", "second"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttr(addr, "description", "second"),
			},
			// Deleted outside Terraform: state drops it quietly and the plan creates it again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteRestAPI(context.Background(), id))
				},
				Config:           testAccRestAPIConfig("pets-v2", "second"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}

func TestAccRestAPI_InvalidConfig(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `resource "gatewayd_rest_api" "bad" {` + "\n" + `name = "x"` + "\n" + `api_key_source = "QUERY"` + "\n}",
				ExpectError: regexp.MustCompile(`api_key_source`),
				PlanOnly:    true,
			},
		},
	})
}
