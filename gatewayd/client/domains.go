package client

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func certificatePath(id string) string { return "/v1/certificates/" + esc(id) }

func domainPath(name string) string { return "/v1/domainnames/" + esc(name) }

// mappingPath names a base path mapping; "" is the empty base path, "(none)".
func mappingPath(domain, basePath string) string {
	basePath = strings.Trim(basePath, "/")
	if basePath == "" {
		basePath = model.NoBasePath
	}
	segs := strings.Split(basePath, "/")
	for i, s := range segs {
		segs[i] = esc(s)
	}
	return domainPath(domain) + "/basepathmappings/" + strings.Join(segs, "/")
}

// CACertificate returns the internal CA's root certificate (PEM), creating the CA on first use.
func (c *Client) CACertificate(ctx context.Context) (string, error) {
	v, err := get[model.CACertificate](ctx, c, "/v1/ca/certificate")
	return v.CertificatePEM, err
}

// CreateCertificate imports a certificate, or issues one from the internal CA (validation method
// INTERNAL). The answer never holds the private key.
func (c *Client) CreateCertificate(ctx context.Context, in model.Certificate) (model.Certificate, error) {
	return send(ctx, c, http.MethodPost, "/v1/certificates", in)
}

// GetCertificate reads a certificate by id.
func (c *Client) GetCertificate(ctx context.Context, id string) (model.Certificate, error) {
	return get[model.Certificate](ctx, c, certificatePath(id))
}

// ListCertificates lists every certificate.
func (c *Client) ListCertificates(ctx context.Context) ([]model.Certificate, error) {
	return getList[model.Certificate](ctx, c, "/v1/certificates")
}

// UpdateCertificate re-imports a certificate (body, chain and key) or changes its tags.
func (c *Client) UpdateCertificate(ctx context.Context, id string, in model.Certificate, opts ...WriteOption) (model.Certificate, error) {
	return send(ctx, c, http.MethodPut, certificatePath(id), in, opts...)
}

// DeleteCertificate deletes a certificate no domain name uses.
func (c *Client) DeleteCertificate(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, certificatePath(id), nil, opts...)
}

// CreateDomainName adds a custom domain name.
func (c *Client) CreateDomainName(ctx context.Context, in model.DomainName) (model.DomainName, error) {
	return send(ctx, c, http.MethodPost, "/v1/domainnames", in)
}

// GetDomainName reads a domain name.
func (c *Client) GetDomainName(ctx context.Context, name string) (model.DomainName, error) {
	return get[model.DomainName](ctx, c, domainPath(name))
}

// ListDomainNames lists every domain name.
func (c *Client) ListDomainNames(ctx context.Context) ([]model.DomainName, error) {
	return getList[model.DomainName](ctx, c, "/v1/domainnames")
}

// UpdateDomainName replaces a domain name's settings.
func (c *Client) UpdateDomainName(ctx context.Context, name string, in model.DomainName, opts ...WriteOption) (model.DomainName, error) {
	return send(ctx, c, http.MethodPut, domainPath(name), in, opts...)
}

// DeleteDomainName deletes a domain name and its base path mappings.
func (c *Client) DeleteDomainName(ctx context.Context, name string, opts ...WriteOption) error {
	return c.del(ctx, domainPath(name), nil, opts...)
}

// CreateBasePathMapping maps a base path of a domain name to an API and stage.
func (c *Client) CreateBasePathMapping(ctx context.Context, in model.BasePathMapping) (model.BasePathMapping, error) {
	return send(ctx, c, http.MethodPost, domainPath(in.DomainName)+"/basepathmappings", in)
}

// GetBasePathMapping reads a mapping; basePath "" is the empty one.
func (c *Client) GetBasePathMapping(ctx context.Context, domain, basePath string) (model.BasePathMapping, error) {
	return get[model.BasePathMapping](ctx, c, mappingPath(domain, basePath))
}

// ListBasePathMappings lists a domain name's mappings.
func (c *Client) ListBasePathMappings(ctx context.Context, domain string) ([]model.BasePathMapping, error) {
	return getList[model.BasePathMapping](ctx, c, domainPath(domain)+"/basepathmappings")
}

// UpdateBasePathMapping points a mapping at another API or stage.
func (c *Client) UpdateBasePathMapping(ctx context.Context, in model.BasePathMapping, opts ...WriteOption) (model.BasePathMapping, error) {
	return send(ctx, c, http.MethodPut, mappingPath(in.DomainName, in.BasePath), in, opts...)
}

// DeleteBasePathMapping deletes a mapping.
func (c *Client) DeleteBasePathMapping(ctx context.Context, domain, basePath string, opts ...WriteOption) error {
	return c.del(ctx, mappingPath(domain, basePath), nil, opts...)
}
