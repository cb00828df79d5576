package control

import (
	"bytes"
	"context"
	"encoding/json"
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
		if len(got.Groups) == 0 {
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

// TestTwoLevelSnapshotsOfAnOlderGatewayd: a deployment whose snapshot an older gatewayd stored as a
// tree of two levels (parts of the resources whose ids share their first two characters, in groups)
// still reads as the API it froze, whole and as groups for the data plane; a head of that form is
// built again as a tree of three levels by the next write; and sweeps keep the older tree while a
// stage serves it.
func TestTwoLevelSnapshotsOfAnOlderGatewayd(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := New(st, Options{KeepAutoDeployments: 1})
	api, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "older"})
	if err != nil {
		t.Fatal(err)
	}
	var methods []MethodID
	addRoute := func(name string) {
		t.Helper()
		r, err := svc.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: name})
		if err != nil {
			t.Fatal(err)
		}
		id := MethodID{RestAPIID: api.ID, ResourceID: r.ID, HTTPMethod: "GET"}
		if _, err := svc.PutMethod(ctx, id, model.Method{}, Precondition{}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationMock}, Precondition{}); err != nil {
			t.Fatal(err)
		}
		methods = append(methods, id)
	}
	for i := range 40 {
		addRoute(fmt.Sprintf("p%d", i))
	}
	// The API as an older gatewayd left it: its head and one deployment, trees of two levels.
	var oldID string
	var want *model.Snapshot
	err = svc.update(ctx, func(t *txn) error {
		var err error
		if want, err = snapshot(t, api.ID); err != nil {
			return err
		}
		head, err := twoLevelTree(t, api.ID, want)
		if err != nil {
			return err
		}
		if _, err := t.Tx.Put(store.KindSnapshotPart, api.ID, partsHeadKey, head, store.AnyVersion); err != nil {
			return err
		}
		rec := deploymentRecord{Deployment: model.Deployment{ID: newID(), RestAPIID: api.ID, CreatedDate: t.s.now()}, Serial: 1}
		if _, err := putJSON(t, store.KindDeployment, api.ID, rec.ID, rec, store.ExpectAbsent, "deployment"); err != nil {
			return err
		}
		oldID = rec.ID
		_, err = t.Tx.Put(store.KindSnapshot, api.ID, rec.ID, head, store.ExpectAbsent)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "old", DeploymentID: oldID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	checkOld := func(at string) {
		t.Helper()
		err := svc.view(ctx, func(tx store.Tx) error {
			got, err := loadSnapshot(tx, api.ID, oldID, "snapshot", nil, "")
			if err != nil {
				return err
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: the older deployment reads (-made +now):\n%s", at, diff)
			}
			groups, err := loadSnapshot(tx, api.ID, oldID, "snapshot", &svc.parts, "test")
			if err != nil {
				return err
			}
			var resources []model.Resource
			for _, g := range groups.Groups {
				eachPart(g, func(p model.SnapshotPart) { resources = append(resources, p.Snapshot.Resources...) })
			}
			if diff := cmp.Diff(want.Resources, resources); diff != "" || groups.RestAPI.ID != api.ID {
				t.Fatalf("%s: the older deployment's groups hold the rest api %q and resources (-made +now):\n%s", at, groups.RestAPI.ID, diff)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", at, err)
		}
	}
	checkOld("before any write")
	headOf := func() *root {
		t.Helper()
		var r *root
		err := svc.view(ctx, func(tx store.Tx) error {
			rec, err := tx.Get(store.KindSnapshotPart, api.ID, partsHeadKey)
			if err == nil {
				r, err = decodeRoot(rec.Data)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	addRoute("next")
	if h := headOf(); h.levels != 2 {
		t.Fatalf("after a write the head has %d levels, want 2", h.levels)
	}
	checkOld("after the head was built again")
	// Every route changed: the head shares no part with the older tree (a part of one resource
	// would be the same in both).
	for _, id := range methods {
		in := model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}
		if _, err := svc.PutIntegration(ctx, id, in, Precondition{}); err != nil {
			t.Fatal(err)
		}
	}
	// Enough writes for sweeps, which must keep what the older deployment names.
	swept := false
	last := headOf().sinceSweep
	for i := 0; i < 400 && !swept; i++ {
		addRoute(fmt.Sprintf("s%d", i))
		h := headOf()
		swept = h.sinceSweep < last
		last = h.sinceSweep
	}
	if !swept {
		t.Fatal("no sweep in 400 writes")
	}
	checkOld("after a sweep")
	checkParts(t, svc, api.ID, map[string]*model.Snapshot{}, "after a sweep")
}

// twoLevelTree stores snap as an older gatewayd did and returns its root.
func twoLevelTree(t *txn, apiID string, snap *model.Snapshot) ([]byte, error) {
	byPart := map[string]*model.Snapshot{apiPart: {RestAPI: snap.RestAPI, Models: snap.Models,
		RequestValidators: snap.RequestValidators, Authorizers: snap.Authorizers, GatewayResponses: snap.GatewayResponses}}
	part := func(id string) *model.Snapshot {
		n := "r" + id[:min(2, len(id))]
		if byPart[n] == nil {
			byPart[n] = &model.Snapshot{}
		}
		return byPart[n]
	}
	for _, x := range snap.Resources {
		part(x.ID).Resources = append(part(x.ID).Resources, x)
	}
	for _, x := range snap.Methods {
		part(x.ResourceID).Methods = append(part(x.ResourceID).Methods, x)
	}
	for _, x := range snap.Integrations {
		part(x.ResourceID).Integrations = append(part(x.ResourceID).Integrations, x)
	}
	head := &root{groups: map[string]string{}, levels: 1}
	groups := map[string]map[string]string{}
	for name, p := range byPart {
		data, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		g := name[:min(2, len(name))]
		if groups[g] == nil {
			groups[g] = map[string]string{}
		}
		if groups[g][name], err = t.putShared(apiID, head, data); err != nil {
			return nil, err
		}
	}
	for g, parts := range groups {
		var err error
		if head.groups[g], err = t.putShared(apiID, head, encodeGroup(parts)); err != nil {
			return nil, err
		}
		head.named += len(parts)
	}
	return append([]byte(rootMagicV1), bytes.TrimPrefix(head.encode(), []byte(rootMagic))...), nil
}
