package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// These tests roll a stage back outside Terraform (one admin call, as an operator at 3 a.m. would with
// `gatewayd rollback`) and check that the next plan shows the drift and offers to move the stage
// back, and that the ways the docs give to keep the rollback work.

// getInvoke calls url and returns the body of a 200 answer.
func getInvoke(url string) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	return string(b), nil
}

// auditedRollbacks counts the successful rollbacks of a stage in the audit log.
func auditedRollbacks(apiID, stage string) (int, error) {
	entries, err := testClient.Audit(context.Background(), 0, 1000)
	n := 0
	for _, e := range entries {
		if e.Method == http.MethodPost && e.Path == "/v1/restapis/"+apiID+"/stages/"+stage+"/rollback" && e.Status == http.StatusOK {
			n++
		}
	}
	return n, err
}

func TestAccStage_RollbackShowsDrift(t *testing.T) {
	t.Parallel()
	backendA, backendB := namedBackend(t, "A"), namedBackend(t, "B")
	// v1 was deployed when the integration called A; v2 after it was changed to B. Both are kept, so
	// that the stage can go back to v1.
	config := func(uri, stageDeployment, lifecycle string) string {
		v2 := ""
		if uri == backendB {
			v2 = `
resource "gatewayd_deployment" "v2" {
  rest_api_id = gatewayd_rest_api.test.id
  description = "v2"
  depends_on  = [gatewayd_integration.test]
}
`
		}
		return testAccReleaseAPI("rollback", uri) + v2 + fmt.Sprintf(`
resource "gatewayd_deployment" "v1" {
  rest_api_id = gatewayd_rest_api.test.id
  description = "v1"
  depends_on  = [gatewayd_integration.test]
}

resource "gatewayd_stage" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  stage_name    = "prod"
  deployment_id = gatewayd_deployment.%s.id
  %s
}
`, stageDeployment, lifecycle)
	}
	const stage = "gatewayd_stage.test"
	var apiID, invokeURL, v1 string
	rollBack := func() {
		st, err := testClient.RollbackStage(context.Background(), apiID, "prod", "")
		mustDo(t, err)
		if st.DeploymentID != v1 {
			t.Fatalf("rollback went to %s, want v1 %s", st.DeploymentID, v1)
		}
		// The one call moved the traffic.
		body, err := getInvoke(invokeURL + "/items/3")
		mustDo(t, err)
		if body != "A /items/3" {
			t.Fatalf("after the rollback the stage answers %q, want A", body)
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(backendA, "v1", ""),
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					captureAttr(stage, "invoke_url", &invokeURL),
					captureAttr("gatewayd_deployment.v1", "id", &v1),
					expectServed(stage, "/items/1", "A /items/1"),
				),
			},
			{
				Config:           config(backendB, "v2", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectServed(stage, "/items/2", "B /items/2"),
			},
			// Rolled back outside Terraform: the plan is not empty, it moves the stage back to v2.
			{
				PreConfig:          rollBack,
				Config:             config(backendB, "v2", ""),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config(backendB, "v2", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(stage, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					expectServed(stage, "/items/4", "B /items/4"),
					resource.TestCheckResourceAttrPair(stage, "deployment_id", "gatewayd_deployment.v2", "id"),
				),
			},
			// Keeping a rollback, the first way: the configuration names the deployment rolled back to.
			{
				PreConfig:        rollBack,
				Config:           config(backendB, "v1", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            expectServed(stage, "/items/5", "A /items/5"),
			},
			// The second way: lifecycle ignore_changes on deployment_id, which leaves releasing to the
			// operators (the stage stays on v1 although the configuration says v2).
			{
				Config:           config(backendB, "v2", "lifecycle {\n    ignore_changes = [deployment_id]\n  }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(
					expectServed(stage, "/items/6", "A /items/6"),
					func(*terraform.State) error {
						got, err := stageHistoryReasons(apiID, "prod")
						if err != nil {
							return err
						}
						if diff := cmp.Diff([]string{"create", "update", "rollback", "rollback", "rollback"}, got); diff != "" {
							return fmt.Errorf("stage history reasons (-want +got):\n%s", diff)
						}
						if n, err := auditedRollbacks(apiID, "prod"); err != nil || n != 2 {
							return fmt.Errorf("audit log has %d rollbacks of the stage (err %v), want 2", n, err)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccStage_RollbackAutoDeploy(t *testing.T) {
	t.Parallel()
	backendA, backendB := namedBackend(t, "A"), namedBackend(t, "B")
	config := func(uri string) string {
		return testAccReleaseAPI("rollback-auto", uri) + `
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}
`
	}
	const stage = "gatewayd_stage.test"
	var apiID, invokeURL string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(backendA),
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					captureAttr(stage, "invoke_url", &invokeURL),
				),
			},
			{
				Config:           config(backendB),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectServed(stage, "/items/1", "B /items/1"),
			},
			// The rollback turns auto_deploy off so that it holds; the plan turns it on again, which
			// deploys the configuration's API: one apply moves the stage back.
			{
				PreConfig: func() {
					st, err := testClient.RollbackStage(context.Background(), apiID, "live", "")
					mustDo(t, err)
					if st.AutoDeploy {
						t.Fatal("the rollback left auto_deploy on")
					}
					body, err := getInvoke(invokeURL + "/items/2")
					mustDo(t, err)
					if !strings.HasPrefix(body, "A ") {
						t.Fatalf("after the rollback the stage answers %q, want A", body)
					}
				},
				Config: config(backendB),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(stage, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(stage, "auto_deploy", "true"),
					expectServed(stage, "/items/3", "B /items/3"),
				),
			},
		},
	})
}
