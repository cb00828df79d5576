package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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

// DiffDeployments says what differs between two deployments of an API: what a stage moving from
// deployment from to deployment to starts serving differently. The diff's Text is for people.
func (c *Client) DiffDeployments(ctx context.Context, apiID, from, to string) (model.DeploymentDiff, error) {
	return get[model.DeploymentDiff](ctx, c, apiPath(apiID)+"/deployments/"+esc(from)+"/diff/"+esc(to))
}

// StageHistoryDiffs lists the limit latest changes of a stage's deployment (all when limit is 0),
// oldest first, each with the diff of its move.
func (c *Client) StageHistoryDiffs(ctx context.Context, apiID, name string, limit int) ([]model.StageHistoryDiff, error) {
	q := url.Values{"diff": {"true"}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out list[model.StageHistoryDiff]
	err := c.do(ctx, http.MethodGet, stagePath(apiID, name)+"/history", q, nil, &out)
	return out.Items, err
}

// PromoteCanary makes a stage serve its canary's deployment and removes the canary. With
// mergeVariables the canary's stage variable overrides are merged into the stage's variables.
func (c *Client) PromoteCanary(ctx context.Context, apiID, name string, mergeVariables bool, opts ...WriteOption) (model.Stage, error) {
	body := struct {
		MergeVariables bool `json:"merge_variables"`
	}{mergeVariables}
	var out model.Stage
	err := c.do(ctx, http.MethodPost, stagePath(apiID, name)+"/canary/promote", nil, body, &out, opts...)
	return out, err
}

// CreateCanaryDeployment freezes the API's current configuration and makes it the canary of stage
// stageName (the deployment form of a canary release); the stage keeps serving its own deployment to
// the rest of its traffic. canary's DeploymentID is ignored: it is the new deployment.
func (c *Client) CreateCanaryDeployment(ctx context.Context, apiID string, in model.Deployment, stageName string, canary model.CanarySettings) (model.Deployment, error) {
	canary.DeploymentID = ""
	body := struct {
		model.Deployment
		StageName      string                `json:"stage_name"`
		CanarySettings *model.CanarySettings `json:"canary_settings"`
	}{in, stageName, &canary}
	var out model.Deployment
	err := c.do(ctx, http.MethodPost, apiPath(apiID)+"/deployments", nil, body, &out)
	return out, err
}
