package provider

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// changeBeforeApply serves the provider, and the first time Terraform applies a change to a
// resource of type typeName it first runs change: a change made behind Terraform's back after the
// refresh and the plan, just before the provider's update reaches gatewayd.
type changeBeforeApply struct {
	tfprotov6.ProviderServer
	typeName string
	change   func()
	done     *atomic.Bool
}

func (p changeBeforeApply) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req.TypeName == p.typeName && p.done.CompareAndSwap(false, true) {
		p.change()
	}
	return p.ProviderServer.ApplyResourceChange(ctx, req)
}

// factoriesChangingBeforeApply returns provider factories that run change once, before the first
// apply of a change to a resource of type typeName.
func factoriesChangingBeforeApply(typeName string, change func()) map[string]func() (tfprotov6.ProviderServer, error) {
	done := new(atomic.Bool)
	return map[string]func() (tfprotov6.ProviderServer, error){
		"gatewayd": func() (tfprotov6.ProviderServer, error) {
			srv, err := testAccProtoV6ProviderFactories["gatewayd"]()
			return changeBeforeApply{ProviderServer: srv, typeName: typeName, change: change, done: done}, err
		},
	}
}

func testAccStageAutoDeployConfig(description string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "stage-concurrent"
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  description = %q
}
`, description)
}

// TestAccStage_ConcurrentChangeDetected: an update of a stage sends If-Match with the version
// Terraform read. A change made outside Terraform between the plan and the apply makes gatewayd
// answer 412, which the apply reports instead of overwriting the change; the next apply converges.
// A version bump that gatewayd makes on its own (an auto-deploy moving the stage) does not stop the
// update.
func TestAccStage_ConcurrentChangeDetected(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_stage.test"
	var apiID, deploymentID string
	ctx := context.Background()
	stage := func() model.Stage {
		st, err := testClient.GetStage(ctx, apiID, "live")
		mustDo(t, err)
		return st
	}
	resource.Test(t, resource.TestCase{
		PreCheck: func() { testAccPreCheck(t) },
		Steps: []resource.TestStep{
			// Create and Read
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Config:                   testAccStageAutoDeployConfig("one"),
				Check:                    captureAttr("gatewayd_rest_api.test", "id", &apiID),
			},
			// Changed outside Terraform after the plan: the update is refused and nothing is overwritten.
			{
				ProtoV6ProviderFactories: factoriesChangingBeforeApply("gatewayd_stage", func() {
					st := stage()
					st.Description = "changed outside terraform"
					_, err := testClient.UpdateStage(ctx, apiID, "live", st)
					mustDo(t, err)
				}),
				Config:           testAccStageAutoDeployConfig("two"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				ExpectError:      regexp.MustCompile(`Object Changed Outside Terraform(.|\n)*terraform plan`),
			},
			// The outside change survived; the next apply sees it and converges.
			{
				PreConfig: func() {
					if got := stage().Description; got != "changed outside terraform" {
						t.Errorf("description after the refused update = %q, want the change made outside Terraform", got)
					}
				},
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Config:                   testAccStageAutoDeployConfig("two"),
				ConfigPlanChecks:         emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "description", "two"),
					func(*terraform.State) error {
						if got := stage().Description; got != "two" {
							return fmt.Errorf("gatewayd has description %q, want two", got)
						}
						deploymentID = stage().DeploymentID
						return nil
					},
				),
			},
			// gatewayd moves the stage on its own (a change of the API is auto-deployed) between the
			// plan and the apply: its version changes, nothing Terraform manages does, the update goes
			// through.
			{
				ProtoV6ProviderFactories: factoriesChangingBeforeApply("gatewayd_stage", func() {
					_, err := testClient.CreateResource(ctx, apiID, model.Resource{ParentID: rootResourceID(t, apiID), PathPart: "outside"})
					mustDo(t, err)
					if stage().DeploymentID == deploymentID {
						t.Error("the change of the API did not move the auto-deploy stage")
					}
				}),
				Config:           testAccStageAutoDeployConfig("three"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "description", "three"),
					func(s *terraform.State) error {
						st := stage()
						if st.Description != "three" {
							return fmt.Errorf("gatewayd has description %q, want three", st.Description)
						}
						if got := s.RootModule().Resources[addr].Primary.Attributes["deployment_id"]; got != st.DeploymentID {
							return fmt.Errorf("state has deployment_id %q, gatewayd %q", got, st.DeploymentID)
						}
						return nil
					},
				),
			},
		},
	})
}

func rootResourceID(t *testing.T, apiID string) string {
	t.Helper()
	api, err := testClient.GetRestAPI(context.Background(), apiID)
	mustDo(t, err)
	return api.RootResourceID
}
