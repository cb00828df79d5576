package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// deploymentRecord is a deployment as stored. A retired deployment was deleted by a client while a
// stage still served it: it is invisible to readers and removed when the last stage moves off it.
type deploymentRecord struct {
	model.Deployment
	Retired bool `json:"retired,omitempty"`
	// Serial orders deployments by creation, finer than CreatedDate's seconds.
	Serial int64 `json:"serial"`
}

func getDeploymentRecord(tx store.Tx, apiID, id string) (deploymentRecord, error) {
	d, ver, err := getJSON[deploymentRecord](tx, store.KindDeployment, apiID, id, "deployment "+id+" of rest api "+apiID)
	d.Version = ver
	return d, err
}

// getLiveDeployment returns a deployment that has not been retired.
func getLiveDeployment(tx store.Tx, apiID, id string) (model.Deployment, error) {
	d, err := getDeploymentRecord(tx, apiID, id)
	if err == nil && d.Retired {
		return model.Deployment{}, notFound("deployment %s of rest api %s not found (it was deleted and is kept only while a stage still serves it)", id, apiID)
	}
	return d.Deployment, err
}

// snapshot reads the API's whole current configuration inside tx.
func snapshot(tx store.Tx, apiID string) (*model.Snapshot, error) {
	api, err := getAPI(tx, apiID)
	if err != nil {
		return nil, err
	}
	snap := &model.Snapshot{RestAPI: api}
	if snap.Resources, err = listResources(tx, apiID); err != nil {
		return nil, err
	}
	if snap.Methods, err = listJSON(tx, store.KindMethod, apiID, "", setMethodVersion); err != nil {
		return nil, err
	}
	if snap.Integrations, err = listJSON(tx, store.KindIntegration, apiID, "", setIntegrationVersion); err != nil {
		return nil, err
	}
	if snap.MethodResponses, err = listJSON(tx, store.KindMethodResponse, apiID, "", setMethodResponseVersion); err != nil {
		return nil, err
	}
	if snap.IntegrationResponses, err = listJSON(tx, store.KindIntegrationResponse, apiID, "", setIntegrationResponseVersion); err != nil {
		return nil, err
	}
	return snap, nil
}

// createDeployment freezes the API's current configuration inside t.
func (t *txn) createDeployment(apiID, description string, auto bool) (model.Deployment, error) {
	snap, err := snapshot(t, apiID)
	if err != nil {
		return model.Deployment{}, err
	}
	rec := deploymentRecord{
		Deployment: model.Deployment{ID: newID(), RestAPIID: apiID, Description: description, AutoDeployed: auto, CreatedDate: t.s.now()},
		Serial:     time.Now().UnixNano(),
	}
	if rec.Version, err = putJSON(t, store.KindDeployment, apiID, rec.ID, rec, store.ExpectAbsent, "deployment "+rec.ID); err != nil {
		return model.Deployment{}, err
	}
	if _, err := putJSON(t, store.KindSnapshot, apiID, rec.ID, snap, store.ExpectAbsent, "snapshot of deployment "+rec.ID); err != nil {
		return model.Deployment{}, err
	}
	return rec.Deployment, nil
}

// contentChanged is called by every write that changes what a deployment of apiID would freeze. When
// the API has auto-deploy stages it marks the API in the same transaction; update then deploys it once
// the write has committed (deployLatest), and a crash in between is repaired at start (DeployPending).
// Deploying outside the write lets concurrent writers share one snapshot instead of taking one each.
func (t *txn) contentChanged(apiID string) error {
	stages, err := listJSON[stageRecord](t, store.KindStage, apiID, "", nil)
	if err != nil {
		return err
	}
	for _, st := range stages {
		if st.AutoDeploy {
			t.deploy[apiID] = true
			_, err := t.Put(store.KindPendingDeploy, apiID, pendingKey, []byte("{}"), store.AnyVersion)
			return err
		}
	}
	return nil
}

const pendingKey = "auto_deploy"

// apiRevision counts an API's auto-deploying commits (committed) and how many of them are deployed.
type apiRevision struct {
	// deploying serializes the API's deployments.
	deploying          sync.Mutex
	committed, covered uint64
}

func (s *Service) revision(apiID string) *apiRevision {
	s.revMu.Lock()
	defer s.revMu.Unlock()
	r := s.revs[apiID]
	if r == nil {
		r = &apiRevision{}
		s.revs[apiID] = r
	}
	return r
}

