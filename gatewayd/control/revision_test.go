package control_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

func newRevisionService(t *testing.T) (*control.Service, *[]int64, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var revs []int64
	svc := control.New(st, control.Options{OnRevision: func(rev int64) { revs = append(revs, rev) }})
	return svc, &revs, st
}

// TestRevisions_RecordChanges: a write that changes what a stage serves, or metering, takes the next
// revision and records what it changed; a write that changes nothing served, or fails, takes none.
func TestRevisions_RecordChanges(t *testing.T) {
	ctx := context.Background()
	svc, revs, _ := newRevisionService(t)
	api := must(svc.CreateRestAPI(ctx, model.RestAPI{Name: "pets"}))(t)
	if rev := must(svc.Revision(ctx))(t); rev != 0 {
		t.Errorf("revision after creating an api (no stage) = %d, want 0", rev)
	}
	must(svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	must(svc.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "pets"}))(t)
	must(svc.CreateAPIKey(ctx, model.APIKey{Name: "k"}))(t)
	if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live"}); err == nil {
		t.Fatal("creating a stage twice succeeded")
	}
	live := []control.StageRef{{RestAPIID: api.ID, StageName: "live"}}
	want := []control.Change{
		{Revision: 1, Stages: live},
		{Revision: 2, Stages: live}, // the auto-deployment of the new resource
		{Revision: 3, Metering: true},
	}
	if diff := cmp.Diff([]int64{1, 2, 3}, *revs); diff != "" {
		t.Errorf("OnRevision calls (-want +got):\n%s", diff)
	}
	for after := int64(0); after <= 3; after++ {
		head, changes, complete, err := svc.Changes(ctx, after)
		if err != nil {
			t.Fatalf("Changes(%d): %v", after, err)
		}
		if head != 3 || !complete {
			t.Errorf("Changes(%d) head = %d, complete = %v; want 3, true", after, head, complete)
		}
		if diff := cmp.Diff(want[after:], changes, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Changes(%d) (-want +got):\n%s", after, diff)
		}
	}
}

// TestRevisions_PrunedLog: the log keeps its last changes; a follower behind them is told to reload.
func TestRevisions_PrunedLog(t *testing.T) {
	ctx := context.Background()
	svc, _, st := newRevisionService(t)
	control.SetKeepChanges(svc, 3)
	for range 12 {
		must(svc.CreateAPIKey(ctx, model.APIKey{Name: "k"}))(t)
	}
	var kept int
	if err := st.View(ctx, func(tx store.Tx) error {
		rs, err := tx.List(store.KindChange, "", "")
		kept = len(rs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if kept != 3 {
		t.Errorf("the log holds %d changes, want 3", kept)
	}
	for _, c := range []struct {
		after    int64
		complete bool
		n        int
	}{{0, false, 3}, {8, false, 3}, {9, true, 3}, {10, true, 2}, {12, true, 0}} {
		head, changes, complete, err := svc.Changes(ctx, c.after)
		if err != nil {
			t.Fatal(err)
		}
		if head != 12 || complete != c.complete || len(changes) != c.n {
			t.Errorf("Changes(%d) = head %d, %d changes, complete %v; want 12, %d, %v", c.after, head, len(changes), complete, c.n, c.complete)
		}
	}
}
