package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func clientCertificatePath(id string) string { return "/v1/clientcertificates/" + esc(id) }

// GenerateClientCertificate makes gatewayd generate a key pair and a self-signed certificate; the
// answer holds the certificate, never the key.
func (c *Client) GenerateClientCertificate(ctx context.Context, in model.ClientCertificate) (model.ClientCertificate, error) {
	return send(ctx, c, http.MethodPost, "/v1/clientcertificates", in)
}

// GetClientCertificate reads a client certificate by id.
func (c *Client) GetClientCertificate(ctx context.Context, id string) (model.ClientCertificate, error) {
	return get[model.ClientCertificate](ctx, c, clientCertificatePath(id))
}

// ListClientCertificates lists every client certificate.
func (c *Client) ListClientCertificates(ctx context.Context) ([]model.ClientCertificate, error) {
	return getList[model.ClientCertificate](ctx, c, "/v1/clientcertificates")
}

// UpdateClientCertificate changes a client certificate's description and tags.
func (c *Client) UpdateClientCertificate(ctx context.Context, id string, in model.ClientCertificate, opts ...WriteOption) (model.ClientCertificate, error) {
	return send(ctx, c, http.MethodPut, clientCertificatePath(id), in, opts...)
}

// DeleteClientCertificate deletes a client certificate no stage uses.
func (c *Client) DeleteClientCertificate(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, clientCertificatePath(id), nil, opts...)
}
