package control

import (
	"context"
	"maps"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// ReasonPromote is the stage history reason of a promotion: the stage took its canary's deployment.
const ReasonPromote = "promote"

// servedDeployments are the deployments a stage serves: its own and its canary's.
func (st stageRecord) servedDeployments() []string {
	if st.CanarySettings != nil && st.CanarySettings.DeploymentID != st.DeploymentID {
		return []string{st.DeploymentID, st.CanarySettings.DeploymentID}
	}
	return []string{st.DeploymentID}
}

// checkCanary checks that a canary names a deployment of the API. A canary whose deployment was
// retired (deleted while served) may keep it; a new or moved canary needs a live one.
func checkCanary(tx store.Tx, apiID string, c, cur *model.CanarySettings) error {
	if c == nil || (cur != nil && cur.DeploymentID == c.DeploymentID) {
		return nil
	}
	if _, err := getLiveDeployment(tx, apiID, c.DeploymentID); err != nil {
		return unprocessable("canary_settings.deployment_id", "canary_settings.deployment_id %q is not a deployment of rest api %s", c.DeploymentID, apiID)
	}
	return nil
}

// promoted reports whether an update of stage cur to deployment target with canary next promotes
// its canary: the stage takes the canary's deployment and the canary goes.
func promoted(cur model.Stage, target string, next *model.CanarySettings) bool {
	return cur.CanarySettings != nil && next == nil && target == cur.CanarySettings.DeploymentID && target != cur.DeploymentID
}

// PromoteCanary makes a stage serve its canary's deployment and removes the canary, in one write:
// all of the stage's traffic then goes to what the canary served. With mergeVariables, the canary's
// stage_variable_overrides are also merged into the stage's variables (as API Gateway's console
// offers); otherwise the stage keeps its variables.
func (s *Service) PromoteCanary(ctx context.Context, apiID, name string, mergeVariables bool, pre Precondition) (model.Stage, error) {
	var out model.Stage
	err := s.update(ctx, func(t *txn) error {
		cur, err := getStageRecord(t, apiID, name)
		if err != nil {
			return err
		}
		if pre.IfMatch > 0 && pre.IfMatch != cur.Version {
			return storeErr(store.ErrVersionMismatch, "stage "+name)
		}
		c := cur.CanarySettings
		if c == nil {
			return conflict("stage %s of rest api %s has no canary to promote", name, apiID)
		}
		if mergeVariables {
			vars := maps.Clone(cur.Variables)
			if vars == nil {
				vars = map[string]string{}
			}
			maps.Copy(vars, c.StageVariableOverrides)
			cur.Variables = vars
			if err := cur.Validate(); err != nil {
				return invalid(err)
			}
		}
		cur.CanarySettings = nil
		if err := t.moveStage(cur, c.DeploymentID, ReasonPromote); err != nil {
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

// CreateCanaryDeployment freezes the API's current configuration and makes it the canary of stage
// stageName, in one transaction: the deployment form of a canary release (API Gateway's
// CreateDeployment with canarySettings). The stage keeps its own deployment, which serves the rest
// of its traffic; canary.DeploymentID is set to the new deployment.
func (s *Service) CreateCanaryDeployment(ctx context.Context, apiID string, in model.Deployment, stageName string, canary model.CanarySettings) (model.Deployment, error) {
	if err := in.Validate(); err != nil {
		return model.Deployment{}, invalid(err)
	}
	if stageName == "" {
		return model.Deployment{}, badRequest("stage_name", "stage_name is required with canary_settings: the stage whose canary the deployment becomes")
	}
	if canary.DeploymentID != "" {
		return model.Deployment{}, badRequest("canary_settings.deployment_id", "canary_settings.deployment_id must be left out when creating a deployment: the canary is the new deployment")
	}
	canary.DeploymentID = "pending" // validated as a whole below, then set
	canary.Normalize()
	if err := canary.Validate(); err != nil {
		return model.Deployment{}, invalid(err)
	}
	var out model.Deployment
	err := s.update(ctx, func(t *txn) (err error) {
		st, err := getStageRecord(t, apiID, stageName)
		if err != nil {
			return unprocessable("stage_name", "stage %q does not exist in rest api %s", stageName, apiID)
		}
		if out, err = t.createDeployment(apiID, in.Description, false); err != nil {
			return err
		}
		canary.DeploymentID = out.ID
		st.CanarySettings = &canary
		return t.moveStage(st, st.DeploymentID, "update")
	})
	return out, err
}

// Release is what a stage serves: the stage, its deployment's snapshot and, when it has a canary,
// the canary deployment's snapshot.
type Release struct {
	Stage    model.Stage
	Snapshot *model.Snapshot
	// Canary is nil when the stage has no canary.
	Canary *model.Snapshot
}

// StageRelease returns what a stage serves, read in one transaction, including retired deployments
// the stage or its canary still point at. The data plane loads stages through it.
func (s *Service) StageRelease(ctx context.Context, apiID, name string) (Release, error) {
	var out Release
	err := s.view(ctx, func(tx store.Tx) error {
		st, err := getStageRecord(tx, apiID, name)
		if err != nil {
			return err
		}
		if st.Stage, err = withMethodSettings(tx, st.Stage); err != nil {
			return err
		}
		out.Stage = s.withURL(st.Stage)
		if out.Stage.ClientCertificate, err = s.clientKeyPair(tx, st.ClientCertificateID); err != nil {
			return err
		}
		slot := apiID + "/" + name
		if out.Snapshot, err = loadSnapshot(tx, apiID, st.DeploymentID, "snapshot of deployment "+st.DeploymentID, &s.parts, slot); err != nil {
			return err
		}
		if c := st.CanarySettings; c != nil {
			snap, err := loadSnapshot(tx, apiID, c.DeploymentID, "snapshot of canary deployment "+c.DeploymentID, &s.parts, slot+"/canary")
			if err != nil {
				return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error(), cause: err}
			}
			out.Canary = snap
		}
		return nil
	})
	return out, err
}
