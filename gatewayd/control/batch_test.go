package control_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

var errInjected = errors.New("injected store failure")

// faultyStore is a real store that, once each time a fault is armed, fails the Put of a deployment's
// snapshot, or the commit of a transaction that put one.
type faultyStore struct {
	store.Store
	failSnapshot, failCommit atomic.Bool
}

func (s *faultyStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		ft := &faultyTx{Tx: tx, s: s, snapshots: new(int)}
		if err := fn(ft); err != nil {
			return err
		}
		if *ft.snapshots > 0 && s.failCommit.CompareAndSwap(true, false) {
			return fmt.Errorf("commit: %w", errInjected) // as if COMMIT failed: nothing is saved
		}
		return nil
	})
}

type faultyTx struct {
	store.Tx
	s         *faultyStore
	snapshots *int
}

func (t *faultyTx) Put(kind store.Kind, scope, key string, data []byte, expect int64) (int64, error) {
	if kind == store.KindSnapshot {
		if t.s.failSnapshot.CompareAndSwap(true, false) {
			return 0, fmt.Errorf("put snapshot: %w", errInjected)
		}
		*t.snapshots++
	}
	return t.Tx.Put(kind, scope, key, data, expect)
}

func (t *faultyTx) Savepoint(fn func(tx store.Tx) error) error {
	return t.Tx.Savepoint(func(tx store.Tx) error { return fn(&faultyTx{Tx: tx, s: t.s, snapshots: t.snapshots}) })
}

// batchFixture is a Service over a faultyStore, with an API that has a resource /x and an auto-deploy
// stage "live", and a data plane stand-in that loads what each stage serves when notified.
type batchFixture struct {
	t      *testing.T
	ctx    context.Context
	st     *faultyStore
	svc    *control.Service
	api    model.RestAPI
	res    model.Resource
	mu     sync.Mutex
	served map[string]*model.Snapshot // by stage name, as the data plane would hold it
}

