package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
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
	if snap.Models, err = listJSON(tx, store.KindModel, apiID, "", setModelVersion); err != nil {
		return nil, err
	}
	if snap.RequestValidators, err = listJSON(tx, store.KindRequestValidator, apiID, "", setRequestValidatorVersion); err != nil {
		return nil, err
	}
	if snap.Authorizers, err = listJSON(tx, store.KindAuthorizer, apiID, "", setAuthorizerVersion); err != nil {
		return nil, err
	}
	if snap.GatewayResponses, err = listJSON(tx, store.KindGatewayResponse, apiID, "", setGatewayResponseVersion); err != nil {
		return nil, err
	}
	return snap, nil
}

// createDeployment freezes the API's current configuration inside t.
func (t *txn) createDeployment(apiID, description string, auto bool) (model.Deployment, error) {
	if _, err := getAPI(t, apiID); err != nil {
		return model.Deployment{}, err
	}
	head, err := t.headRoot(apiID)
	if err != nil {
		return model.Deployment{}, err
	}
	// A VPC link removed behind the control plane's back (a hand edit, an older gatewayd). Only on an
	// explicit deployment: on an auto deploy the scan would make every write O(N) again, and the write
	// itself checked its integration (a link cannot be deleted while named: 409; one missing at request
	// time answers 500 and is logged).
	if !auto {
		ins, err := listJSON[model.Integration](t, store.KindIntegration, apiID, "", nil)
		if err != nil {
			return model.Deployment{}, err
		}
		for _, in := range ins {
			if err := checkConnection(t, in, "integration of "+in.ResourceID+" "+in.HTTPMethod); err != nil {
				return model.Deployment{}, err
			}
		}
	}
	rec := deploymentRecord{
		Deployment: model.Deployment{ID: newID(), RestAPIID: apiID, Description: description, AutoDeployed: auto, CreatedDate: t.s.now()},
		Serial:     time.Now().UnixNano(),
	}
	if rec.Version, err = putJSON(t, store.KindDeployment, apiID, rec.ID, rec, store.ExpectAbsent, "deployment "+rec.ID); err != nil {
		return model.Deployment{}, err
	}
	// The snapshot is the head's root, whose parts never change (snapparts.go).
	if _, err := t.Put(store.KindSnapshot, apiID, rec.ID, head, store.ExpectAbsent); err != nil {
		return model.Deployment{}, err
	}
	return rec.Deployment, nil
}

// contentChanged is called by every write that changes what a deployment of apiID would freeze. When
// the API has auto-deploy stages, the write's batch deploys it before committing (deployAuto), once
// for all the batch's writes to the API.
func (t *txn) contentChanged(apiID string) error {
	stages, err := listJSON[stageRecord](t, store.KindStage, apiID, "", nil)
	if err != nil {
		return err
	}
	for _, st := range stages {
		if st.AutoDeploy {
			t.deploy[apiID] = true
			return nil
		}
	}
	return nil
}

// pendingKey is the key of the KindPendingDeploy mark. Writes no longer set it (they deploy in their
// own transaction); gatewayd before group commit set it in the write and cleared it in a second
// transaction, so a database it left after a crash may still hold one.
const pendingKey = "auto_deploy"

// deployAuto deploys the API's current configuration to its auto-deploy stages, if it has any (a
// write of the same batch may have deleted the API or its stages).
func (t *txn) deployAuto(apiID string) error {
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

// deployPending deploys the API to its auto-deploy stages if an older gatewayd marked it pending.
// It first drops the API's snapshot head (snapparts.go): a gatewayd without heads may have written the
// store since it was built, so the next deployment builds it again from the store.
func (t *txn) deployPending(apiID string) error {
	if err := t.Tx.Delete(store.KindSnapshotPart, apiID, partsHeadKey, store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, err := t.Get(store.KindPendingDeploy, apiID, pendingKey); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if err := t.Delete(store.KindPendingDeploy, apiID, pendingKey, store.AnyVersion); err != nil {
		return err
	}
	return t.deployAuto(apiID)
}

// DeployPending deploys every API whose auto-deploy stages missed a change because a gatewayd older
// than group commit stopped between a write and its deployment. The daemon calls it at start, before
// it serves, so that such a database is repaired on upgrade; this gatewayd leaves no such change. It
// also drops every API's snapshot head, which an older gatewayd writing the store would have left
// behind its changes.
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
		for _, id := range st.servedDeployments() {
			used[id] = true
		}
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
		var err error
		out, err = loadSnapshot(tx, apiID, id, "snapshot of deployment "+id, nil, "")
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
			if slices.Contains(st.servedDeployments(), id) {
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
