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

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// testAccUsagePlanStages is an API with two auto-deploy stages for plans to attach to.
const testAccUsagePlanStages = `
resource "gatewayd_rest_api" "test" {
  name = "usage-plan-test"
}

resource "gatewayd_stage" "dev" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "dev"
  auto_deploy = true
}

resource "gatewayd_stage" "prod" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "prod"
  auto_deploy = true
}
`

const testAccUsagePlanDevStage = `
  api_stages {
    api_id = gatewayd_rest_api.test.id
    stage  = gatewayd_stage.dev.stage_name
  }
`

const testAccUsagePlanProdStage = `
  api_stages {
    api_id = gatewayd_rest_api.test.id
    stage  = gatewayd_stage.prod.stage_name
    throttle {
      path        = "/items/GET"
      rate_limit  = 5
      burst_limit = 10
    }
    throttle {
      path       = "/items/POST"
      rate_limit = 0.5
    }
  }
`

func testAccUsagePlanConfig(body string) string {
	return testAccUsagePlanStages + `
resource "gatewayd_usage_plan" "test" {
  name = "usage-plan-basic"
` + body + `
}
`
}

// The AWS provider's full block syntax.
var testAccUsagePlanFull = `
  description = "first"
  tags        = { tier = "gold" }
` + testAccUsagePlanDevStage + testAccUsagePlanProdStage + `
  quota_settings {
    limit  = 1000
    offset = 2
    period = "WEEK"
  }

  throttle_settings {
    burst_limit = 20
    rate_limit  = 10
  }
`

