package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// GetAccount reads the account's settings and the account limits in force.
func (c *Client) GetAccount(ctx context.Context) (model.Account, error) {
	return get[model.Account](ctx, c, "/v1/account")
}

// UpdateAccount replaces the account's settings; its throttle limits apply at once.
func (c *Client) UpdateAccount(ctx context.Context, in model.Account, opts ...WriteOption) (model.Account, error) {
	return send(ctx, c, http.MethodPut, "/v1/account", in, opts...)
}

// ResetAccount puts the account back to its defaults: no role, the daemon's --account-* limits.
func (c *Client) ResetAccount(ctx context.Context) error {
	return c.del(ctx, "/v1/account", nil)
}
