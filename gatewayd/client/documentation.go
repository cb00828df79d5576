package client

import (
	"context"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func docPartsPath(apiID string) string    { return apiPath(apiID) + "/documentation/parts" }
func docVersionsPath(apiID string) string { return apiPath(apiID) + "/documentation/versions" }

// CreateDocumentationPart adds a documentation part to an API.
func (c *Client) CreateDocumentationPart(ctx context.Context, apiID string, in model.DocumentationPart) (model.DocumentationPart, error) {
	return send(ctx, c, http.MethodPost, docPartsPath(apiID), in)
}

// GetDocumentationPart reads a documentation part by id.
func (c *Client) GetDocumentationPart(ctx context.Context, apiID, id string) (model.DocumentationPart, error) {
	return get[model.DocumentationPart](ctx, c, docPartsPath(apiID)+"/"+esc(id))
}

// ListDocumentationParts lists an API's documentation parts.
func (c *Client) ListDocumentationParts(ctx context.Context, apiID string) ([]model.DocumentationPart, error) {
	return getList[model.DocumentationPart](ctx, c, docPartsPath(apiID))
}

// UpdateDocumentationPart replaces a part's location and properties.
func (c *Client) UpdateDocumentationPart(ctx context.Context, apiID, id string, in model.DocumentationPart, opts ...WriteOption) (model.DocumentationPart, error) {
	return send(ctx, c, http.MethodPut, docPartsPath(apiID)+"/"+esc(id), in, opts...)
}

// DeleteDocumentationPart deletes a documentation part.
func (c *Client) DeleteDocumentationPart(ctx context.Context, apiID, id string, opts ...WriteOption) error {
	return c.del(ctx, docPartsPath(apiID)+"/"+esc(id), nil, opts...)
}

// CreateDocumentationVersion names a copy of the API's documentation parts as they are now.
func (c *Client) CreateDocumentationVersion(ctx context.Context, apiID string, in model.DocumentationVersion) (model.DocumentationVersion, error) {
	return send(ctx, c, http.MethodPost, docVersionsPath(apiID), in)
}

// GetDocumentationVersion reads a documentation version by name.
func (c *Client) GetDocumentationVersion(ctx context.Context, apiID, version string) (model.DocumentationVersion, error) {
	return get[model.DocumentationVersion](ctx, c, docVersionsPath(apiID)+"/"+esc(version))
}

// ListDocumentationVersions lists an API's documentation versions.
func (c *Client) ListDocumentationVersions(ctx context.Context, apiID string) ([]model.DocumentationVersion, error) {
	return getList[model.DocumentationVersion](ctx, c, docVersionsPath(apiID))
}

// UpdateDocumentationVersion replaces a version's description.
func (c *Client) UpdateDocumentationVersion(ctx context.Context, apiID, version string, in model.DocumentationVersion, opts ...WriteOption) (model.DocumentationVersion, error) {
	return send(ctx, c, http.MethodPut, docVersionsPath(apiID)+"/"+esc(version), in, opts...)
}

// DeleteDocumentationVersion deletes a version no stage names.
func (c *Client) DeleteDocumentationVersion(ctx context.Context, apiID, version string, opts ...WriteOption) error {
	return c.del(ctx, docVersionsPath(apiID)+"/"+esc(version), nil, opts...)
}
