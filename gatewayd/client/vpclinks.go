package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func vpcLinkPath(id string) string { return "/v1/vpclinks/" + esc(id) }

// CreateVPCLink adds a VPC link: a pool of backends that integrations with connection_type VPC_LINK
// send to.
func (c *Client) CreateVPCLink(ctx context.Context, in model.VPCLink) (model.VPCLink, error) {
	return send(ctx, c, http.MethodPost, "/v1/vpclinks", in)
}

// GetVPCLink reads a VPC link by id.
func (c *Client) GetVPCLink(ctx context.Context, id string) (model.VPCLink, error) {
	return get[model.VPCLink](ctx, c, vpcLinkPath(id))
}

// ListVPCLinks lists every VPC link.
func (c *Client) ListVPCLinks(ctx context.Context) ([]model.VPCLink, error) {
	return getList[model.VPCLink](ctx, c, "/v1/vpclinks")
}

// UpdateVPCLink replaces a VPC link's settings.
func (c *Client) UpdateVPCLink(ctx context.Context, id string, in model.VPCLink, opts ...WriteOption) (model.VPCLink, error) {
	return send(ctx, c, http.MethodPut, vpcLinkPath(id), in, opts...)
}

// DeleteVPCLink deletes a VPC link no integration names.
func (c *Client) DeleteVPCLink(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, vpcLinkPath(id), nil, opts...)
}
