package control_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

type fixture struct {
	t       *testing.T
	ctx     context.Context
	svc     *control.Service
	changed []string
	api     model.RestAPI
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, ctx: context.Background()}
	f.svc = control.New(st, control.Options{PublicURL: "http://gw.test/", KeepAutoDeployments: 3,
		OnStageChange: func(api, stage string) { f.changed = append(f.changed, stage) }})
	f.api = must(f.svc.CreateRestAPI(f.ctx, model.RestAPI{Name: "pets"}))(t)
	return f
}

// must unwraps a (value, error) pair, failing the test on the error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func (f *fixture) resource(parent, part string) model.Resource {
	f.t.Helper()
	return must(f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: parent, PathPart: part}))(f.t)
}

func (f *fixture) mockMethod(res model.Resource, verb string) control.MethodID {
	f.t.Helper()
	id := control.MethodID{RestAPIID: f.api.ID, ResourceID: res.ID, HTTPMethod: verb}
	must(f.svc.PutMethod(f.ctx, id, model.Method{}, control.Precondition{}))(f.t)
	must(f.svc.PutIntegration(f.ctx, id, model.Integration{Type: model.IntegrationMock}, control.Precondition{}))(f.t)
	return id
}

func status(err error) int {
	if ce, ok := err.(*control.Error); ok {
		return ce.Status
	}
	if err == nil {
		return 0
	}
	return -1
}

func TestResourceTree(t *testing.T) {
	f := newFixture(t)
	pets := f.resource(f.api.RootResourceID, "pets")
	pet := f.resource(pets.ID, "{petId}")
	toys := f.resource(pet.ID, "toys")
	if toys.Path != "/pets/{petId}/toys" {
		t.Fatalf("path = %q", toys.Path)
	}
	// In order: later cases depend on the resources earlier ones create.
	tests := []struct {
		name         string
		parent, part string
		want         int
	}{
		{"duplicate literal", pets.ID, "{petId}", http.StatusConflict},
		{"second parameter child", pets.ID, "{name}", http.StatusConflict},
		{"greedy beside parameter", pets.ID, "{proxy+}", 0},
		{"second greedy child", pets.ID, "{other+}", http.StatusConflict},
		{"parameter named twice", pet.ID, "{petId}", http.StatusConflict},
		{"child of greedy", "", "x", http.StatusBadRequest},
		{"missing parent", "nope000000", "x", http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := tc.parent
			if tc.name == "child of greedy" {
				all := must(f.svc.ListResources(f.ctx, f.api.ID))(t)
				for _, r := range all {
					if r.PathPart == "{proxy+}" {
						parent = r.ID
					}
				}
			}
			_, err := f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: parent, PathPart: tc.part})
			if got := status(err); got != tc.want {
				t.Fatalf("CreateResource(%s) status %d (%v), want %d", tc.part, got, err, tc.want)
			}
		})
	}
	// A move that would name a parameter twice is refused too.
	dup := f.resource(pet.ID, "{owner}")
	dup.PathPart = "{petId}"
	if _, err := f.svc.UpdateResource(f.ctx, f.api.ID, dup.ID, dup, control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("renaming {owner} to {petId} under {petId}: %v, want 409", err)
	}
	if err := f.svc.DeleteResource(f.ctx, f.api.ID, dup.ID, control.Precondition{}); err != nil {
		t.Fatal(err)
	}

	// Moving /pets/{petId} under a new /animals moves its subtree.
	animals := f.resource(f.api.RootResourceID, "animals")
	pet.ParentID = animals.ID
	moved := must(f.svc.UpdateResource(f.ctx, f.api.ID, pet.ID, pet, control.Precondition{}))(t)
	if moved.Path != "/animals/{petId}" {
		t.Errorf("moved path = %q", moved.Path)
	}
	if got := must(f.svc.GetResource(f.ctx, f.api.ID, toys.ID))(t).Path; got != "/animals/{petId}/toys" {
		t.Errorf("child path after move = %q, want /animals/{petId}/toys", got)
	}
	// A resource cannot move under its own descendant.
	animals.ParentID = toys.ID
	if _, err := f.svc.UpdateResource(f.ctx, f.api.ID, animals.ID, animals, control.Precondition{}); status(err) != http.StatusBadRequest {
		t.Errorf("cycle: status %d (%v), want 400", status(err), err)
	}

	// Deleting a resource deletes its subtree and their methods.
	m := f.mockMethod(toys, "GET")
	if err := f.svc.DeleteResource(f.ctx, f.api.ID, pet.ID, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetResource(f.ctx, f.api.ID, toys.ID); !control.IsNotFound(err) {
		t.Errorf("child of deleted resource: %v, want not found", err)
	}
	if _, err := f.svc.GetIntegration(f.ctx, m); !control.IsNotFound(err) {
		t.Errorf("integration under deleted resource: %v, want not found", err)
	}
}

