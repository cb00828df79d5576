package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func iamUserPath(name string) string { return "/v1/iam/users/" + esc(name) }

func iamKeyPath(id string) string { return "/v1/iam/accesskeys/" + esc(id) }

func iamPolicyPath(user, name string) string { return iamUserPath(user) + "/policies/" + esc(name) }

// CreateIAMUser adds an IAM user.
func (c *Client) CreateIAMUser(ctx context.Context, in model.IAMUser) (model.IAMUser, error) {
	return send(ctx, c, http.MethodPost, "/v1/iam/users", in)
}

// GetIAMUser reads an IAM user by name.
func (c *Client) GetIAMUser(ctx context.Context, name string) (model.IAMUser, error) {
	return get[model.IAMUser](ctx, c, iamUserPath(name))
}

// UpdateIAMUser replaces a user's path and tags.
func (c *Client) UpdateIAMUser(ctx context.Context, name string, in model.IAMUser, opts ...WriteOption) (model.IAMUser, error) {
	return send(ctx, c, http.MethodPut, iamUserPath(name), in, opts...)
}

// DeleteIAMUser deletes a user without access keys or policies.
func (c *Client) DeleteIAMUser(ctx context.Context, name string, opts ...WriteOption) error {
	return c.del(ctx, iamUserPath(name), nil, opts...)
}

// CreateIAMAccessKey makes an access key; its Secret is set only in this answer.
func (c *Client) CreateIAMAccessKey(ctx context.Context, in model.IAMAccessKey) (model.IAMAccessKey, error) {
	return send(ctx, c, http.MethodPost, "/v1/iam/accesskeys", in)
}

// GetIAMAccessKey reads an access key (without its secret).
func (c *Client) GetIAMAccessKey(ctx context.Context, id string) (model.IAMAccessKey, error) {
	return get[model.IAMAccessKey](ctx, c, iamKeyPath(id))
}

// ListIAMAccessKeys lists a user's access keys.
func (c *Client) ListIAMAccessKeys(ctx context.Context, userName string) ([]model.IAMAccessKey, error) {
	var out list[model.IAMAccessKey]
	err := c.do(ctx, http.MethodGet, "/v1/iam/accesskeys", url.Values{"user_name": {userName}}, nil, &out)
	return out.Items, err
}

// UpdateIAMAccessKey changes a key's status.
func (c *Client) UpdateIAMAccessKey(ctx context.Context, id string, in model.IAMAccessKey, opts ...WriteOption) (model.IAMAccessKey, error) {
	return send(ctx, c, http.MethodPut, iamKeyPath(id), in, opts...)
}

// DeleteIAMAccessKey deletes an access key.
func (c *Client) DeleteIAMAccessKey(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, iamKeyPath(id), nil, opts...)
}

// PutIAMUserPolicy creates or replaces an inline policy of a user.
func (c *Client) PutIAMUserPolicy(ctx context.Context, user, name string, in model.IAMUserPolicy, opts ...WriteOption) (model.IAMUserPolicy, error) {
	return send(ctx, c, http.MethodPut, iamPolicyPath(user, name), in, opts...)
}

// GetIAMUserPolicy reads an inline policy of a user.
func (c *Client) GetIAMUserPolicy(ctx context.Context, user, name string) (model.IAMUserPolicy, error) {
	return get[model.IAMUserPolicy](ctx, c, iamPolicyPath(user, name))
}

// DeleteIAMUserPolicy deletes an inline policy of a user.
func (c *Client) DeleteIAMUserPolicy(ctx context.Context, user, name string, opts ...WriteOption) error {
	return c.del(ctx, iamPolicyPath(user, name), nil, opts...)
}

// RestAPIPolicy is a REST API's resource policy, with the API's version.
type RestAPIPolicy struct {
	RestAPIID string `json:"rest_api_id"`
	Policy    string `json:"policy"`
	Version   int64  `json:"version"`
}

// GetRestAPIPolicy reads an API's resource policy (404 when it has none).
func (c *Client) GetRestAPIPolicy(ctx context.Context, apiID string) (RestAPIPolicy, error) {
	return get[RestAPIPolicy](ctx, c, apiPath(apiID)+"/policy")
}

// PutRestAPIPolicy sets an API's resource policy.
func (c *Client) PutRestAPIPolicy(ctx context.Context, apiID, policy string, opts ...WriteOption) (RestAPIPolicy, error) {
	return send(ctx, c, http.MethodPut, apiPath(apiID)+"/policy", RestAPIPolicy{Policy: policy}, opts...)
}

// DeleteRestAPIPolicy removes an API's resource policy.
func (c *Client) DeleteRestAPIPolicy(ctx context.Context, apiID string, opts ...WriteOption) error {
	return c.del(ctx, apiPath(apiID)+"/policy", nil, opts...)
}
