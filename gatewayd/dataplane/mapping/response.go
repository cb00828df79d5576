package mapping

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

type responseParam struct {
	header string
	src    expr
}

// Response is a compiled integration response: the method response it produces.
type Response struct {
	Status    int
	pattern   *regexp.Regexp
	params    []responseParam
	templates map[string]*vtl.Template
	// ContentHandling converts the body: CONVERT_TO_TEXT (binary to base64), CONVERT_TO_BINARY (base64
	// to binary), or "" to pass it as it is.
	ContentHandling string
}

// Responses chooses among an integration's responses.
type Responses struct {
	patterned []*Response
	def       *Response
	only      *Response
}

// CompileResponses compiles integration responses; selection patterns must match the whole input, as
// API Gateway's do.
func CompileResponses(irs []model.IntegrationResponse, stageVars map[string]string) (*Responses, error) {
	irs = slices.Clone(irs)
	slices.SortFunc(irs, func(a, b model.IntegrationResponse) int { return strings.Compare(a.StatusCode, b.StatusCode) })
	rs := &Responses{}
	for _, ir := range irs {
		status, err := strconv.Atoi(ir.StatusCode)
		if err != nil || status < 100 || status > 599 {
			return nil, fmt.Errorf("integration response %q: invalid status code", ir.StatusCode)
		}
		r := &Response{Status: status, templates: map[string]*vtl.Template{}, ContentHandling: ir.ContentHandling}
		if ir.SelectionPattern != "" {
			if r.pattern, err = regexp.Compile("^(?:" + ir.SelectionPattern + ")$"); err != nil {
				return nil, fmt.Errorf("integration response %s: compiling selection pattern: %w", ir.StatusCode, err)
			}
		}
		for k, v := range ir.ResponseParameters {
			name, ok := strings.CutPrefix(k, "method.response.header.")
			if !ok || name == "" {
				return nil, fmt.Errorf("integration response %s: unsupported response parameter %q", ir.StatusCode, k)
			}
			src, err := compileExpr(v, stageVars)
			if err != nil {
				return nil, fmt.Errorf("integration response %s: response parameter %q: %w", ir.StatusCode, k, err)
			}
			r.params = append(r.params, responseParam{header: http.CanonicalHeaderKey(name), src: src})
		}
		slices.SortFunc(r.params, func(a, b responseParam) int { return strings.Compare(a.header, b.header) })
		for ct, src := range ir.ResponseTemplates {
			t, err := ParseTemplate("integration response "+ir.StatusCode+" response_templates."+ct, src)
			if err != nil {
				return nil, err
			}
			r.templates[strings.ToLower(ct)] = t
		}
		if r.pattern == nil {
			if rs.def != nil {
				return nil, fmt.Errorf("integration responses %d and %d both have an empty selection pattern", rs.def.Status, status)
			}
			rs.def = r
		} else {
			rs.patterned = append(rs.patterned, r)
		}
	}
	if len(irs) == 1 {
		rs.only = rs.def
		if rs.only == nil {
			rs.only = rs.patterned[0]
		}
	}
	return rs, nil
}

// Select returns the response whose pattern matches input, else the default one; nil when neither.
func (rs *Responses) Select(input string) *Response {
	if input != "" {
		for _, r := range rs.patterned {
			if r.pattern.MatchString(input) {
				return r
			}
		}
	}
	return rs.def
}

// Mock returns the response a MOCK integration answers with: the one selected by status (from its
// request template), else the default, else the only one.
func (rs *Responses) Mock(status string) *Response {
	if r := rs.Select(status); r != nil {
		return r
	}
	return rs.only
}

// Headers evaluates the response parameters into h.
func (r *Response) Headers(h http.Header, in *Input, backend *message.Response) {
	for _, p := range r.params {
		if vals := p.src.eval(in, backend, false); len(vals) > 0 {
			h[p.header] = vals
		}
	}
}

// Template returns the response template for the client's Accept header, with its content type: the
// first acceptable type that has one, else application/json's, else the only one. ok is false when the
// response has no template, and the backend's body passes through.
func (r *Response) Template(accept string) (t *vtl.Template, contentType string, ok bool) {
	if len(r.templates) == 0 {
		return nil, "", false
	}
	if accept != "" {
		for part := range strings.SplitSeq(accept, ",") {
			mt := MediaType(strings.TrimSpace(part))
			if t, ok := r.templates[mt]; ok {
				return t, mt, true
			}
		}
	}
	if t, ok := r.templates["application/json"]; ok {
		return t, "application/json", true
	}
	if len(r.templates) == 1 {
		for ct, t := range r.templates {
			return t, ct, true
		}
	}
	return nil, "", false
}
