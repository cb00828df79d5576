package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func testAccDeploymentConfig(description, trigger string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "deployment-test"
}

resource "gatewayd_deployment" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  description = %[1]q
  triggers    = { redeploy = %[2]q }
}
`, description, trigger)
}

func TestAccDeployment_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_deployment.test"
	var apiID, depID, firstID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccDeploymentConfig("v1", "a"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("v1")),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					captureAttr(addr, "id", &depID),
					captureAttr(addr, "id", &firstID),
				),
			},
			// ImportState: triggers live only in Terraform's state.
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"triggers"},
				ImportStateIdFunc:       func(*terraform.State) (string, error) { return apiID + "/" + depID, nil },
			},
			// Update in place: the description is the one mutable part.
			{
				Config: testAccDeploymentConfig("v1 renamed", "a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.TestCheckResourceAttrPtr(addr, "id", &firstID),
			},
			// Replace: a changed trigger takes a new snapshot.
			{
				Config: testAccDeploymentConfig("v1 renamed", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "id", &depID),
					func(*terraform.State) error {
						if depID == firstID {
							return fmt.Errorf("deployment id stayed %s after a trigger change", depID)
						}
						if _, err := testClient.GetDeployment(context.Background(), apiID, firstID); !client.IsNotFound(err) {
							return fmt.Errorf("replaced deployment %s still readable: %v", firstID, err)
						}
						return nil
					},
				),
			},
			// Drift through the admin API shows in the plan; apply restores it.
			{
				PreConfig: func() {
					_, err := testClient.UpdateDeployment(context.Background(), apiID, depID, model.Deployment{Description: "drifted"})
					mustDo(t, err)
				},
				Config:           testAccDeploymentConfig("v1 renamed", "b"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttr(addr, "description", "v1 renamed"),
			},
			// Deleted outside Terraform: planned for creation.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteDeployment(context.Background(), apiID, depID, false))
				},
				Config:           testAccDeploymentConfig("v1 renamed", "b"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}