// committed records one more committed auto-deploying change of apiID and returns its number.
func (s *Service) committed(apiID string) uint64 {
	r := s.revision(apiID)
	s.revMu.Lock()
	defer s.revMu.Unlock()
	r.committed++
	return r.committed
}

// deployLatest makes sure the auto-deploy stages of apiID serve at least change number rev. Writers
// that committed while another deployment ran are covered by the next one, which snapshots everything
// committed before it starts.
func (s *Service) deployLatest(ctx context.Context, apiID string, rev uint64) error {
	r := s.revision(apiID)
	r.deploying.Lock()
	defer r.deploying.Unlock()
	s.revMu.Lock()
	covered, target := r.covered, r.committed
	s.revMu.Unlock()
	if covered >= rev {
		return nil
	}
	// The change is committed: deploy it even if the caller has gone away.
	if err := s.update(context.WithoutCancel(ctx), func(t *txn) error { return t.deployPending(apiID) }); err != nil {
		return fmt.Errorf("auto-deploying rest api %s (the change itself is saved; gatewayd retries at start): %w", apiID, err)
	}
	s.revMu.Lock()
	if target > r.covered {
		r.covered = target
	}
	s.revMu.Unlock()
	return nil
}

// deployPending deploys the API's current configuration to its auto-deploy stages if it is marked.
func (t *txn) deployPending(apiID string) error {
	if _, err := t.Get(store.KindPendingDeploy, apiID, pendingKey); errors.Is(err, store.ErrNotFound) {
		return nil // deployed already, or the API is gone
	} else if err != nil {
		return err
	}
	if err := t.Delete(store.KindPendingDeploy, apiID, pendingKey, store.AnyVersion); err != nil {
		return err
	}
	stages, err := listJSON[stageRecord](t, store.KindStage, apiID, "", setStageRecordVersion)
	if err != nil {
		return err
	}
	var auto []stageRecord
	for _, st := range stages {
		if st.AutoDeploy {
			auto = append(auto, st)
		}
	}
	if len(auto) == 0 {
		return nil
	}
	dep, err := t.createDeployment(apiID, "auto-deployed", true)
	if err != nil {
		return err
	}
	for _, st := range auto {
		if err := t.moveStage(st, dep.ID, "auto_deploy"); err != nil {
			return err
		}
	}
	return t.pruneDeployments(apiID)
}

// DeployPending deploys every API whose auto-deploy stages missed a change (gatewayd stopped between
// a write and its deployment). The daemon calls it at start.
func (s *Service) DeployPending(ctx context.Context) error {
	apis, err := s.ListRestAPIs(ctx)
	if err != nil {
		return err
	}
	for _, a := range apis {
		if err := s.update(ctx, func(t *txn) error { return t.deployPending(a.ID) }); err != nil {
			return fmt.Errorf("auto-deploying rest api %s: %w", a.ID, err)
		}
	}
	return nil
}

// pruneDeployments removes retired deployments no stage serves, and auto-deployed ones beyond the
// newest KeepAutoDeployments that no stage serves.
func (t *txn) pruneDeployments(apiID string) error {
	deps, err := listJSON[deploymentRecord](t, store.KindDeployment, apiID, "", nil)
	if err != nil {
		return err
	}
	stages, err := listJSON[stageRecord](t, store.KindStage, apiID, "", nil)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, st := range stages {
		used[st.DeploymentID] = true
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Serial > deps[j].Serial })
	autoSeen := 0
	for _, d := range deps {
		if d.AutoDeployed && !d.Retired {
			autoSeen++
		}
		if used[d.ID] {
			continue
		}
		if d.Retired || (d.AutoDeployed && autoSeen > t.s.opts.KeepAutoDeployments) {
			if err := t.deleteDeployment(apiID, d.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *txn) deleteDeployment(apiID, id string) error {
	if err := deleteRecord(t, store.KindDeployment, apiID, id, store.AnyVersion, "deployment "+id); err != nil {
		return err
	}
	return deleteRecord(t, store.KindSnapshot, apiID, id, store.AnyVersion, "snapshot of deployment "+id)
}

// CreateDeployment freezes the API's current configuration. When stageName is not empty, that stage
// (which must exist) is pointed at the new deployment in the same transaction.
func (s *Service) CreateDeployment(ctx context.Context, apiID string, in model.Deployment, stageName string) (model.Deployment, error) {
	if err := in.Validate(); err != nil {
		return model.Deployment{}, invalid(err)
	}
	var out model.Deployment
	err := s.update(ctx, func(t *txn) (err error) {
		if out, err = t.createDeployment(apiID, in.Description, false); err != nil {
			return err
		}
		if stageName == "" {
			return nil
		}
		st, err := getStageRecord(t, apiID, stageName)
		if err != nil {
			return unprocessable("stage_name", "stage %q does not exist in rest api %s", stageName, apiID)
		}
		return t.moveStage(st, out.ID, "update")
	})
	return out, err
}

// GetDeployment returns one deployment (without its snapshot).
func (s *Service) GetDeployment(ctx context.Context, apiID, id string) (model.Deployment, error) {
	var out model.Deployment
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = getLiveDeployment(tx, apiID, id)
		return err
	})
	return out, err
}

