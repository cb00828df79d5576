package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// MethodID names a method: the API, the resource and the verb.
type MethodID struct{ RestAPIID, ResourceID, HTTPMethod string }

func (m MethodID) path() string {
	return "/v1/restapis/" + esc(m.RestAPIID) + "/resources/" + esc(m.ResourceID) + "/methods/" + esc(m.HTTPMethod)
}

func apiPath(id string) string { return "/v1/restapis/" + esc(id) }

// CreateRestAPI creates an API (and its root resource).
func (c *Client) CreateRestAPI(ctx context.Context, in model.RestAPI) (model.RestAPI, error) {
	return send(ctx, c, http.MethodPost, "/v1/restapis", in)
}

// GetRestAPI reads an API.
func (c *Client) GetRestAPI(ctx context.Context, id string) (model.RestAPI, error) {
	return get[model.RestAPI](ctx, c, apiPath(id))
}

// ListRestAPIs lists every API.
func (c *Client) ListRestAPIs(ctx context.Context) ([]model.RestAPI, error) {
	return getList[model.RestAPI](ctx, c, "/v1/restapis")
}

// UpdateRestAPI replaces an API's settable fields.
func (c *Client) UpdateRestAPI(ctx context.Context, id string, in model.RestAPI, opts ...WriteOption) (model.RestAPI, error) {
	return send(ctx, c, http.MethodPut, apiPath(id), in, opts...)
}

// DeleteRestAPI deletes an API and everything in it.
func (c *Client) DeleteRestAPI(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, apiPath(id), nil, opts...)
}

// CreateResource creates a resource under in.ParentID.
func (c *Client) CreateResource(ctx context.Context, apiID string, in model.Resource) (model.Resource, error) {
	return send(ctx, c, http.MethodPost, apiPath(apiID)+"/resources", in)
}

// GetResource reads a resource.
func (c *Client) GetResource(ctx context.Context, apiID, id string) (model.Resource, error) {
	return get[model.Resource](ctx, c, apiPath(apiID)+"/resources/"+esc(id))
}

// ListResources lists an API's resources ordered by path.
func (c *Client) ListResources(ctx context.Context, apiID string) ([]model.Resource, error) {
	return getList[model.Resource](ctx, c, apiPath(apiID)+"/resources")
}

// UpdateResource moves or renames a resource.
func (c *Client) UpdateResource(ctx context.Context, apiID, id string, in model.Resource, opts ...WriteOption) (model.Resource, error) {
	return send(ctx, c, http.MethodPut, apiPath(apiID)+"/resources/"+esc(id), in, opts...)
}

// DeleteResource deletes a resource with its descendants and their methods.
func (c *Client) DeleteResource(ctx context.Context, apiID, id string, opts ...WriteOption) error {
	return c.del(ctx, apiPath(apiID)+"/resources/"+esc(id), nil, opts...)
}

// PutMethod creates or replaces a method.
func (c *Client) PutMethod(ctx context.Context, id MethodID, in model.Method, opts ...WriteOption) (model.Method, error) {
	return send(ctx, c, http.MethodPut, id.path(), in, opts...)
}

// GetMethod reads a method.
func (c *Client) GetMethod(ctx context.Context, id MethodID) (model.Method, error) {
	return get[model.Method](ctx, c, id.path())
}

// DeleteMethod deletes a method with its integration and responses.
func (c *Client) DeleteMethod(ctx context.Context, id MethodID, opts ...WriteOption) error {
	return c.del(ctx, id.path(), nil, opts...)
}

// PutIntegration creates or replaces a method's integration.
func (c *Client) PutIntegration(ctx context.Context, id MethodID, in model.Integration, opts ...WriteOption) (model.Integration, error) {
	return send(ctx, c, http.MethodPut, id.path()+"/integration", in, opts...)
}

// GetIntegration reads a method's integration.
func (c *Client) GetIntegration(ctx context.Context, id MethodID) (model.Integration, error) {
	return get[model.Integration](ctx, c, id.path()+"/integration")
}

// DeleteIntegration deletes a method's integration and its integration responses.
func (c *Client) DeleteIntegration(ctx context.Context, id MethodID, opts ...WriteOption) error {
	return c.del(ctx, id.path()+"/integration", nil, opts...)
}

// PutMethodResponse creates or replaces a method response.
func (c *Client) PutMethodResponse(ctx context.Context, id MethodID, status string, in model.MethodResponse, opts ...WriteOption) (model.MethodResponse, error) {
	return send(ctx, c, http.MethodPut, id.path()+"/responses/"+esc(status), in, opts...)
}

// GetMethodResponse reads a method response.
func (c *Client) GetMethodResponse(ctx context.Context, id MethodID, status string) (model.MethodResponse, error) {
	return get[model.MethodResponse](ctx, c, id.path()+"/responses/"+esc(status))
}

// DeleteMethodResponse deletes a method response.
func (c *Client) DeleteMethodResponse(ctx context.Context, id MethodID, status string, opts ...WriteOption) error {
	return c.del(ctx, id.path()+"/responses/"+esc(status), nil, opts...)
}

