package control

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// stageRecord is a stage as stored.
type stageRecord struct {
	model.Stage
	HistorySeq int64 `json:"history_seq"`
}

func setStageRecordVersion(s *stageRecord, v int64) { s.Version = v }

func getStageRecord(tx store.Tx, apiID, name string) (stageRecord, error) {
	st, ver, err := getJSON[stageRecord](tx, store.KindStage, apiID, name, "stage "+name+" of rest api "+apiID)
	st.Version = ver
	return st, err
}

func historyKey(stage string, seq int64) string { return fmt.Sprintf("%s/%020d", stage, seq) }

// withURL fills the computed invoke_url and ARNs, and the status when the data plane reports one.
func (s *Service) withURL(st model.Stage) model.Stage {
	st.InvokeURL = s.opts.PublicURL + "/" + st.RestAPIID + "/" + st.StageName
	st.ARN = "arn:aws:apigateway:" + s.region() + "::/restapis/" + st.RestAPIID + "/stages/" + st.StageName
	st.ExecutionARN = "arn:aws:execute-api:" + s.region() + ":" + model.AccountID + ":" + st.RestAPIID + "/" + st.StageName
	st.Status, st.LastError = "", ""
	if s.opts.StageStatus != nil && st.StageName != "" {
		st.Status, st.LastError = s.opts.StageStatus(st.RestAPIID, st.StageName)
	}
	return st
}

// moveStage points a stored stage at deploymentID, records the change in its history and saves it.
func (t *txn) moveStage(st stageRecord, deploymentID, reason string) error {
	prev := st.DeploymentID
	st.DeploymentID = deploymentID
	st.MethodSettings = nil // kept in their own records, never in the stage's
	st.LastUpdatedDate = t.s.now()
	if prev != deploymentID {
		if err := t.recordHistory(&st, prev, reason); err != nil {
			return err
		}
	}
	if _, err := putJSON(t, store.KindStage, st.RestAPIID, st.StageName, st, st.Version, "stage "+st.StageName); err != nil {
		return err
	}
	t.stageChanged(st.RestAPIID, st.StageName)
	return nil
}

func (t *txn) recordHistory(st *stageRecord, prev, reason string) error {
	if reason == "update" && prev != "" {
		// Going back to a deployment this stage served before is a rollback; say so in the history.
		hist, err := listJSON[model.StageHistoryEntry](t, store.KindStageHistory, st.RestAPIID, st.StageName+"/", nil)
		if err != nil {
			return err
		}
		for _, h := range hist {
			if h.DeploymentID == st.DeploymentID {
				reason = "rollback"
				break
			}
		}
	}
	st.HistorySeq++
	h := model.StageHistoryEntry{Seq: st.HistorySeq, StageName: st.StageName, DeploymentID: st.DeploymentID,
		PreviousDeploymentID: prev, Reason: reason, ChangedAt: t.s.now()}
	if _, err := putJSON(t, store.KindStageHistory, st.RestAPIID, historyKey(st.StageName, h.Seq), h, store.ExpectAbsent, "stage history"); err != nil {
		return err
	}
	// Keep the newest entries only: an auto-deploy stage gains one per change of its API.
	if old := h.Seq - maxHistory; old > 0 {
		if err := t.Delete(store.KindStageHistory, st.RestAPIID, historyKey(st.StageName, old), store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// maxHistory is how many deployment changes a stage's history keeps.
const maxHistory = 1000

// CreateStage creates a stage. With auto_deploy, the API's current configuration is deployed to it now.
func (s *Service) CreateStage(ctx context.Context, apiID string, in model.Stage) (model.Stage, error) {
	in.RestAPIID = apiID
	in.MethodSettings = nil          // read-only here: changed through the stage's methodsettings collection
	in.Status, in.LastError = "", "" // read-only: what the data plane reports
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Stage{}, invalid(err)
	}
	var out model.Stage
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		if _, err := getStageRecord(t, apiID, in.StageName); err == nil {
			return conflict("stage %s already exists in rest api %s; import it (ID %s/%s) or choose another name", in.StageName, apiID, apiID, in.StageName)
		}
		if in.AutoDeploy {
			dep, err := t.createDeployment(apiID, "auto-deployed", true)
			if err != nil {
				return err
			}
			in.DeploymentID = dep.ID
		} else if _, err := getLiveDeployment(t, apiID, in.DeploymentID); err != nil {
			return unprocessable("deployment_id", "deployment_id %q is not a deployment of rest api %s", in.DeploymentID, apiID)
		}
		if err := checkCanary(t, apiID, in.CanarySettings, nil); err != nil {
			return err
		}
		if err := checkClientCertificate(t, in.ClientCertificateID); err != nil {
			return err
		}
		if err := checkDocumentationVersion(t, apiID, in.DocumentationVersion); err != nil {
			return err
		}
		now := t.s.now()
		rec := stageRecord{Stage: in}
		rec.CreatedDate, rec.LastUpdatedDate = now, now
		if err := t.recordHistory(&rec, "", "create"); err != nil {
			return err
		}
		var err error
		if rec.Version, err = putJSON(t, store.KindStage, apiID, in.StageName, rec, store.ExpectAbsent, "stage "+in.StageName); err != nil {
			return err
		}
		t.stageChanged(apiID, in.StageName)
		out = rec.Stage
		return nil
	})
	return s.withURL(out), err
}

