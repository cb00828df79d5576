package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// taggedBackend answers its name and the X-Tag header the gateway sent it.
func taggedBackend(t *testing.T, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.Header.Get("X-Tag"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// testAccCanaryAPI is an API with GET /who proxied to uri, passing the stage variable tag as X-Tag.
func testAccCanaryAPI(name, uri string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = %[1]q
}

resource "gatewayd_resource" "who" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "who"
}

resource "gatewayd_method" "who" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.who.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "who" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.who.id
  http_method             = gatewayd_method.who.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = %[2]q
  request_parameters      = { "integration.request.header.X-Tag" = "stageVariables.tag" }
}
`, name, uri)
}

// countAnswers sends n requests to the stage's /who and counts each distinct answer.
func countAnswers(invokeURL string, n int) (map[string]int, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	out := map[string]int{}
	for range n {
		resp, err := c.Get(invokeURL + "/who")
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s/who = %d %s", invokeURL, resp.StatusCode, b)
		}
		out[string(b)]++
	}
	return out, nil
}

// expectAnswers checks the answers of n requests: only those in want, each within its bounds.
func expectAnswers(addr string, n int, want map[string][2]int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got, err := countAnswers(s.RootModule().Resources[addr].Primary.Attributes["invoke_url"], n)
		if err != nil {
			return err
		}
		for answer, count := range got {
			bounds, ok := want[answer]
			if !ok || count < bounds[0] || count > bounds[1] {
				return fmt.Errorf("%d requests: %v, want counts within %v", n, got, want)
			}
		}
		for answer, bounds := range want {
			if bounds[0] > 0 && got[answer] == 0 {
				return fmt.Errorf("%d requests: %v, want %q too", n, got, answer)
			}
		}
		return nil
	}
}

func TestAccStage_Canary(t *testing.T) {
	t.Parallel()
	backendA, backendB := taggedBackend(t, "A"), taggedBackend(t, "B")
	// Deployment a was made while the integration called A, b once it calls B.
	config := func(uri, stageDeployment, canary string) string {
		b := ""
		if uri == backendB {
			b = `
resource "gatewayd_deployment" "b" {
  rest_api_id = gatewayd_rest_api.test.id
  description = "b"
  depends_on  = [gatewayd_integration.who]
}
`
		}
		return testAccCanaryAPI("canary", uri) + b + fmt.Sprintf(`
resource "gatewayd_deployment" "a" {
  rest_api_id = gatewayd_rest_api.test.id
  description = "a"
  depends_on  = [gatewayd_integration.who]
}

resource "gatewayd_stage" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  stage_name    = "prod"
  deployment_id = gatewayd_deployment.%s.id
  variables     = { tag = "stable" }
  %s
}

data "gatewayd_stage" "test" {
  rest_api_id = gatewayd_stage.test.rest_api_id
  stage_name  = gatewayd_stage.test.stage_name
}
`, stageDeployment, canary)
	}
	const stage = "gatewayd_stage.test"
	canary10 := `canary_settings {
    deployment_id            = gatewayd_deployment.b.id
    percent_traffic          = 10
    stage_variable_overrides = { tag = "canary" }
  }`
	var apiID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config(backendA, "a", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					resource.TestCheckResourceAttr(stage, "canary_settings.#", "0"),
					expectAnswers(stage, 20, map[string][2]int{"A stable": {20, 20}}),
				),
			},
			// A canary on deployment b (not the stage's a: the AWS provider's bug #27326) takes 10%:
			// 2,000 requests give 200 ± 60 canary answers through the real data plane, and only the
			// canary's requests see the stage variable override.
			{
				Config:           config(backendB, "a", canary10),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair(stage, "canary_settings.0.deployment_id", "gatewayd_deployment.b", "id"),
					resource.TestCheckResourceAttrPair(stage, "deployment_id", "gatewayd_deployment.a", "id"),
					resource.TestCheckResourceAttr(stage, "canary_settings.0.percent_traffic", "10"),
					resource.TestCheckResourceAttr(stage, "canary_settings.0.use_stage_cache", "false"),
					expectAnswers(stage, 2000, map[string][2]int{"A stable": {1740, 1860}, "B canary": {140, 260}}),
					resource.TestCheckResourceAttrPair("data.gatewayd_stage.test", "canary_settings.0.deployment_id", "gatewayd_deployment.b", "id"),
				),
			},
			// Promotion in one apply: the stage takes b and the block goes.
			{
				Config: config(backendB, "b", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(stage, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(stage, "canary_settings.#", "0"),
					expectAnswers(stage, 50, map[string][2]int{"B stable": {50, 50}}),
					func(*terraform.State) error {
						got, err := stageHistoryReasons(apiID, "prod")
						if err != nil {
							return err
						}
						if got[len(got)-1] != "promote" {
							return fmt.Errorf("stage history reasons %v, want the last to be promote", got)
						}
						return nil
					},
				),
			},
			// A canary again, back to a, sticky by header and at 100%...
			{
				Config: config(backendB, "b", `canary_settings {
    deployment_id   = gatewayd_deployment.a.id
    percent_traffic = 100
    sticky_header   = "X-User"
  }`),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectAnswers(stage, 20, map[string][2]int{"A stable": {20, 20}}),
			},
			// ...and removing the block removes it, in one apply.
			{
				Config: config(backendB, "b", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(stage, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(stage, "canary_settings.#", "0"),
					expectAnswers(stage, 50, map[string][2]int{"B stable": {50, 50}}),
					func(*terraform.State) error {
						st, err := testClient.GetStage(context.Background(), apiID, "prod")
						if err != nil {
							return err
						}
						if st.CanarySettings != nil {
							return fmt.Errorf("the removed canary is still there: %+v", st.CanarySettings)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccDeployment_CanaryForm: a deployment created with stage_name and canary_settings becomes that
// stage's canary; the stage resource leaves the canary alone (ignore_changes), and promotion through
// the admin API is adopted by pointing the stage at the deployment.
func TestAccDeployment_CanaryForm(t *testing.T) {
	t.Parallel()
	backendA, backendB := taggedBackend(t, "A"), taggedBackend(t, "B")
	config := func(uri, stageDeployment string) string {
		canary := ""
		if uri == backendB {
			canary = `
