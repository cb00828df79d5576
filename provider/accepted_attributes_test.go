package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccAcceptedAttributes_StoredAndImported: the AWS attributes documented as having no meaning
// here (stage xray_tracing_enabled and web_acl_arn, api key customer_id, usage plan product_code)
// are stored by gatewayd, not dropped: they read back, plan quiet and survive an import.
func TestAccAcceptedAttributes_StoredAndImported(t *testing.T) {
	t.Parallel()
	const config = `
resource "gatewayd_rest_api" "test" {
  name = "acc-accepted-attributes"
}

resource "gatewayd_stage" "test" {
  rest_api_id          = gatewayd_rest_api.test.id
  stage_name           = "live"
  auto_deploy          = true
  xray_tracing_enabled = true
  web_acl_arn          = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0123"
}

resource "gatewayd_api_key" "test" {
  name        = "acc-accepted-attributes"
  customer_id = "marketplace-customer-1"
}

resource "gatewayd_usage_plan" "test" {
  name         = "acc-accepted-attributes"
  product_code = "prod-abc123"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("gatewayd_stage.test", "xray_tracing_enabled", "true"),
					resource.TestCheckResourceAttr("gatewayd_api_key.test", "description", "Managed by Terraform"),
				),
			},
			{ResourceName: "gatewayd_stage.test", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return s.RootModule().Resources["gatewayd_rest_api.test"].Primary.ID + "/live", nil
				}},
			{ResourceName: "gatewayd_api_key.test", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"value"}},
			{ResourceName: "gatewayd_usage_plan.test", ImportState: true, ImportStateVerify: true},
		},
	})
}