// GetStage returns one stage.
func (s *Service) GetStage(ctx context.Context, apiID, name string) (model.Stage, error) {
	var out model.Stage
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		st, err := getStageRecord(tx, apiID, name)
		if err != nil {
			return err
		}
		out, err = withMethodSettings(tx, st.Stage)
		return err
	})
	return s.withURL(out), err
}

// ListStages returns an API's stages ordered by name.
func (s *Service) ListStages(ctx context.Context, apiID string) ([]model.Stage, error) {
	var recs []stageRecord
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		if recs, err = listJSON(tx, store.KindStage, apiID, "", setStageRecordVersion); err != nil {
			return err
		}
		for i := range recs {
			if recs[i].Stage, err = withMethodSettings(tx, recs[i].Stage); err != nil {
				return err
			}
		}
		return nil
	})
	out := make([]model.Stage, 0, len(recs))
	for _, r := range recs {
		out = append(out, s.withURL(r.Stage))
	}
	return out, err
}

// UpdateStage replaces a stage's settable fields. Changing deployment_id releases or rolls back the
// stage; turning auto_deploy on deploys the API's current configuration at once.
func (s *Service) UpdateStage(ctx context.Context, apiID, name string, in model.Stage, pre Precondition) (model.Stage, error) {
	if err := checkKey("stage_name", in.StageName, name); err != nil {
		return model.Stage{}, err
	}
	in.RestAPIID, in.StageName = apiID, name
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Stage{}, invalid(err)
	}
	var out model.Stage
	err := s.update(ctx, func(t *txn) error {
		cur, err := getStageRecord(t, apiID, name)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("stage %s already exists in rest api %s", name, apiID)
		}
		if pre.IfMatch > 0 && pre.IfMatch != cur.Version {
			return storeErr(store.ErrVersionMismatch, "stage "+name)
		}
		target, reason := in.DeploymentID, "update"
		switch {
		case in.AutoDeploy && !cur.AutoDeploy:
			dep, err := t.createDeployment(apiID, "auto-deployed", true)
			if err != nil {
				return err
			}
			target, reason = dep.ID, "auto_deploy"
		case in.AutoDeploy:
			target = cur.DeploymentID // the server owns an auto-deploy stage's deployment
		case target != cur.DeploymentID:
			if _, err := getLiveDeployment(t, apiID, target); err != nil {
				return unprocessable("deployment_id", "deployment_id %q is not a deployment of rest api %s", target, apiID)
			}
		}
		if err := checkCanary(t, apiID, in.CanarySettings, cur.CanarySettings); err != nil {
			return err
		}
		if err := checkClientCertificate(t, in.ClientCertificateID); err != nil {
			return err
		}
		if err := checkDocumentationVersion(t, apiID, in.DocumentationVersion); err != nil {
			return err
		}
		if promoted(cur.Stage, target, in.CanarySettings) {
			reason = ReasonPromote
		}
		cur.Description, cur.Variables, cur.Tags, cur.AutoDeploy = in.Description, in.Variables, in.Tags, in.AutoDeploy
		cur.CacheClusterEnabled, cur.CacheClusterSize = in.CacheClusterEnabled, in.CacheClusterSize
		cur.CanarySettings = in.CanarySettings
		cur.AccessLogSettings = in.AccessLogSettings
		cur.ClientCertificateID = in.ClientCertificateID
		cur.DocumentationVersion = in.DocumentationVersion
		cur.XrayTracingEnabled, cur.WebACLARN = in.XrayTracingEnabled, in.WebACLARN
		if err := t.moveStage(cur, target, reason); err != nil {
			return err
		}
		if err := t.pruneDeployments(apiID); err != nil {
			return err
		}
		st, err := getStageRecord(t, apiID, name)
		if err != nil {
			return err
		}
		out, err = withMethodSettings(t, st.Stage)
		return err
	})
	return s.withURL(out), err
}

