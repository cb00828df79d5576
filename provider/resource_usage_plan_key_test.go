package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// testAccUsagePlanKeyConfig has two keys and a plan; key names the key attached to the plan.
func testAccUsagePlanKeyConfig(key string) string {
	return fmt.Sprintf(`
resource "gatewayd_api_key" "one" {
  name = "plan-key-one"
}

resource "gatewayd_api_key" "two" {
  name = "plan-key-two"
}

resource "gatewayd_usage_plan" "test" {
  name = "plan-key-test"
}

resource "gatewayd_usage_plan_key" "test" {
  key_id        = gatewayd_api_key.%s.id
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.test.id
}
`, key)
}

func TestAccUsagePlanKey_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_usage_plan_key.test"
	var planID, keyID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read.
			{
				Config:           testAccUsagePlanKeyConfig("one"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]{10}/[a-z0-9]{10}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("key_type"), knownvalue.StringExact("API_KEY")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("plan-key-one")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.Null()),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("key_id"), "gatewayd_api_key.one", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("usage_plan_id"), "gatewayd_usage_plan.test", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "usage_plan_id", &planID),
					captureAttr(addr, "key_id", &keyID),
				),
			},
			// ImportState with USAGE_PLAN_ID/KEY_ID.
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return planID + "/" + keyID, nil },
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "no-slash",
				ExpectError:       regexp.MustCompile(`(?s)Invalid Import ID.*USAGE_PLAN_ID/KEY_ID`),
				ImportStateVerify: false,
			},
			// Another key replaces the attachment.
			{
				Config: testAccUsagePlanKeyConfig("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("plan-key-two")),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "key_id", &keyID),
					func(*terraform.State) error {
						keys, err := testClient.ListUsagePlanKeys(context.Background(), planID)
						if err != nil {
							return err
						}
						if len(keys) != 1 || keys[0].KeyID != keyID {
							return fmt.Errorf("plan keys = %+v, want only %s", keys, keyID)
						}
						return nil
					},
				),
			},
			// Detached outside Terraform: planned for creation.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteUsagePlanKey(context.Background(), planID, keyID))
				},
				Config:           testAccUsagePlanKeyConfig("two"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
			// Deleting the key detaches it, which the plan shows the same way.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteAPIKey(context.Background(), keyID))
				},
				Config: testAccUsagePlanKeyConfig("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("gatewayd_api_key.two", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccUsagePlanKey_InvalidConfig(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PlanOnly: true,
			Config: `
resource "gatewayd_usage_plan_key" "bad" {
  key_id        = "abcdefghij"
  key_type      = "COGNITO"
  usage_plan_id = "klmnopqrst"
}
`,
			ExpectError: regexp.MustCompile(`(?s)key_type.*API_KEY`),
		}},
	})
}