resource "gatewayd_deployment" "canary" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = %s
  canary_settings {
    percent_traffic          = 50
    stage_variable_overrides = { tag = "canary" }
  }
  depends_on = [gatewayd_integration.who]
}
`
			// Once the stage points at the canary deployment, the canary may no longer refer to the stage.
			ref := "gatewayd_stage.test.stage_name"
			if stageDeployment == "gatewayd_deployment.canary.id" {
				ref = `"prod"`
			}
			canary = fmt.Sprintf(canary, ref)
		}
		return testAccCanaryAPI("canary-form", uri) + canary + fmt.Sprintf(`
resource "gatewayd_deployment" "base" {
  rest_api_id = gatewayd_rest_api.test.id
  depends_on  = [gatewayd_integration.who]
}

resource "gatewayd_stage" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  stage_name    = "prod"
  deployment_id = %s
  variables     = { tag = "stable" }
  lifecycle {
    ignore_changes = [canary_settings]
  }
}
`, stageDeployment)
	}
	const stage = "gatewayd_stage.test"
	var apiID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config(backendA, "gatewayd_deployment.base.id"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            captureAttr("gatewayd_rest_api.test", "id", &apiID),
			},
			{
				Config:           config(backendB, "gatewayd_deployment.base.id"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectAnswers(stage, 200, map[string][2]int{"A stable": {50, 150}, "B canary": {50, 150}}),
					func(s *terraform.State) error {
						st, err := testClient.GetStage(context.Background(), apiID, "prod")
						if err != nil {
							return err
						}
						want := s.RootModule().Resources["gatewayd_deployment.canary"].Primary.ID
						if st.CanarySettings == nil || st.CanarySettings.DeploymentID != want {
							return fmt.Errorf("stage canary %+v, want deployment %s", st.CanarySettings, want)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					_, err := testClient.PromoteCanary(context.Background(), apiID, "prod", false)
					mustDo(t, err)
				},
				Config:           config(backendB, "gatewayd_deployment.canary.id"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            expectAnswers(stage, 50, map[string][2]int{"B stable": {50, 50}}),
			},
		},
	})
}

func TestAccDeployment_CanaryFormInvalid(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, want string }{
		"canary without stage": {"canary_settings {\n    percent_traffic = 5\n  }", "canary_settings needs stage_name"},
		"stage without canary": {`stage_name = "prod"`, "stage_name is only used with canary_settings"},
		"two blocks":           {"stage_name = \"prod\"\n  canary_settings {}\n  canary_settings {}", "at most 1"},
		"over 100":             {"stage_name = \"prod\"\n  canary_settings {\n    percent_traffic = 101\n  }", "between 0.000000 and 100.000000"},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					PlanOnly:    true,
					Config:      "resource \"gatewayd_deployment\" \"bad\" {\n  rest_api_id = \"abcdefghij\"\n  " + tc.body + "\n}\n",
					ExpectError: regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(tc.want), " ", `\s+`)),
				}},
			})
		})
	}
}
