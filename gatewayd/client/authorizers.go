package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func authorizerPath(apiID, id string) string { return apiPath(apiID) + "/authorizers/" + esc(id) }

func gatewayResponsePath(apiID, typ string) string {
	return apiPath(apiID) + "/gatewayresponses/" + esc(typ)
}

// CreateAuthorizer adds an authorizer to an API.
func (c *Client) CreateAuthorizer(ctx context.Context, apiID string, in model.Authorizer) (model.Authorizer, error) {
	return send(ctx, c, http.MethodPost, apiPath(apiID)+"/authorizers", in)
}

// GetAuthorizer reads an authorizer.
func (c *Client) GetAuthorizer(ctx context.Context, apiID, id string) (model.Authorizer, error) {
	return get[model.Authorizer](ctx, c, authorizerPath(apiID, id))
}

// ListAuthorizers lists an API's authorizers.
func (c *Client) ListAuthorizers(ctx context.Context, apiID string) ([]model.Authorizer, error) {
	return getList[model.Authorizer](ctx, c, apiPath(apiID)+"/authorizers")
}

// UpdateAuthorizer replaces an authorizer's settings.
func (c *Client) UpdateAuthorizer(ctx context.Context, apiID, id string, in model.Authorizer, opts ...WriteOption) (model.Authorizer, error) {
	return send(ctx, c, http.MethodPut, authorizerPath(apiID, id), in, opts...)
}

// DeleteAuthorizer deletes an authorizer no method uses.
func (c *Client) DeleteAuthorizer(ctx context.Context, apiID, id string, opts ...WriteOption) error {
	return c.del(ctx, authorizerPath(apiID, id), nil, opts...)
}

// PutGatewayResponse creates or replaces the gateway response of one type.
func (c *Client) PutGatewayResponse(ctx context.Context, apiID, typ string, in model.GatewayResponse, opts ...WriteOption) (model.GatewayResponse, error) {
	return send(ctx, c, http.MethodPut, gatewayResponsePath(apiID, typ), in, opts...)
}

// GetGatewayResponse reads the gateway response of one type.
func (c *Client) GetGatewayResponse(ctx context.Context, apiID, typ string) (model.GatewayResponse, error) {
	return get[model.GatewayResponse](ctx, c, gatewayResponsePath(apiID, typ))
}

// ListGatewayResponses lists an API's customized gateway responses.
func (c *Client) ListGatewayResponses(ctx context.Context, apiID string) ([]model.GatewayResponse, error) {
	return getList[model.GatewayResponse](ctx, c, apiPath(apiID)+"/gatewayresponses")
}

// DeleteGatewayResponse removes a customization.
func (c *Client) DeleteGatewayResponse(ctx context.Context, apiID, typ string, opts ...WriteOption) error {
	return c.del(ctx, gatewayResponsePath(apiID, typ), nil, opts...)
}