// PutIntegrationResponse creates or replaces an integration response.
func (c *Client) PutIntegrationResponse(ctx context.Context, id MethodID, status string, in model.IntegrationResponse, opts ...WriteOption) (model.IntegrationResponse, error) {
	return send(ctx, c, http.MethodPut, id.path()+"/integration/responses/"+esc(status), in, opts...)
}

// GetIntegrationResponse reads an integration response.
func (c *Client) GetIntegrationResponse(ctx context.Context, id MethodID, status string) (model.IntegrationResponse, error) {
	return get[model.IntegrationResponse](ctx, c, id.path()+"/integration/responses/"+esc(status))
}

// DeleteIntegrationResponse deletes an integration response.
func (c *Client) DeleteIntegrationResponse(ctx context.Context, id MethodID, status string, opts ...WriteOption) error {
	return c.del(ctx, id.path()+"/integration/responses/"+esc(status), nil, opts...)
}

// CreateDeployment freezes the API's current configuration. A non-empty stageName points that existing
// stage at the new deployment in the same transaction.
func (c *Client) CreateDeployment(ctx context.Context, apiID string, in model.Deployment, stageName string) (model.Deployment, error) {
	body := struct {
		model.Deployment
		StageName string `json:"stage_name,omitempty"`
	}{in, stageName}
	var out model.Deployment
	err := c.do(ctx, http.MethodPost, apiPath(apiID)+"/deployments", nil, body, &out)
	return out, err
}

// GetDeployment reads a deployment.
func (c *Client) GetDeployment(ctx context.Context, apiID, id string) (model.Deployment, error) {
	return get[model.Deployment](ctx, c, apiPath(apiID)+"/deployments/"+esc(id))
}

// GetDeploymentSnapshot reads the configuration a deployment froze.
func (c *Client) GetDeploymentSnapshot(ctx context.Context, apiID, id string) (model.Snapshot, error) {
	return get[model.Snapshot](ctx, c, apiPath(apiID)+"/deployments/"+esc(id)+"/snapshot")
}

// ListDeployments lists an API's deployments, newest first.
func (c *Client) ListDeployments(ctx context.Context, apiID string) ([]model.Deployment, error) {
	return getList[model.Deployment](ctx, c, apiPath(apiID)+"/deployments")
}

// UpdateDeployment changes a deployment's description.
func (c *Client) UpdateDeployment(ctx context.Context, apiID, id string, in model.Deployment, opts ...WriteOption) (model.Deployment, error) {
	return send(ctx, c, http.MethodPut, apiPath(apiID)+"/deployments/"+esc(id), in, opts...)
}

// DeleteDeployment deletes a deployment. With whenUnused, a deployment a stage still serves is retired
// and removed when the last stage moves off it instead of failing with 409.
func (c *Client) DeleteDeployment(ctx context.Context, apiID, id string, whenUnused bool, opts ...WriteOption) error {
	q := url.Values{}
	if whenUnused {
		q.Set("when_unused", strconv.FormatBool(true))
	}
	return c.del(ctx, apiPath(apiID)+"/deployments/"+esc(id), q, opts...)
}

// CreateStage creates a stage.
func (c *Client) CreateStage(ctx context.Context, apiID string, in model.Stage) (model.Stage, error) {
	return send(ctx, c, http.MethodPost, apiPath(apiID)+"/stages", in)
}

// GetStage reads a stage.
func (c *Client) GetStage(ctx context.Context, apiID, name string) (model.Stage, error) {
	return get[model.Stage](ctx, c, apiPath(apiID)+"/stages/"+esc(name))
}

// ListStages lists an API's stages.
func (c *Client) ListStages(ctx context.Context, apiID string) ([]model.Stage, error) {
	return getList[model.Stage](ctx, c, apiPath(apiID)+"/stages")
}

// UpdateStage replaces a stage's settable fields.
func (c *Client) UpdateStage(ctx context.Context, apiID, name string, in model.Stage, opts ...WriteOption) (model.Stage, error) {
	return send(ctx, c, http.MethodPut, apiPath(apiID)+"/stages/"+esc(name), in, opts...)
}

// DeleteStage deletes a stage.
func (c *Client) DeleteStage(ctx context.Context, apiID, name string, opts ...WriteOption) error {
	return c.del(ctx, apiPath(apiID)+"/stages/"+esc(name), nil, opts...)
}

// StageHistory lists a stage's deployment changes, oldest first.
func (c *Client) StageHistory(ctx context.Context, apiID, name string) ([]model.StageHistoryEntry, error) {
	return getList[model.StageHistoryEntry](ctx, c, apiPath(apiID)+"/stages/"+esc(name)+"/history")
}

// Audit lists up to limit audit entries after sequence number after.
func (c *Client) Audit(ctx context.Context, after int64, limit int) ([]model.AuditEntry, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	var out list[model.AuditEntry]
	err := c.do(ctx, http.MethodGet, "/v1/audit", q, nil, &out)
	return out.Items, err
}