// DeleteStage deletes a stage with its history and method settings, and removes it from the usage
// plans that list it.
func (s *Service) DeleteStage(ctx context.Context, apiID, name string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if err := deleteRecord(t, store.KindStage, apiID, name, pre.expect(), "stage "+name+" of rest api "+apiID); err != nil {
			return err
		}
		if _, err := t.DeletePrefix(store.KindStageHistory, apiID, name+"/"); err != nil {
			return err
		}
		if err := t.deleteStageMethodSettings(apiID, name); err != nil {
			return err
		}
		if err := t.dropPlanStages(apiID, name); err != nil {
			return err
		}
		t.stageChanged(apiID, name)
		return t.pruneDeployments(apiID)
	})
}

// StageHistory returns a stage's deployment changes, oldest first.
func (s *Service) StageHistory(ctx context.Context, apiID, name string) ([]model.StageHistoryEntry, error) {
	var out []model.StageHistoryEntry
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getStageRecord(tx, apiID, name); err != nil {
			return err
		}
		out, err = listJSON[model.StageHistoryEntry](tx, store.KindStageHistory, apiID, name+"/", nil)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

// StageConfig returns what a stage serves: the stage and its deployment's snapshot, including a
// retired deployment the stage still points at. The data plane loads stages through it.
func (s *Service) StageConfig(ctx context.Context, apiID, name string) (model.Stage, *model.Snapshot, error) {
	var st stageRecord
	var snap *model.Snapshot
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if st, err = getStageRecord(tx, apiID, name); err != nil {
			return err
		}
		if st.Stage, err = withMethodSettings(tx, st.Stage); err != nil {
			return err
		}
		snap, err = loadSnapshot(tx, apiID, st.DeploymentID, "snapshot of deployment "+st.DeploymentID, nil, "")
		return err
	})
	return s.withURL(st.Stage), snap, err
}

// AllStages lists every stage of every API, for loading the data plane at start.
func (s *Service) AllStages(ctx context.Context) ([]model.Stage, error) {
	var out []model.Stage
	err := s.view(ctx, func(tx store.Tx) error {
		apis, err := listJSON[model.RestAPI](tx, store.KindRestAPI, "", "", nil)
		if err != nil {
			return err
		}
		for _, a := range apis {
			recs, err := listJSON[stageRecord](tx, store.KindStage, a.ID, "", nil)
			if err != nil {
				return err
			}
			for _, r := range recs {
				st, err := withMethodSettings(tx, r.Stage)
				if err != nil {
					return err
				}
				out = append(out, s.withURL(st))
			}
		}
		return nil
	})
	return out, err
}
