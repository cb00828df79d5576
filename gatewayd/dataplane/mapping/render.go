package mapping

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
)

// Render evaluates a mapping template for one request: body is what $input reads (the method request's
// body for a request template, the integration response's for a response template) and contentType its
// type; overrides carries what an earlier template of the request set. A template that reads a JSON body
// that is not JSON is answered 400 with API Gateway's message; any other failure (a limit, an exception)
// is a 500, logged with its cause.
func Render(t *vtl.Template, in *Input, body []byte, contentType string, overrides *apigw.Overrides) (apigw.Output, error) {
	ti := in.templateInput()
	ti.Body, ti.ContentType, ti.Overrides = body, contentType, overrides
	out, err := apigw.Render(t, ti)
	ti.Body, ti.Overrides = nil, nil
	if err == nil {
		return out, nil
	}
	var be *apigw.BodyError
	if errors.As(err, &be) {
		return out, gwerror.BadRequest(be.Error(), err)
	}
	return out, gwerror.Internal(fmt.Errorf("mapping template %s: %w", t.Name(), err))
}

// templateInput builds the variables templates read from the method request, once per request.
func (in *Input) templateInput() *apigw.Input {
	if in.tpl != nil {
		return in.tpl
	}
	ti := &apigw.Input{StageVariables: in.StageVars}
	if in.Context != nil {
		ti.Context = in.Context.Context
	}
	if len(in.ParamNames) > 0 {
		ti.Path = make(map[string]string, len(in.ParamNames))
		for i, n := range in.ParamNames {
			v := in.ParamValues[i]
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			ti.Path[n] = v
		}
	}
	if q := in.Query(); len(q) > 0 {
		ti.Query = make(map[string]string, len(q))
		for k, vv := range q {
			ti.Query[k] = vv[len(vv)-1] // API Gateway keeps the last of repeated values
		}
	}
	if h := in.Request.Header; len(h) > 0 {
		ti.Header = make(map[string]string, len(h))
		for k, vv := range h {
			ti.Header[k] = strings.Join(vv, ",")
		}
	}
	in.tpl = ti
	return ti
}