func TestDeleteMethodCascades(t *testing.T) {
	f := newFixture(t)
	res := f.resource(f.api.RootResourceID, "x")
	m := f.mockMethod(res, "GET")
	must(f.svc.PutMethodResponse(f.ctx, m, "200", model.MethodResponse{}, control.Precondition{}))(t)
	must(f.svc.PutIntegrationResponse(f.ctx, m, "200", model.IntegrationResponse{}, control.Precondition{}))(t)
	if err := f.svc.DeleteMethod(f.ctx, m, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	snap := f.snapshotOfNewDeployment()
	if n := len(snap.Integrations) + len(snap.MethodResponses) + len(snap.IntegrationResponses); n != 0 {
		t.Errorf("after deleting the method %d dependent objects remain: %+v", n, snap)
	}
}

func (f *fixture) snapshotOfNewDeployment() *model.Snapshot {
	f.t.Helper()
	d := must(f.svc.CreateDeployment(f.ctx, f.api.ID, model.Deployment{}, ""))(f.t)
	return must(f.svc.GetDeploymentSnapshot(f.ctx, f.api.ID, d.ID))(f.t)
}

func TestDeploymentIsImmutableSnapshot(t *testing.T) {
	f := newFixture(t)
	res := f.resource(f.api.RootResourceID, "x")
	m := f.mockMethod(res, "GET")
	d := must(f.svc.CreateDeployment(f.ctx, f.api.ID, model.Deployment{Description: "v1"}, ""))(t)
	must(f.svc.PutIntegration(f.ctx, m, model.Integration{Type: model.IntegrationHTTPProxy, URI: "http://b.test/", IntegrationHTTPMethod: "GET"}, control.Precondition{}))(t)
	snap := must(f.svc.GetDeploymentSnapshot(f.ctx, f.api.ID, d.ID))(t)
	if len(snap.Integrations) != 1 || snap.Integrations[0].Type != model.IntegrationMock {
		t.Errorf("deployment snapshot changed with the API: %+v", snap.Integrations)
	}
}

func TestStageReleaseRetireAndRollback(t *testing.T) {
	f := newFixture(t)
	f.mockMethod(f.resource(f.api.RootResourceID, "x"), "GET")
	d1 := must(f.svc.CreateDeployment(f.ctx, f.api.ID, model.Deployment{}, ""))(t)
	d2 := must(f.svc.CreateDeployment(f.ctx, f.api.ID, model.Deployment{}, ""))(t)
	st := must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "prod", DeploymentID: d1.ID}))(t)
	if st.InvokeURL != "http://gw.test/"+f.api.ID+"/prod" {
		t.Errorf("invoke_url = %q", st.InvokeURL)
	}
	if _, err := f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "prod", DeploymentID: d1.ID}); status(err) != http.StatusConflict {
		t.Errorf("second stage prod: %v, want 409", err)
	}

	// A deployment in use is refused by default...
	if _, err := f.svc.DeleteDeployment(f.ctx, f.api.ID, d1.ID, false, control.Precondition{}); status(err) != http.StatusConflict {
		t.Fatalf("delete in-use deployment: %v, want 409", err)
	}
	// ...and retired with whenUnused: invisible at once, still served, removed when the stage moves.
	deferred := must(f.svc.DeleteDeployment(f.ctx, f.api.ID, d1.ID, true, control.Precondition{}))(t)
	if !deferred {
		t.Fatal("delete with whenUnused was not deferred")
	}
	if _, err := f.svc.GetDeployment(f.ctx, f.api.ID, d1.ID); !control.IsNotFound(err) {
		t.Errorf("retired deployment still readable: %v", err)
	}
	if _, snap, err := f.svc.StageConfig(f.ctx, f.api.ID, "prod"); err != nil || len(snap.Methods) != 1 {
		t.Errorf("stage on a retired deployment: %v %+v", err, snap)
	}
	st.DeploymentID = d2.ID
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	deps := must(f.svc.ListDeployments(f.ctx, f.api.ID))(t)
	if len(deps) != 1 || deps[0].ID != d2.ID {
		t.Errorf("deployments after the stage moved = %+v, want only %s", deps, d2.ID)
	}

	// Back to an earlier deployment is a rollback.
	d3 := must(f.svc.CreateDeployment(f.ctx, f.api.ID, model.Deployment{}, "prod"))(t)
	st.DeploymentID = d2.ID
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", st, control.Precondition{}))(t)
	var got []string
	for _, h := range must(f.svc.StageHistory(f.ctx, f.api.ID, "prod"))(t) {
		got = append(got, h.Reason+":"+h.DeploymentID)
	}
	want := []string{"create:" + d1.ID, "update:" + d2.ID, "update:" + d3.ID, "rollback:" + d2.ID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if _, err := f.svc.UpdateStage(f.ctx, f.api.ID, "prod", model.Stage{StageName: "prod", DeploymentID: "nope000000"}, control.Precondition{}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("stage to a missing deployment: %v, want 422", err)
	}
}

