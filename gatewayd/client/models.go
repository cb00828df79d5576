package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func modelPath(apiID, name string) string { return apiPath(apiID) + "/models/" + esc(name) }

func validatorPath(apiID, id string) string { return apiPath(apiID) + "/requestvalidators/" + esc(id) }

// CreateModel adds a model to an API.
func (c *Client) CreateModel(ctx context.Context, apiID string, in model.Model) (model.Model, error) {
	return send(ctx, c, http.MethodPost, apiPath(apiID)+"/models", in)
}

// GetModel reads a model by name.
func (c *Client) GetModel(ctx context.Context, apiID, name string) (model.Model, error) {
	return get[model.Model](ctx, c, modelPath(apiID, name))
}

// ListModels lists an API's models.
func (c *Client) ListModels(ctx context.Context, apiID string) ([]model.Model, error) {
	return getList[model.Model](ctx, c, apiPath(apiID)+"/models")
}

// UpdateModel replaces a model's description, content type and schema.
func (c *Client) UpdateModel(ctx context.Context, apiID, name string, in model.Model, opts ...WriteOption) (model.Model, error) {
	return send(ctx, c, http.MethodPut, modelPath(apiID, name), in, opts...)
}

// DeleteModel deletes a model no method or model refers to.
func (c *Client) DeleteModel(ctx context.Context, apiID, name string, opts ...WriteOption) error {
	return c.del(ctx, modelPath(apiID, name), nil, opts...)
}

// CreateRequestValidator adds a request validator to an API.
func (c *Client) CreateRequestValidator(ctx context.Context, apiID string, in model.RequestValidator) (model.RequestValidator, error) {
	return send(ctx, c, http.MethodPost, apiPath(apiID)+"/requestvalidators", in)
}

// GetRequestValidator reads a request validator.
func (c *Client) GetRequestValidator(ctx context.Context, apiID, id string) (model.RequestValidator, error) {
	return get[model.RequestValidator](ctx, c, validatorPath(apiID, id))
}

// ListRequestValidators lists an API's request validators.
func (c *Client) ListRequestValidators(ctx context.Context, apiID string) ([]model.RequestValidator, error) {
	return getList[model.RequestValidator](ctx, c, apiPath(apiID)+"/requestvalidators")
}

// UpdateRequestValidator replaces a validator's name and what it checks.
func (c *Client) UpdateRequestValidator(ctx context.Context, apiID, id string, in model.RequestValidator, opts ...WriteOption) (model.RequestValidator, error) {
	return send(ctx, c, http.MethodPut, validatorPath(apiID, id), in, opts...)
}

// DeleteRequestValidator deletes a validator no method uses.
func (c *Client) DeleteRequestValidator(ctx context.Context, apiID, id string, opts ...WriteOption) error {
	return c.del(ctx, validatorPath(apiID, id), nil, opts...)
}
