package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// testAccStageConfig has two deployments and a stage serving one of them.
func testAccStageConfig(deployment, description, variable string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "stage-test"
}

resource "gatewayd_deployment" "one" {
  rest_api_id = gatewayd_rest_api.test.id
  description = "one"
}

resource "gatewayd_deployment" "two" {
  rest_api_id = gatewayd_rest_api.test.id
  description = "two"
}

resource "gatewayd_stage" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  stage_name    = "prod"
  deployment_id = gatewayd_deployment.%[1]s.id
  description   = %[2]q
  variables     = { backend = %[3]q }
}

data "gatewayd_stage" "test" {
  rest_api_id = gatewayd_stage.test.rest_api_id
  stage_name  = gatewayd_stage.test.stage_name
}
`, deployment, description, variable)
}

// stageHistoryReasons returns the reasons of a stage's deployment changes, oldest first.
func stageHistoryReasons(apiID, stage string) ([]string, error) {
	hist, err := testClient.StageHistory(context.Background(), apiID, stage)
	var out []string
	for _, h := range hist {
		out = append(out, h.Reason)
	}
	return out, err
}

func TestAccStage_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_stage.test"
	var apiID, dep1, dep2 string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccStageConfig("one", "first", "a.example"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("stage_name"), knownvalue.StringExact("prod")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("auto_deploy"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("variables"), knownvalue.MapExact(map[string]knownvalue.Check{"backend": knownvalue.StringExact("a.example")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("invoke_url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://127\.0\.0\.1:\d+/[a-z0-9]{10}/prod$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/restapis/[a-z0-9]{10}/stages/prod$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("execution_arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:execute-api:us-east-1:000000000000:[a-z0-9]{10}/prod$`))),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					captureAttr("gatewayd_deployment.one", "id", &dep1),
					captureAttr("gatewayd_deployment.two", "id", &dep2),
					resource.TestCheckResourceAttrPair(addr, "deployment_id", "gatewayd_deployment.one", "id"),
					resource.TestCheckResourceAttrPair("data.gatewayd_stage.test", "deployment_id", "gatewayd_deployment.one", "id"),
					resource.TestCheckResourceAttrPair("data.gatewayd_stage.test", "invoke_url", addr, "invoke_url"),
				),
			},
			// ImportState with the AWS provider's ID form.
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return apiID + "/prod", nil },
			},
			// Update in place: description, variables and the deployment (a release).
			{
				Config: testAccStageConfig("two", "second", "b.example"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.TestCheckResourceAttrPair(addr, "deployment_id", "gatewayd_deployment.two", "id"),
			},
			// Rollback: pointing back at the earlier deployment is recorded as one.
			{
				Config:           testAccStageConfig("one", "second", "b.example"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(*terraform.State) error {
					got, err := stageHistoryReasons(apiID, "prod")
					if err != nil {
						return err
					}
					if diff := cmp.Diff([]string{"create", "update", "rollback"}, got); diff != "" {
						return fmt.Errorf("stage history reasons (-want +got):\n%s", diff)
					}
					return nil
				},
			},
			// Drift through the admin API shows in the plan; apply restores it.
			{
				PreConfig: func() {
					st, err := testClient.GetStage(context.Background(), apiID, "prod")
					mustDo(t, err)
					st.Variables = map[string]string{"backend": "drifted.example"}
					st.DeploymentID = dep2
					_, err = testClient.UpdateStage(context.Background(), apiID, "prod", st)
					mustDo(t, err)
				},
				Config:           testAccStageConfig("one", "second", "b.example"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "variables.backend", "b.example"),
					resource.TestCheckResourceAttrPtr(addr, "deployment_id", &dep1),
				),
			},
			// Deleted outside Terraform: planned for creation.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteStage(context.Background(), apiID, "prod"))
				},
				Config:           testAccStageConfig("one", "second", "b.example"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}

func TestAccStage_InvalidConfig(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		stageName, body string
		want            *regexp.Regexp
	}{
		"auto deploy with a deployment": {"prod", "auto_deploy = true\n  deployment_id = \"abcdefghij\"", regexp.MustCompile(`deployment_id must not be set when auto_deploy is true`)},
		"neither":                       {"prod", "", regexp.MustCompile(`deployment_id is required unless auto_deploy is true`)},
		"bad name":                      {"no spaces allowed", "auto_deploy = true", regexp.MustCompile(`stage_name`)},
		"bad variable name":             {"prod", "auto_deploy = true\n  variables = { \"bad-name\" = \"x\" }", regexp.MustCompile(`variables`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					// Plan only: these must be caught before anything is sent to gatewayd.
					PlanOnly: true,
					Config: fmt.Sprintf(`
resource "gatewayd_stage" "bad" {
  rest_api_id = "abcdefghij"
  stage_name  = %q
  %s
}
`, tc.stageName, tc.body),
					ExpectError: tc.want,
				}},
			})
		})
	}
}

func TestAccStage_RenameReplaces(t *testing.T) {
	t.Parallel()
	config := func(name string) string {
		return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "stage-rename"
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = %q
  auto_deploy = true
}
`, name)
	}
	const addr = "gatewayd_stage.test"
	var apiID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config("beta"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            captureAttr("gatewayd_rest_api.test", "id", &apiID),
			},
			{
				Config: config("gamma"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					stages, err := testClient.ListStages(context.Background(), apiID)
					if err != nil {
						return err
					}
					if len(stages) != 1 || stages[0].StageName != "gamma" {
						return fmt.Errorf("stages after rename = %+v, want only gamma", stages)
					}
					return nil
				},
			},
		},
	})
}
