// Package validate checks a method request before its integration is called, as API Gateway's request
// validators do: the request parameters the method marks required, and the body against the method's
// model for the request's content type. A method checks only what its request validator asks for.
package validate

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model/schema"
)

// Validator is a method's compiled request validation. It is safe for concurrent use.
type Validator struct {
	// query and header are the required query string parameters and headers, by name as declared;
	// path parameters are always present once a route matched.
	query  []string
	header []requiredHeader
	// models maps a media type to the model that validates bodies of that type; nil when bodies are
	// not validated.
	models map[string]string
	set    *schema.Set
}

// Compile compiles the validation of method m. It returns nil when the method validates nothing: no
// request validator, or one whose checks have nothing to check. set holds the deployment's models.
func Compile(m model.Method, validators map[string]model.RequestValidator, set *schema.Set) (*Validator, error) {
	if m.RequestValidatorID == "" {
		return nil, nil
	}
	rv, ok := validators[m.RequestValidatorID]
	if !ok {
		return nil, fmt.Errorf("request validator %q does not exist", m.RequestValidatorID)
	}
	v := &Validator{set: set}
	if rv.ValidateRequestParameters {
		for key, required := range m.RequestParameters {
			if !required {
				continue
			}
			rest := strings.TrimPrefix(key, "method.request.")
			loc, name, _ := strings.Cut(rest, ".")
			switch loc {
			case "querystring", "multivaluequerystring":
				v.query = append(v.query, name)
			case "header", "multivalueheader":
				v.header = append(v.header, requiredHeader{name: name, key: http.CanonicalHeaderKey(name)})
			}
		}
		slices.Sort(v.query)
		slices.SortFunc(v.header, func(a, b requiredHeader) int { return strings.Compare(a.name, b.name) })
	}
	if rv.ValidateRequestBody && len(m.RequestModels) > 0 {
		v.models = map[string]string{}
		for ct, name := range m.RequestModels {
			if set == nil || !set.Has(name) {
				return nil, fmt.Errorf("request model %q for %s does not exist", name, ct)
			}
			v.models[strings.ToLower(ct)] = name
		}
	}
	if len(v.query) == 0 && len(v.header) == 0 && v.models == nil {
		return nil, nil
	}
	return v, nil
}

// requiredHeader is a required header: its name as declared, and its key in message.Request.Header.
type requiredHeader struct{ name, key string }

// Check validates one request; the error is a 400 answer as API Gateway gives it. mediaType is the
// request's media type (application/json when it sent none).
func (v *Validator) Check(req *message.Request, mediaType string) error {
	var missing []string
	if len(v.query) > 0 {
		q, _ := url.ParseQuery(req.RawQuery)
		for _, name := range v.query {
			if _, ok := q[name]; !ok {
				missing = append(missing, name)
			}
		}
	}
	for _, h := range v.header {
		if len(req.Header[h.key]) == 0 {
			missing = append(missing, h.name)
		}
	}
	if len(missing) > 0 {
		return gwerror.BadRequestParameters("Missing required request parameters: ["+strings.Join(missing, ", ")+"]", nil)
	}
	if v.models == nil {
		return nil
	}
	name, ok := v.models[mediaType]
	if !ok {
		return nil // no model for this content type: API Gateway does not validate it either
	}
	if err := v.set.Validate(name, req.Body); err != nil {
		return gwerror.BadRequestBody("Invalid request body", fmt.Errorf("body does not match model %s: %w", name, err))
	}
	return nil
}
