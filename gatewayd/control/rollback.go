package control

import (
	"context"
	"sort"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// ReasonRollback is the stage history reason of a rollback, whether it came from RollbackStage or
// from an update that pointed the stage back at a deployment it served before.
const ReasonRollback = "rollback"

// RollbackStage points a stage back at an earlier deployment in one write, and so moves all of its
// traffic there before it returns (the data plane is notified before the commit's writers return).
//
// deploymentID names the deployment to go back to; when it is empty, the stage goes back to the
// deployment it served before its current one (the previous_deployment_id of its latest history
// entry). Like `kubectl rollout undo`, a second rollback without a deployment therefore undoes the
// first.
//
// A rollback is meant to hold until someone decides otherwise, so it also:
//   - turns auto_deploy off: otherwise the next change of the API would deploy the configuration that
//     was just rolled back; setting auto_deploy again deploys the API's current configuration;
//   - removes the stage's canary: all of the stage's traffic goes to the deployment rolled back to.
//
// The history records the move with reason "rollback". Rolling back to the deployment the stage
// already serves changes nothing and records nothing.
func (s *Service) RollbackStage(ctx context.Context, apiID, name, deploymentID string, pre Precondition) (model.Stage, error) {
	var out model.Stage
	err := s.update(ctx, func(t *txn) error {
		cur, err := getStageRecord(t, apiID, name)
		if err != nil {
			return err
		}
		if pre.IfMatch > 0 && pre.IfMatch != cur.Version {
			return storeErr(store.ErrVersionMismatch, "stage "+name)
		}
		target := deploymentID
		if target == "" {
			if target, err = previousDeployment(t, cur); err != nil {
				return err
			}
		}
		if _, err := getLiveDeployment(t, apiID, target); err != nil {
			if deploymentID == "" {
				return conflict("stage %s of rest api %s cannot go back to deployment %s, which no longer exists; name an existing deployment to roll back to", name, apiID, target)
			}
			return unprocessable("deployment_id", "deployment_id %q is not a deployment of rest api %s", target, apiID)
		}
		if target == cur.DeploymentID && !cur.AutoDeploy && cur.CanarySettings == nil {
			out, err = withMethodSettings(t, cur.Stage)
			return err
		}
		cur.AutoDeploy = false
		cur.CanarySettings = nil
		if err := t.moveStage(cur, target, ReasonRollback); err != nil {
			return err
		}
		t.stageChanged(apiID, name) // also when only auto_deploy or the canary changed
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

// previousDeployment returns the deployment a stage served before its current one.
func previousDeployment(tx store.Tx, st stageRecord) (string, error) {
	hist, err := listJSON[model.StageHistoryEntry](tx, store.KindStageHistory, st.RestAPIID, st.StageName+"/", nil)
	if err != nil {
		return "", err
	}
	sort.Slice(hist, func(i, j int) bool { return hist[i].Seq < hist[j].Seq })
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.DeploymentID == st.DeploymentID && h.PreviousDeploymentID != "" && h.PreviousDeploymentID != st.DeploymentID {
			return h.PreviousDeploymentID, nil
		}
		if h.DeploymentID == st.DeploymentID {
			break
		}
	}
	return "", conflict("stage %s of rest api %s has no earlier deployment in its history to roll back to; name one with deployment_id", st.StageName, st.RestAPIID)
}
