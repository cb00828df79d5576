package mapping

import (
	"fmt"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// RequestTemplates picks the request template of an integration by the request's content type and the
// integration's passthrough behaviour.
type RequestTemplates struct {
	byType      map[string]*vtl.Template
	passthrough string
}

// CompileRequestTemplates parses request_templates (content type to template) once per deployment.
func CompileRequestTemplates(templates map[string]string, passthrough string) (*RequestTemplates, error) {
	rt := &RequestTemplates{byType: make(map[string]*vtl.Template, len(templates)), passthrough: passthrough}
	for ct, src := range templates {
		t, err := ParseTemplate("request_templates."+ct, src)
		if err != nil {
			return nil, err
		}
		rt.byType[strings.ToLower(ct)] = t
	}
	if rt.passthrough == "" {
		rt.passthrough = "WHEN_NO_MATCH"
	}
	return rt, nil
}

// ParseTemplate parses one mapping template; the error names the template and the line and column.
func ParseTemplate(name, src string) (*vtl.Template, error) {
	t, err := vtl.Parse(name, src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// Select returns the template for a request of this media type (see MediaType), or nil when the body
// passes through unchanged. Under passthrough_behavior NEVER, or WHEN_NO_TEMPLATES when the integration
// has templates, a media type without a template is refused with 415, as API Gateway does.
func (rt *RequestTemplates) Select(mediaType string) (*vtl.Template, error) {
	if t, ok := rt.byType[mediaType]; ok {
		return t, nil
	}
	switch rt.passthrough {
	case "NEVER":
		return nil, gwerror.UnsupportedMediaType()
	case "WHEN_NO_TEMPLATES":
		if len(rt.byType) > 0 {
			return nil, gwerror.UnsupportedMediaType()
		}
	}
	return nil, nil
}
