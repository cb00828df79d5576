package control_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func (f *fixture) deploy() string {
	f.t.Helper()
	return must(f.svc.CreateDeployment(f.ctx, f.api.ID, model.Deployment{}, ""))(f.t).ID
}

func (f *fixture) historyReasons(stage string) (reasons, deployments []string) {
	f.t.Helper()
	for _, h := range must(f.svc.StageHistory(f.ctx, f.api.ID, stage))(f.t) {
		reasons = append(reasons, h.Reason)
		deployments = append(deployments, h.DeploymentID)
	}
	return reasons, deployments
}

func TestRollbackStage(t *testing.T) {
	f := newFixture(t)
	f.mockMethod(f.resource(f.api.RootResourceID, "pets"), "GET")
	d1, d2, d3 := f.deploy(), f.deploy(), f.deploy()
	must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "prod", DeploymentID: d1}))(t)

	// A stage that has served one deployment only has nothing to go back to.
	if _, err := f.svc.RollbackStage(f.ctx, f.api.ID, "prod", "", control.Precondition{}); status(err) != http.StatusConflict {
		t.Fatalf("rollback of a new stage: %v, want 409", err)
	}
	st := must(f.svc.GetStage(f.ctx, f.api.ID, "prod"))(t)
	st.DeploymentID = d2
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	st.DeploymentID = d3
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)

	// Without a deployment: the one served before (d2); again: back to d3, as kubectl rollout undo.
	f.changed = nil
	got := must(f.svc.RollbackStage(f.ctx, f.api.ID, "prod", "", control.Precondition{}))(t)
	if got.DeploymentID != d2 {
		t.Fatalf("rollback went to %s, want %s", got.DeploymentID, d2)
	}
	if diff := cmp.Diff([]string{"prod"}, f.changed); diff != "" {
		t.Errorf("data plane notified of (-want +got):\n%s", diff)
	}
	got = must(f.svc.RollbackStage(f.ctx, f.api.ID, "prod", "", control.Precondition{}))(t)
	if got.DeploymentID != d3 {
		t.Fatalf("second rollback went to %s, want %s", got.DeploymentID, d3)
	}
	// To a named deployment, with If-Match on the stage.
	if _, err := f.svc.RollbackStage(f.ctx, f.api.ID, "prod", d1, control.Precondition{IfMatch: got.Version - 1}); status(err) != http.StatusPreconditionFailed {
		t.Fatalf("rollback with a stale If-Match: %v, want 412", err)
	}
	got = must(f.svc.RollbackStage(f.ctx, f.api.ID, "prod", d1, control.Precondition{IfMatch: got.Version}))(t)
	if got.DeploymentID != d1 {
		t.Fatalf("rollback to d1 went to %s", got.DeploymentID)
	}
	// To the deployment it serves: nothing changes, nothing is recorded.
	same := must(f.svc.RollbackStage(f.ctx, f.api.ID, "prod", d1, control.Precondition{}))(t)
	if same.Version != got.Version {
		t.Errorf("a rollback to the served deployment wrote the stage (version %d -> %d)", got.Version, same.Version)
	}
	reasons, deps := f.historyReasons("prod")
	if diff := cmp.Diff([]string{"create", "update", "update", "rollback", "rollback", "rollback"}, reasons); diff != "" {
		t.Errorf("history reasons (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{d1, d2, d3, d2, d3, d1}, deps); diff != "" {
		t.Errorf("history deployments (-want +got):\n%s", diff)
	}

	if _, err := f.svc.RollbackStage(f.ctx, f.api.ID, "prod", "nosuchdepl", control.Precondition{}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("rollback to a missing deployment: %v, want 422", err)
	}
	if _, err := f.svc.RollbackStage(f.ctx, f.api.ID, "nope", d1, control.Precondition{}); status(err) != http.StatusNotFound {
		t.Errorf("rollback of a missing stage: %v, want 404", err)
	}
}

// TestRollbackAutoDeployStage: a rollback of an auto-deploy stage holds: auto_deploy goes off, so the
// next change of the API is not deployed over it.
func TestRollbackAutoDeployStage(t *testing.T) {
	f := newFixture(t)
	pets := f.resource(f.api.RootResourceID, "pets")
	f.mockMethod(pets, "GET")
	first := must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	f.api.Description = "changed"
	f.api = must(f.svc.UpdateRestAPI(f.ctx, f.api.ID, f.api, control.Precondition{}))(t) // auto-deployed
	moved := must(f.svc.GetStage(f.ctx, f.api.ID, "live"))(t)
	if moved.DeploymentID == first.DeploymentID {
		t.Fatal("auto-deploy did not move the stage")
	}
	got := must(f.svc.RollbackStage(f.ctx, f.api.ID, "live", "", control.Precondition{}))(t)
	if got.DeploymentID != first.DeploymentID || got.AutoDeploy {
		t.Fatalf("rolled back to %s auto_deploy=%v, want %s and false", got.DeploymentID, got.AutoDeploy, first.DeploymentID)
	}
	f.mockMethod(pets, "PUT")
	if now := must(f.svc.GetStage(f.ctx, f.api.ID, "live"))(t); now.DeploymentID != first.DeploymentID {
		t.Fatalf("a change after the rollback moved the stage to %s", now.DeploymentID)
	}
	// Turning auto_deploy on again deploys the current configuration.
	got.AutoDeploy = true
	again := must(f.svc.UpdateStage(f.ctx, f.api.ID, "live", got, control.Precondition{}))(t)
	if again.DeploymentID == first.DeploymentID || again.DeploymentID == moved.DeploymentID {
		t.Fatalf("auto_deploy on again serves %s, want a new deployment", again.DeploymentID)
	}
	reasons, _ := f.historyReasons("live")
	if diff := cmp.Diff([]string{"create", "auto_deploy", "rollback", "auto_deploy"}, reasons); diff != "" {
		t.Errorf("history reasons (-want +got):\n%s", diff)
	}
}
