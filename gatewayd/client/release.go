package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func stagePath(apiID, name string) string { return apiPath(apiID) + "/stages/" + esc(name) }

// RollbackStage points a stage back at deploymentID, or, when it is empty, at the deployment it served
// before its current one. It also turns the stage's auto_deploy off, so that the next change of the API
// does not undo the rollback. It returns the stage as rolled back.
//
// Like every POST, it is retried only when it never reached gatewayd: a rollback without a deployment
// that went through must not be repeated (the second one would undo the first).
func (c *Client) RollbackStage(ctx context.Context, apiID, name, deploymentID string, opts ...WriteOption) (model.Stage, error) {
	var body any
	if deploymentID != "" {
		body = struct {
			DeploymentID string `json:"deployment_id"`
		}{deploymentID}
	}
	var out model.Stage
	err := c.do(ctx, http.MethodPost, stagePath(apiID, name)+"/rollback", nil, body, &out, opts...)
	return out, err
}
