package control_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestCanarySettings(t *testing.T) {
	f := newFixture(t)
	f.mockMethod(f.resource(f.api.RootResourceID, "pets"), "GET")
	d1, d2, d3 := f.deploy(), f.deploy(), f.deploy()
	canary := func(dep string, pct float64) *model.CanarySettings {
		return &model.CanarySettings{DeploymentID: dep, PercentTraffic: pct, StageVariableOverrides: map[string]string{"color": "green"}}
	}
	for name, tc := range map[string]struct {
		c          *model.CanarySettings
		wantStatus int
		wantField  string
	}{
		"missing deployment": {&model.CanarySettings{PercentTraffic: 5}, 400, "canary_settings.deployment_id"},
		"unknown deployment": {canary("nosuchdepl", 5), 422, "canary_settings.deployment_id"},
		"over 100":           {canary(d2, 100.5), 400, "canary_settings.percent_traffic"},
		"negative":           {canary(d2, -1), 400, "canary_settings.percent_traffic"},
		"bad override":       {&model.CanarySettings{DeploymentID: d2, StageVariableOverrides: map[string]string{"a-b": "x"}}, 400, "canary_settings.stage_variable_overrides"},
		"two sticky keys":    {&model.CanarySettings{DeploymentID: d2, StickyHeader: "x-user", StickyCookie: "s"}, 400, "canary_settings.sticky_cookie"},
		"bad header":         {&model.CanarySettings{DeploymentID: d2, StickyHeader: "x user"}, 400, "canary_settings.sticky_header"},
	} {
		_, err := f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "bad", DeploymentID: d1, CanarySettings: tc.c})
		if status(err) != tc.wantStatus || fieldOf(err) != tc.wantField {
			t.Errorf("%s: %v (field %q), want %d on %s", name, err, fieldOf(err), tc.wantStatus, tc.wantField)
		}
	}

	// A canary on another deployment than the stage's (the AWS provider's bug #27326 forced it to the
	// stage's), kept as given.
	st := must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "prod", DeploymentID: d1, CanarySettings: canary(d2, 10)}))(t)
	if st.CanarySettings == nil || st.CanarySettings.DeploymentID != d2 || st.DeploymentID != d1 {
		t.Fatalf("stage with a canary: %+v", st)
	}
	// Its deployment is in use: not deletable, not pruned.
	if _, err := f.svc.DeleteDeployment(f.ctx, f.api.ID, d2, false, control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting the canary's deployment: %v, want 409", err)
	}
	// Moving the canary to d3 through a PUT of the stage.
	st.CanarySettings = canary(d3, 25)
	st = must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	if st.CanarySettings.DeploymentID != d3 || st.CanarySettings.PercentTraffic != 25 {
		t.Fatalf("moved canary: %+v", st.CanarySettings)
	}
	// Promotion through a PUT: the stage takes the canary's deployment, the canary goes.
	st.DeploymentID, st.CanarySettings = d3, nil
	st = must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	if st.DeploymentID != d3 || st.CanarySettings != nil {
		t.Fatalf("promoted through PUT: %+v", st)
	}
	// Promotion through the call, merging the overrides into the variables.
	st.CanarySettings = canary(d2, 50)
	st.Variables = map[string]string{"color": "blue", "size": "m"}
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	st = must(f.svc.PromoteCanary(f.ctx, f.api.ID, "prod", true, control.Precondition{}))(t)
	if st.DeploymentID != d2 || st.CanarySettings != nil || !cmp.Equal(st.Variables, map[string]string{"color": "green", "size": "m"}) {
		t.Fatalf("promoted with merged variables: %+v", st)
	}
	if _, err := f.svc.PromoteCanary(f.ctx, f.api.ID, "prod", false, control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("promoting a stage without a canary: %v, want 409", err)
	}
	// Removing the canary: a PUT without canary_settings (the removed Terraform block).
	st.CanarySettings = canary(d1, 5)
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	st.CanarySettings = nil
	if got := must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t); got.CanarySettings != nil {
		t.Fatalf("canary still there after a PUT without it: %+v", got.CanarySettings)
	}
	if got := must(f.svc.GetStage(f.ctx, f.api.ID, "prod"))(t); got.CanarySettings != nil {
		t.Fatalf("canary read back after removal: %+v", got.CanarySettings)
	}
	// A rollback removes the canary too.
	st.CanarySettings = canary(d1, 5)
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	if got := must(f.svc.RollbackStage(f.ctx, f.api.ID, "prod", d1, control.Precondition{}))(t); got.CanarySettings != nil || got.DeploymentID != d1 {
		t.Fatalf("after a rollback: %+v", got)
	}
	reasons, _ := f.historyReasons("prod")
	if diff := cmp.Diff([]string{"create", "promote", "promote", "rollback"}, reasons); diff != "" {
		t.Errorf("history reasons (-want +got):\n%s", diff)
	}

	// The deployment form: a new deployment becomes the stage's canary.
	dep := must(f.svc.CreateCanaryDeployment(f.ctx, f.api.ID, model.Deployment{Description: "canary"}, "prod",
		model.CanarySettings{PercentTraffic: 10, UseStageCache: true}))(t)
	got := must(f.svc.GetStage(f.ctx, f.api.ID, "prod"))(t)
	if got.DeploymentID != d1 || got.CanarySettings == nil || got.CanarySettings.DeploymentID != dep.ID || !got.CanarySettings.UseStageCache {
		t.Fatalf("stage after a canary deployment: %+v %+v", got, got.CanarySettings)
	}
	if _, err := f.svc.CreateCanaryDeployment(f.ctx, f.api.ID, model.Deployment{}, "nope", model.CanarySettings{}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("canary deployment of a missing stage: %v, want 422", err)
	}
	if _, err := f.svc.CreateCanaryDeployment(f.ctx, f.api.ID, model.Deployment{}, "prod", model.CanarySettings{DeploymentID: d1}); status(err) != http.StatusBadRequest {
		t.Errorf("canary deployment naming a deployment: %v, want 400", err)
	}
	rel := must(f.svc.StageRelease(f.ctx, f.api.ID, "prod"))(t)
	if rel.Canary == nil || rel.Snapshot == nil || rel.Stage.CanarySettings.DeploymentID != dep.ID {
		t.Errorf("stage release: %+v", rel)
	}
}