func newBatchFixture(t *testing.T) *batchFixture {
	t.Helper()
	ctx := context.Background()
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	f := &batchFixture{t: t, ctx: ctx, st: &faultyStore{Store: sq}, served: map[string]*model.Snapshot{}}
	f.svc = control.New(f.st, control.Options{OnStageChange: func(apiID, stage string) {
		_, snap, err := f.svc.StageConfig(ctx, apiID, stage)
		if err != nil {
			t.Errorf("loading stage %s after a change: %v", stage, err)
			return
		}
		f.mu.Lock()
		f.served[stage] = snap
		f.mu.Unlock()
	}})
	f.api = must(f.svc.CreateRestAPI(ctx, model.RestAPI{Name: "pets"}))(t)
	f.res = must(f.svc.CreateResource(ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "x"}))(t)
	must(f.svc.CreateStage(ctx, f.api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	return f
}

// servedResources returns the ids of the resources the data plane serves on stage live.
func (f *batchFixture) servedResources() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	if snap := f.served["live"]; snap != nil {
		for _, r := range snap.Resources {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// deployments returns how many deployments stage live has had.
func (f *batchFixture) deployments() int64 {
	f.t.Helper()
	h := must(f.svc.StageHistory(f.ctx, f.api.ID, "live"))(f.t)
	return h[len(h)-1].Seq // the history keeps its newest entries; their numbers count them all
}

// holdFirstBatch makes the first batch's leader wait until n writes (its own included) are queued,
// so that they all go into that one batch; later batches run at once.
func (f *batchFixture) holdFirstBatch(n int) {
	var once sync.Once
	control.SetBeforeBatch(f.svc, func() {
		once.Do(func() {
			for deadline := time.Now().Add(10 * time.Second); control.QueuedWrites(f.svc) < n; {
				if time.Now().After(deadline) {
					f.t.Errorf("only %d of %d writes queued after 10s", control.QueuedWrites(f.svc), n)
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	})
}

// TestAutoDeployFailureSavesNothing is the regression test of a write and its auto-deployment in two
// transactions: when the deployment failed the write answered an error but stayed saved, so that
// Terraform left it out of state and the next apply failed with "already exists".
func TestAutoDeployFailureSavesNothing(t *testing.T) {
	for _, fault := range []string{"snapshot", "commit"} {
		t.Run(fault, func(t *testing.T) {
			f := newBatchFixture(t)
			id := control.MethodID{RestAPIID: f.api.ID, ResourceID: f.res.ID, HTTPMethod: "GET"}
			before := f.deployments()
			if fault == "snapshot" {
				f.st.failSnapshot.Store(true)
			} else {
				f.st.failCommit.Store(true)
			}
			_, err := f.svc.PutMethod(f.ctx, id, model.Method{}, control.Precondition{})
			if err == nil {
				t.Fatal("PutMethod with a failing deployment succeeded, want an error")
			}
			if !errors.Is(err, errInjected) || status(err) != http.StatusInternalServerError {
				t.Errorf("PutMethod with a failing deployment = %v (status %d), want the injected failure as a 500", err, status(err))
			}
			if _, err := f.svc.GetMethod(f.ctx, id); !control.IsNotFound(err) {
				t.Errorf("GetMethod after the failed write = %v, want not found: the write must not be saved without its deployment", err)
			}
			if got := f.deployments(); got != before {
				t.Errorf("stage live has had %d deployments after the failed write, want %d", got, before)
			}

			// The same write again succeeds and is deployed.
			if _, err := f.svc.PutMethod(f.ctx, id, model.Method{}, control.Precondition{}); err != nil {
				t.Fatalf("PutMethod retried: %v", err)
			}
			_, snap, err := f.svc.StageConfig(f.ctx, f.api.ID, "live")
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Methods) != 1 || snap.Methods[0].HTTPMethod != "GET" {
				t.Errorf("stage live serves methods %+v after the retry, want GET on /x", snap.Methods)
			}
			if got := f.deployments(); got != before+1 {
				t.Errorf("stage live has had %d deployments after the retry, want %d", got, before+1)
			}
		})
	}
}

// TestAutoDeployCoalescesConcurrentWrites: concurrent writers share deployments, and each write is
// served by the stage when its own call returns.
func TestAutoDeployCoalescesConcurrentWrites(t *testing.T) {
	f := newBatchFixture(t)
	before := f.deployments()
	const writers = 24
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			r, err := f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: fmt.Sprintf("r%d", i)})
			if err != nil {
				t.Error(err)
				return
			}
			if !slices.Contains(f.servedResources(), r.ID) {
				t.Errorf("resource r%d is not served by stage live when its CreateResource returns", i)
			}
		})
	}
	wg.Wait()
	if got := len(f.servedResources()); got != writers+2 {
		t.Errorf("stage live serves %d resources, want %d (root, /x and every write)", got, writers+2)
	}
	deploys := f.deployments() - before
	if deploys < 1 || deploys > writers/4 {
		t.Errorf("%d auto deployments for %d concurrent writes, want between 1 and %d", deploys, writers, writers/4)
	}
	t.Logf("%d concurrent writes made %d deployments", writers, deploys)
}

// TestBatchFailingWritesFailAlone puts writes that fail (409, 404, 412) in one batch with writes that
// succeed: each failing write gets its own error and is undone alone, the others are saved and
// deployed once; unless the deployment fails, which fails the batch's successful writes.
func TestBatchFailingWritesFailAlone(t *testing.T) {
	for _, deployFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("deployment fails %t", deployFails), func(t *testing.T) {
			f := newBatchFixture(t)
			before := f.deployments()
			const good = 6
			f.holdFirstBatch(good + 4)
			f.st.failSnapshot.Store(deployFails)
			var wg sync.WaitGroup
			goodErrs := make([]error, good)
			for i := range good {
				wg.Go(func() {
					_, goodErrs[i] = f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: fmt.Sprintf("r%d", i)})
				})
			}
			var dupErr, missingErr, staleErr error
			wg.Go(func() {
				_, dupErr = f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "x"})
			})
			var halfErr error
			wg.Go(func() {
				// A write that fails after it has written: its writes are undone alone.
				halfErr = control.WriteTx(f.svc, f.ctx, func(tx store.Tx) error {
					r := model.Resource{ID: "ghost00000", RestAPIID: f.api.ID, ParentID: f.api.RootResourceID, PathPart: "ghost", Path: "/ghost"}
					if _, err := tx.Put(store.KindResource, f.api.ID, r.ID, must(json.Marshal(r))(t), store.ExpectAbsent); err != nil {
						return err
					}
					return errInjected
				})
			})
			wg.Go(func() {
				_, missingErr = f.svc.PutMethod(f.ctx, control.MethodID{RestAPIID: f.api.ID, ResourceID: "nope000000", HTTPMethod: "GET"}, model.Method{}, control.Precondition{})
			})
			wg.Go(func() {
				_, staleErr = f.svc.UpdateRestAPI(f.ctx, f.api.ID, model.RestAPI{Name: "renamed"}, control.Precondition{IfMatch: f.api.Version + 10})
			})
			wg.Wait()

			if !errors.Is(halfErr, errInjected) {
				t.Errorf("write that failed after writing: %v, want its own error", halfErr)
			}
			if _, err := f.svc.GetResource(f.ctx, f.api.ID, "ghost00000"); !control.IsNotFound(err) {
				t.Errorf("resource written by a failed write: %v, want not found", err)
			}
			if status(dupErr) != http.StatusConflict {
				t.Errorf("duplicate resource: %v, want 409", dupErr)
			}
			if status(missingErr) != http.StatusNotFound {
				t.Errorf("method of a missing resource: %v, want 404", missingErr)
			}
			if status(staleErr) != http.StatusPreconditionFailed {
				t.Errorf("stale If-Match: %v, want 412", staleErr)
			}
			if got := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t).Name; got != "pets" {
				t.Errorf("rest api name = %q after the refused update, want pets", got)
			}
			all := must(f.svc.ListResources(f.ctx, f.api.ID))(t)
			if deployFails {
				for i, err := range goodErrs {
					if !errors.Is(err, errInjected) || status(err) != http.StatusInternalServerError {
						t.Errorf("write %d of a batch whose deployment failed: %v, want the injected failure as a 500", i, err)
					}
				}
				if len(all) != 2 {
					t.Errorf("%d resources after a failed batch, want 2 (root and /x)", len(all))
				}
				if got := f.deployments(); got != before {
					t.Errorf("%d deployments after a failed batch, want %d", got, before)
				}
				return
			}
			for i, err := range goodErrs {
				if err != nil {
					t.Errorf("write %d beside failing writes: %v", i, err)
				}
			}
			if len(all) != good+2 {
				t.Errorf("%d resources, want %d (root, /x and every good write)", len(all), good+2)
			}
			if got := len(f.servedResources()); got != good+2 {
				t.Errorf("stage live serves %d resources, want %d", got, good+2)
			}
			if got := f.deployments() - before; got != 1 {
				t.Errorf("the batch made %d deployments, want 1 (all its writes were meant to share one batch)", got)
			}
		})
	}
}

