package control

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// TestSharedSnapshotsMatchWholeOnes drives an API with an auto-deploy stage through a few hundred
// random writes (resources created, moved and deleted with their subtrees, methods, integrations,
// responses, models) and checks after each one that: the stage's deployment, read from its parts, is
// the API as a whole read of the store sees it; every deployment kept still reads as it did when it
// was made (parts are shared and swept, never changed); and the resource index holds exactly the
// API's parent/child pairs.
func TestSharedSnapshotsMatchWholeOnes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := New(st, Options{KeepAutoDeployments: 3})
	api, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "parts"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 17))
	resources := []string{api.RootResourceID}
	var methods []MethodID
	frozen := map[string]*model.Snapshot{} // deployment id -> snapshot when made
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	for step := range 400 {
		var err error
		var what string
		switch op := rng.IntN(10); {
		case op < 3 || len(resources) < 3:
			what = "create resource"
			var r model.Resource
			if r, err = svc.CreateResource(ctx, api.ID, model.Resource{ParentID: pick(resources), PathPart: fmt.Sprintf("p%d", step)}); err == nil {
				resources = append(resources, r.ID)
			}
		case op < 5:
			what = "put method"
			id := MethodID{RestAPIID: api.ID, ResourceID: pick(resources), HTTPMethod: []string{"GET", "POST"}[rng.IntN(2)]}
			if _, err = svc.PutMethod(ctx, id, model.Method{}, Precondition{}); err == nil {
				methods = append(methods, id)
			}
		case op < 6 && len(methods) > 0:
			what = "put integration and responses"
			id := methods[rng.IntN(len(methods))]
			if _, err = svc.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationMock,
				RequestTemplates: map[string]string{"application/json": fmt.Sprintf(`{"statusCode": %d}`, 200+step%3)}}, Precondition{}); err == nil {
				_, err = svc.PutMethodResponse(ctx, id, "200", model.MethodResponse{}, Precondition{})
			}
			if err == nil {
				_, err = svc.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{}, Precondition{})
			}
		case op < 7:
			what = "move resource"
			id, parent := pick(resources[1:]), pick(resources)
			_, err = svc.UpdateResource(ctx, api.ID, id, model.Resource{ParentID: parent, PathPart: fmt.Sprintf("m%d", step)}, Precondition{})
		case op < 8:
			what = "delete resource"
			id := pick(resources[1:])
			if err = svc.DeleteResource(ctx, api.ID, id, Precondition{}); err == nil {
				live, err2 := svc.ListResources(ctx, api.ID)
				if err2 != nil {
					t.Fatal(err2)
				}
				resources = resources[:0]
				for _, r := range live {
					resources = append(resources, r.ID)
				}
				slices.SortFunc(resources, func(a, b string) int { // the root first
					if a == api.RootResourceID {
						return -1
					} else if b == api.RootResourceID {
						return 1
					}
					return 0
				})
			}
		case op < 9 && len(methods) > 0:
			what = "delete method"
			err = svc.DeleteMethod(ctx, methods[rng.IntN(len(methods))], Precondition{})
		default:
			what = "create or update a model"
			name := fmt.Sprintf("M%d", rng.IntN(3))
			m := model.Model{Name: name, ContentType: "application/json", Schema: fmt.Sprintf(`{"type": "object", "title": "s%d"}`, step)}
			if _, err = svc.UpdateModel(ctx, api.ID, name, m, Precondition{}); IsNotFound(err) {
				_, err = svc.CreateModel(ctx, api.ID, m)
			}
		}
		if err != nil && !IsNotFound(err) && !isClientError(err) {
			t.Fatalf("step %d: %s: %v", step, what, err)
		}
		checkParts(t, svc, api.ID, frozen, fmt.Sprintf("step %d (%s)", step, what))
	}
}

func isClientError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500
}

func checkParts(t *testing.T, svc *Service, apiID string, frozen map[string]*model.Snapshot, at string) {
	t.Helper()
	err := svc.view(context.Background(), func(tx store.Tx) error {
		stage, err := getStageRecord(tx, apiID, "live")
		if err != nil {
			return err
		}
		whole, err := snapshot(tx, apiID)
		if err != nil {
			return err
		}
		got, err := loadSnapshot(tx, apiID, stage.DeploymentID, "snapshot", &svc.parts, "test")
		if err != nil {
			return err
		}
		if len(got.Parts) == 0 {
			t.Fatalf("%s: a snapshot loaded for the data plane has no parts", at)
		}
		if got, err = loadSnapshot(tx, apiID, stage.DeploymentID, "snapshot", nil, ""); err != nil {
			return err
		}
		if diff := cmp.Diff(whole, got); diff != "" {
			t.Fatalf("%s: the stage's deployment differs from the API (-whole +parts):\n%s", at, diff)
		}
		if frozen[stage.DeploymentID] == nil {
			frozen[stage.DeploymentID] = got
		}
		deps, err := tx.List(store.KindDeployment, apiID, "")
		if err != nil {
			return err
		}
		kept := map[string]bool{}
		for _, d := range deps {
			kept[d.Key] = true
			want := frozen[d.Key]
			if want == nil {
				continue
			}
			got, err := loadSnapshot(tx, apiID, d.Key, "snapshot", nil, "")
			if err != nil {
				return fmt.Errorf("deployment %s: %w", d.Key, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: deployment %s changed (-made +now):\n%s", at, d.Key, diff)
			}
		}
		for id := range frozen {
			if !kept[id] {
				delete(frozen, id)
			}
		}
		// The index holds exactly the API's parent/child pairs, when built.
		if ok, err := indexBuilt(tx, apiID); err != nil || !ok {
			return fmt.Errorf("index built: %v, %v", ok, err)
		}
		want := map[string]string{}
		for _, r := range whole.Resources {
			if r.ParentID != "" {
				want[childKey(r.ParentID, r.PathPart)] = r.ID
			}
		}
		recs, err := tx.List(store.KindResourceChild, apiID, "")
		if err != nil {
			return err
		}
		gotIdx := map[string]string{}
		for _, r := range recs {
			if r.Key != resourceIndexBuilt {
				gotIdx[r.Key] = string(r.Data)
			}
		}
		if diff := cmp.Diff(want, gotIdx); diff != "" {
			t.Fatalf("%s: resource index (-want +got):\n%s", at, diff)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
}