func TestAccUsagePlan_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_usage_plan.test"
	var planID, apiID string
	stageCheck := func(stage string, throttle knownvalue.Check) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"api_id":   knownvalue.StringRegexp(idRE),
			"stage":    knownvalue.StringExact(stage),
			"throttle": throttle,
		})
	}
	prodThrottle := knownvalue.SetExact([]knownvalue.Check{
		knownvalue.ObjectExact(map[string]knownvalue.Check{"path": knownvalue.StringExact("/items/GET"), "rate_limit": knownvalue.Float64Exact(5), "burst_limit": knownvalue.Int64Exact(10)}),
		knownvalue.ObjectExact(map[string]knownvalue.Check{"path": knownvalue.StringExact("/items/POST"), "rate_limit": knownvalue.Float64Exact(0.5), "burst_limit": knownvalue.Int64Exact(0)}),
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read, with every block.
			{
				Config:           testAccUsagePlanConfig(testAccUsagePlanFull),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/usageplans/[a-z0-9]{10}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("first")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"tier": knownvalue.StringExact("gold")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quota_settings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"limit": knownvalue.Int64Exact(1000), "period": knownvalue.StringExact("WEEK"), "offset": knownvalue.Int64Exact(2)}),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("throttle_settings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"rate_limit": knownvalue.Float64Exact(10), "burst_limit": knownvalue.Int64Exact(20)}),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_stages"), knownvalue.SetExact([]knownvalue.Check{
						stageCheck("dev", knownvalue.SetExact([]knownvalue.Check{})),
						stageCheck("prod", prodThrottle),
					})),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "id", &planID),
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
				),
			},
			// ImportState by ID.
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			// The same stages in the other order (and throttles reordered): nothing to do.
			{
				Config: testAccUsagePlanConfig(`
  description = "first"
  tags        = { tier = "gold" }
` + `
  api_stages {
    api_id = gatewayd_rest_api.test.id
    stage  = gatewayd_stage.prod.stage_name
    throttle {
      path       = "/items/POST"
      rate_limit = 0.5
    }
    throttle {
      path        = "/items/GET"
      rate_limit  = 5
      burst_limit = 10
    }
  }
` + testAccUsagePlanDevStage + `
  throttle_settings {
    rate_limit  = 10
    burst_limit = 20
  }

  quota_settings {
    limit  = 1000
    period = "WEEK"
    offset = 2
  }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			// Update in place: a stage and the throttle go, the quota changes.
			{
				Config: testAccUsagePlanConfig(`
  description = "second"
` + testAccUsagePlanProdStage + `
  quota_settings {
    limit  = 50
    period = "MONTH"
    offset = 27
  }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringFunc(func(v string) error {
						if v != planID {
							return fmt.Errorf("plan id changed from %s to %s", planID, v)
						}
						return nil
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("throttle_settings"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quota_settings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"limit": knownvalue.Int64Exact(50), "period": knownvalue.StringExact("MONTH"), "offset": knownvalue.Int64Exact(27)}),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_stages"), knownvalue.SetExact([]knownvalue.Check{stageCheck("prod", prodThrottle)})),
					statecheck.CompareValueCollection(addr, []tfjsonpath.Path{tfjsonpath.New("api_stages"), tfjsonpath.New("api_id")},
						"gatewayd_rest_api.test", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: func(*terraform.State) error { return checkPlanIsStored(planID) },
			},
			// Drift through the admin API shows in the plan; apply restores it.
			{
				PreConfig: func() {
					p, err := testClient.GetUsagePlan(context.Background(), planID)
					mustDo(t, err)
					p.Quota.Limit = 999
					p.Throttle = &model.ThrottleSettings{RateLimit: 1, BurstLimit: 1}
					p.APIStages = append(p.APIStages, model.UsagePlanStage{APIID: apiID, Stage: "dev"})
					_, err = testClient.UpdateUsagePlan(context.Background(), planID, p)
					mustDo(t, err)
				},
				Config: testAccUsagePlanConfig(`
  description = "second"
` + testAccUsagePlanProdStage + `
  quota_settings {
    limit  = 50
    period = "MONTH"
    offset = 27
  }
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					p, err := testClient.GetUsagePlan(context.Background(), planID)
					if err != nil {
						return err
					}
					if p.Throttle != nil || p.Quota == nil || p.Quota.Limit != 50 || len(p.APIStages) != 1 {
						return fmt.Errorf("after apply, plan = %+v, want no throttle, quota 50 and one stage", p)
					}
					return nil
				},
			},
			// Deleted outside Terraform: planned for creation.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteUsagePlan(context.Background(), planID))
				},
				Config:           testAccUsagePlanConfig(""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}

// checkPlanIsStored checks that gatewayd has the plan, with nothing the configuration left out.
func checkPlanIsStored(id string) error {
	p, err := testClient.GetUsagePlan(context.Background(), id)
	if err != nil {
		return err
	}
	if p.Throttle != nil {
		return fmt.Errorf("plan %s has throttle %+v, want none (no throttle_settings block)", id, *p.Throttle)
	}
	return nil
}

// A plan with no blocks at all has no throttle and no quota, and plans no diff.
func TestAccUsagePlan_NoBlocks(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_usage_plan.test"
	var planID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "gatewayd_usage_plan" "test" {
  name = "usage-plan-bare"
}
`,
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_stages"), knownvalue.SetExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quota_settings"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("throttle_settings"), knownvalue.ListExact([]knownvalue.Check{})),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "id", &planID),
					func(*terraform.State) error {
						p, err := testClient.GetUsagePlan(context.Background(), planID)
						if err != nil {
							return err
						}
						if p.Throttle != nil || p.Quota != nil {
							return fmt.Errorf("plan without blocks has throttle %v and quota %v, want nil", p.Throttle, p.Quota)
						}
						return nil
					},
				),
			},
			// A block with only its required attributes takes the defaults.
			{
				Config: `
resource "gatewayd_usage_plan" "test" {
  name = "usage-plan-bare"
  quota_settings {
    limit  = 5
    period = "DAY"
  }
  throttle_settings {
    rate_limit = 3
  }
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("quota_settings").AtSliceIndex(0).AtMapKey("offset"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("throttle_settings").AtSliceIndex(0).AtMapKey("burst_limit"), knownvalue.Int64Exact(0)),
				},
			},
		},
	})
}

func TestAccUsagePlan_InvalidConfig(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		body string
		want *regexp.Regexp
	}{
		"bad period":       {"quota_settings {\n limit = 1\n period = \"YEAR\"\n}", regexp.MustCompile(`(?s)quota_settings\[0\]\.period.*DAY`)},
		"week offset":      {"quota_settings {\n limit = 1\n period = \"WEEK\"\n offset = 7\n}", regexp.MustCompile(`(?s)Invalid Quota Offset.*offset = 7.*quota_settings.offset must be between 0 and 6 for period WEEK`)},
		"day offset":       {"quota_settings {\n limit = 1\n period = \"DAY\"\n offset = 1\n}", regexp.MustCompile(`(?s)Invalid Quota Offset.*between 0 and 0 for period DAY`)},
		"negative limit":   {"quota_settings {\n limit = -1\n period = \"DAY\"\n}", regexp.MustCompile(`(?s)quota_settings\[0\]\.limit`)},
		"two quotas":       {"quota_settings {\n limit = 1\n period = \"DAY\"\n}\nquota_settings {\n limit = 2\n period = \"DAY\"\n}", regexp.MustCompile(`(?s)quota_settings.*at most 1`)},
		"two throttles":    {"throttle_settings {\n rate_limit = 1\n}\nthrottle_settings {\n rate_limit = 2\n}", regexp.MustCompile(`(?s)throttle_settings.*at most 1`)},
		"negative rate":    {"throttle_settings {\n rate_limit = -1\n}", regexp.MustCompile(`(?s)throttle_settings\[0\]\.rate_limit`)},
		"bad method path":  {"api_stages {\n api_id = \"abcdefghij\"\n stage = \"prod\"\n throttle {\n path = \"items/GET\"\n }\n}", regexp.MustCompile(`(?s)path.*must look like /resource/path/VERB`)},
		"duplicate stages": {"api_stages {\n api_id = \"abcdefghij\"\n stage = \"prod\"\n}\napi_stages {\n api_id = \"abcdefghij\"\n stage = \"prod\"\n throttle {\n path = \"/a/GET\"\n }\n}", regexp.MustCompile(`(?s)Duplicate Usage Plan Stage.*api_stages`)},
		"empty name":       {"", regexp.MustCompile(`(?s)name`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			planName := "p"
			if name == "empty name" {
				planName = ""
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					PlanOnly:    true,
					Config:      fmt.Sprintf("resource \"gatewayd_usage_plan\" \"bad\" {\n  name = %q\n%s\n}\n", planName, tc.body),
					ExpectError: tc.want,
				}},
			})
		})
	}
}