// TestBatchPanicFailsTheBatch: a write that panics gets an error carrying the panic, the other
// writes of its batch get an error and are not saved, and the Service goes on taking writes.
func TestBatchPanicFailsTheBatch(t *testing.T) {
	f := newBatchFixture(t)
	f.holdFirstBatch(3)
	var wg sync.WaitGroup
	var aErr, bErr, panicErr error
	wg.Go(func() {
		_, aErr = f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "a"})
	})
	wg.Go(func() { panicErr = control.Write(f.svc, f.ctx, func() error { panic("boom") }) })
	wg.Go(func() {
		_, bErr = f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "b"})
	})
	wg.Wait()
	if panicErr == nil || !strings.Contains(panicErr.Error(), "panic") || !strings.Contains(panicErr.Error(), "boom") {
		t.Errorf("panicking write: %v, want an error naming the panic", panicErr)
	}
	for name, err := range map[string]error{"a": aErr, "b": bErr} {
		if status(err) != http.StatusInternalServerError {
			t.Errorf("write %s in the batch of a panicking write: %v, want a 500", name, err)
		}
	}
	if n := len(must(f.svc.ListResources(f.ctx, f.api.ID))(t)); n != 2 {
		t.Errorf("%d resources after the failed batch, want 2", n)
	}
	if _, err := f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "a"}); err != nil {
		t.Errorf("write after the panic: %v", err)
	}
}

// TestBatchSkipsCanceledWrites: a write whose caller went away before it ran is not saved, and a
// queued one returns at once.
func TestBatchSkipsCanceledWrites(t *testing.T) {
	f := newBatchFixture(t)
	release := make(chan struct{})
	var once sync.Once
	control.SetBeforeBatch(f.svc, func() { once.Do(func() { <-release }) })
	leaderDone := make(chan error, 1)
	go func() {
		_, err := f.svc.CreateResource(f.ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "a"})
		leaderDone <- err
	}()
	waitQueued(t, f.svc, 1)
	ctx, cancel := context.WithCancel(f.ctx)
	queuedDone := make(chan error, 1)
	go func() {
		_, err := f.svc.CreateResource(ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "b"})
		queuedDone <- err
	}()
	waitQueued(t, f.svc, 2)
	cancel()
	select {
	case err := <-queuedDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("canceled queued write: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a canceled queued write did not return while the batch before it was held")
	}
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatalf("leader's write: %v", err)
	}
	// A leader whose caller has gone away skips its own write.
	if _, err := f.svc.CreateResource(ctx, f.api.ID, model.Resource{ParentID: f.api.RootResourceID, PathPart: "c"}); !errors.Is(err, context.Canceled) {
		t.Errorf("write with a canceled context: %v, want context.Canceled", err)
	}
	var parts []string
	for _, r := range must(f.svc.ListResources(f.ctx, f.api.ID))(t) {
		parts = append(parts, r.PathPart)
	}
	slices.Sort(parts)
	if want := []string{"", "a", "x"}; !slices.Equal(parts, want) {
		t.Errorf("path parts saved = %q, want %q", parts, want)
	}
}

func waitQueued(t *testing.T, svc *control.Service, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); control.QueuedWrites(svc) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued after 10s, want %d", control.QueuedWrites(svc), n)
		}
	}
}