// GetDeploymentSnapshot returns the configuration a deployment froze.
func (s *Service) GetDeploymentSnapshot(ctx context.Context, apiID, id string) (*model.Snapshot, error) {
	var out *model.Snapshot
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getLiveDeployment(tx, apiID, id); err != nil {
			return err
		}
		snap, _, err := getJSON[model.Snapshot](tx, store.KindSnapshot, apiID, id, "snapshot of deployment "+id)
		out = &snap
		return err
	})
	return out, err
}

// ListDeployments returns an API's deployments, newest first.
func (s *Service) ListDeployments(ctx context.Context, apiID string) ([]model.Deployment, error) {
	var recs []deploymentRecord
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		recs, err = listJSON(tx, store.KindDeployment, apiID, "", func(d *deploymentRecord, v int64) { d.Version = v })
		return err
	})
	sort.Slice(recs, func(i, j int) bool { return recs[i].Serial > recs[j].Serial })
	out := make([]model.Deployment, 0, len(recs))
	for _, r := range recs {
		if !r.Retired {
			out = append(out, r.Deployment)
		}
	}
	return out, err
}

// UpdateDeployment changes a deployment's description, the only field that is not frozen.
func (s *Service) UpdateDeployment(ctx context.Context, apiID, id string, in model.Deployment, pre Precondition) (model.Deployment, error) {
	if err := in.Validate(); err != nil {
		return model.Deployment{}, invalid(err)
	}
	var out model.Deployment
	err := s.update(ctx, func(t *txn) error {
		rec, err := getDeploymentRecord(t, apiID, id)
		if err != nil {
			return err
		}
		if rec.Retired {
			return notFound("deployment %s of rest api %s not found", id, apiID)
		}
		rec.Description = in.Description
		if rec.Version, err = putJSON(t, store.KindDeployment, apiID, id, rec, pre.expect(), "deployment "+id); err != nil {
			return err
		}
		out = rec.Deployment
		return nil
	})
	return out, err
}

// DeleteDeployment deletes a deployment. A deployment a stage serves is refused with 409, unless
// whenUnused is set: then it is retired (invisible at once) and removed when the last stage moves off
// it, which lets a Terraform replacement delete the old deployment before the stage is updated.
// The result tells whether the removal was deferred.
func (s *Service) DeleteDeployment(ctx context.Context, apiID, id string, whenUnused bool, pre Precondition) (deferred bool, err error) {
	err = s.update(ctx, func(t *txn) error {
		rec, err := getDeploymentRecord(t, apiID, id)
		if err != nil {
			return err
		}
		if rec.Retired {
			return notFound("deployment %s of rest api %s not found", id, apiID)
		}
		if pre.IfMatch > 0 && pre.IfMatch != rec.Version {
			return storeErr(store.ErrVersionMismatch, "deployment "+id)
		}
		stages, err := listJSON[stageRecord](t, store.KindStage, apiID, "", nil)
		if err != nil {
			return err
		}
		var users []string
		for _, st := range stages {
			if st.DeploymentID == id {
				users = append(users, st.StageName)
			}
		}
		if len(users) == 0 {
			return t.deleteDeployment(apiID, id)
		}
		if !whenUnused {
			return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "deployment " + id + " is used by stage(s) " +
				strings.Join(users, ", ") + "; point them at another deployment first, or delete with ?when_unused=true to remove it when they move"}
		}
		rec.Retired, deferred = true, true
		_, err = putJSON(t, store.KindDeployment, apiID, id, rec, rec.Version, "deployment "+id)
		return err
	})
	return deferred, err
}