func TestAutoDeploy(t *testing.T) {
	f := newFixture(t)
	res := f.resource(f.api.RootResourceID, "x")
	must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	f.changed = nil
	m := f.mockMethod(res, "GET") // two writes: method, integration
	_, snap, err := f.svc.StageConfig(f.ctx, f.api.ID, "live")
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Methods) != 1 || len(snap.Integrations) != 1 || snap.Integrations[0].Type != model.IntegrationMock {
		t.Fatalf("auto-deploy stage serves %+v, want the method and its MOCK integration", snap)
	}
	if diff := cmp.Diff([]string{"live", "live"}, f.changed); diff != "" {
		t.Errorf("stage change notifications (-want +got):\n%s", diff)
	}
	// Many changes keep only a bounded number of unused auto deployments.
	for range 6 {
		must(f.svc.PutIntegration(f.ctx, m, model.Integration{Type: model.IntegrationMock}, control.Precondition{}))(t)
	}
	if n := len(must(f.svc.ListDeployments(f.ctx, f.api.ID))(t)); n > 3 {
		t.Errorf("%d auto deployments kept, want at most 3", n)
	}
	// A refused write deploys nothing.
	before := len(must(f.svc.StageHistory(f.ctx, f.api.ID, "live"))(t))
	if _, err := f.svc.PutIntegration(f.ctx, m, model.Integration{Type: "BOGUS"}, control.Precondition{}); status(err) != http.StatusBadRequest {
		t.Fatalf("bad integration: %v", err)
	}
	if after := len(must(f.svc.StageHistory(f.ctx, f.api.ID, "live"))(t)); after != before {
		t.Errorf("a refused write changed the stage history (%d -> %d)", before, after)
	}
}

func TestDeleteRestAPIRemovesEverything(t *testing.T) {
	f := newFixture(t)
	f.mockMethod(f.resource(f.api.RootResourceID, "x"), "GET")
	must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	f.changed = nil
	if err := f.svc.DeleteRestAPI(f.ctx, f.api.ID, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"live"}, f.changed); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	if _, _, err := f.svc.StageConfig(f.ctx, f.api.ID, "live"); !control.IsNotFound(err) {
		t.Errorf("stage of a deleted API: %v", err)
	}
	if all := must(f.svc.AllStages(f.ctx))(t); len(all) != 0 {
		t.Errorf("stages left: %+v", all)
	}
}

// TestDeployPendingAfterCrash: a write whose deployment never ran (the process stopped in between)
// is deployed at the next start.
func TestDeployPendingAfterCrash(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc := control.New(st, control.Options{})
	api := must(svc.CreateRestAPI(ctx, model.RestAPI{Name: "x"}))(t)
	must(svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	// Simulate the crash: the change and its pending mark commit, the deployment does not happen.
	if err := st.Update(ctx, func(tx store.Tx) error {
		r := model.Resource{ID: "newres0001", RestAPIID: api.ID, ParentID: api.RootResourceID, PathPart: "late", Path: "/late"}
		b, _ := json.Marshal(r)
		if _, err := tx.Put(store.KindResource, api.ID, r.ID, b, store.ExpectAbsent); err != nil {
			return err
		}
		_, err = tx.Put(store.KindPendingDeploy, api.ID, "auto_deploy", []byte("{}"), store.AnyVersion)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, snap, _ := svc.StageConfig(ctx, api.ID, "live"); len(snap.Resources) != 1 {
		t.Fatalf("before recovery the stage serves %d resources, want 1", len(snap.Resources))
	}
	if err := svc.DeployPending(ctx); err != nil {
		t.Fatal(err)
	}
	if _, snap, _ := svc.StageConfig(ctx, api.ID, "live"); len(snap.Resources) != 2 {
		t.Errorf("after recovery the stage serves %d resources, want 2", len(snap.Resources))
	}
	st.Close()
}

// TestIntegrationResponseDefault: a method has at most one integration response without a selection
// pattern; a second one would make the data plane pick between them by chance.
func TestIntegrationResponseDefault(t *testing.T) {
	f := newFixture(t)
	id := f.mockMethod(f.resource(f.api.RootResourceID, "x"), "GET")
	put := func(status, pattern string) error {
		_, err := f.svc.PutIntegrationResponse(f.ctx, id, status, model.IntegrationResponse{SelectionPattern: pattern}, control.Precondition{})
		return err
	}
	if err := put("200", ""); err != nil {
		t.Fatal(err)
	}
	if err := put("500", ""); status(err) != http.StatusConflict {
		t.Errorf("second default response: %v, want 409", err)
	}
	if _, err := f.svc.GetIntegrationResponse(f.ctx, id, "500"); status(err) != http.StatusNotFound {
		t.Errorf("the refused write left something behind: %v", err)
	}
	if err := put("500", "5\\d\\d"); err != nil {
		t.Errorf("patterned response: %v", err)
	}
	if err := put("200", ""); err != nil {
		t.Errorf("replacing the default itself: %v", err)
	}
}
