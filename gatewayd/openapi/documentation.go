package openapi

import (
	"encoding/json"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const extDocumentation = "x-amazon-apigateway-documentation"

// docLocation is a part's location as API Gateway writes it in exports.
type docLocation struct {
	Type       string `json:"type"`
	Path       string `json:"path,omitempty"`
	Method     string `json:"method,omitempty"`
	StatusCode string `json:"statusCode,omitempty"`
	Name       string `json:"name,omitempty"`
}

type docPart struct {
	Location   docLocation     `json:"location"`
	Properties json.RawMessage `json:"properties"`
}

type documentation struct {
	Version            string    `json:"version,omitempty"`
	CreatedDate        string    `json:"createdDate,omitempty"`
	DocumentationParts []docPart `json:"documentationParts"`
}

// exportDocumentation writes x-amazon-apigateway-documentation as API Gateway does: the version, when
// and the parts with their properties as JSON.
func exportDocumentation(d *model.DocumentationExport) documentation {
	out := documentation{Version: d.Version, DocumentationParts: make([]docPart, 0, len(d.Parts))}
	if !d.CreatedDate.IsZero() {
		out.CreatedDate = d.CreatedDate.UTC().Format(time.RFC3339)
	}
	for _, p := range d.Parts {
		l := p.Location
		props := json.RawMessage(p.Properties)
		if !json.Valid(props) {
			props = json.RawMessage("{}") // stored parts were validated; never write a broken document
		}
		out.DocumentationParts = append(out.DocumentationParts, docPart{
			Location:   docLocation{Type: l.Type, Path: l.Path, Method: l.Method, StatusCode: l.StatusCode, Name: l.Name},
			Properties: props,
		})
	}
	return out
}
