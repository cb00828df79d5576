// Package mapping evaluates an integration's data mappings: request_parameters, response_parameters,
// request and response templates, integration URIs with path parameters and stage variables, and the
// choice of an integration response by selection_pattern. Everything is compiled once per stage.
//
// Templates are Velocity (VTL) templates with API Gateway's variables (packages vtl and vtl/apigw),
// parsed once per deployment and rendered per request by Render.
package mapping

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
)

// Context holds the $context variables of one request, for templates (apigw), parameter mappings
// (context.NAME) and functions.
type Context struct {
	apigw.Context
	// IntegrationStatus is the status the backend answered (for AWS_PROXY, the Invoke API's) and
	// FunctionStatus an AWS_PROXY function's statusCode; 0 until known. The access log reads them.
	IntegrationStatus, FunctionStatus int
	// EndpointURI and EndpointHeader are the backend request of an integration that made one, for the
	// execution log. An integration that sends the client's headers without copying them sets
	// EndpointRequest instead of EndpointHeader: EndpointHeaders builds the view from it.
	EndpointURI     string
	EndpointHeader  http.Header
	EndpointRequest interface{ SentHeader() http.Header }
}

// EndpointHeaders returns the headers of the backend request, nil when none was made.
func (c *Context) EndpointHeaders() http.Header {
	if c.EndpointRequest != nil {
		return c.EndpointRequest.SentHeader()
	}
	return c.EndpointHeader
}

// Get returns a context variable by its name after "context." (identity.sourceIp, authorizer.claims.sub),
// or "" when it is unknown or not set.
func (c *Context) Get(name string) string {
	switch name {
	case "requestId":
		return c.RequestID
	case "extendedRequestId":
		if c.ExtendedRequestID != "" {
			return c.ExtendedRequestID
		}
		return c.RequestID
	case "apiId":
		return c.APIID
	case "accountId":
		return c.AccountID
	case "deploymentId":
		return c.DeploymentID
	case "stage":
		return c.Stage
	case "resourceId":
		return c.ResourceID
	case "resourcePath":
		return c.ResourcePath
	case "httpMethod":
		return c.HTTPMethod
	case "path":
		return c.Path
	case "protocol":
		return c.Protocol
	case "domainName":
		return c.DomainName
	case "domainPrefix":
		return c.DomainPrefix
	case "requestTime":
		return c.RequestTime.UTC().Format("02/Jan/2006:15:04:05 -0700")
	case "requestTimeEpoch":
		return strconv.FormatInt(c.RequestTime.UnixMilli(), 10)
	case "identity.sourceIp":
		return c.Identity.SourceIP
	case "identity.userAgent":
		return c.Identity.UserAgent
	case "identity.apiKey":
		return c.Identity.APIKey
	case "identity.apiKeyId":
		return c.Identity.APIKeyID
	case "identity.caller":
		return c.Identity.Caller
	case "identity.user":
		return c.Identity.User
	case "identity.userArn":
		return c.Identity.UserArn
	case "identity.accessKey":
		return c.Identity.AccessKey
	case "identity.accountId":
		return c.Identity.AccountID
	}
	if a := c.Authorizer; a != nil {
		switch {
		case name == "authorizer.principalId":
			return a.PrincipalID
		case strings.HasPrefix(name, "authorizer.claims."):
			return a.Claims[strings.TrimPrefix(name, "authorizer.claims.")]
		case strings.HasPrefix(name, "authorizer."):
			return a.Context[strings.TrimPrefix(name, "authorizer.")]
		}
	}
	return ""
}

// Input is the method request a mapping reads.
type Input struct {
	Request *message.Request
	// ParamNames and ParamValues are the captured path parameters; values are still escaped.
	ParamNames  []string
	ParamValues []string
	Context     *Context
	// StageVars are the stage's variables, for templates.
	StageVars map[string]string

	query url.Values
	// tpl holds the template variables built from the request, shared by its templates.
	tpl *apigw.Input
}

// PathParam returns the escaped value of a path parameter.
func (in *Input) PathParam(name string) (string, bool) {
	for i, n := range in.ParamNames {
		if n == name {
			return in.ParamValues[i], true
		}
	}
	return "", false
}

// Query returns the parsed query string, parsed once.
func (in *Input) Query() url.Values {
	if in.query == nil {
		in.query, _ = url.ParseQuery(in.Request.RawQuery)
		if in.query == nil {
			in.query = url.Values{}
		}
	}
	return in.query
}

type sourceKind int

const (
	srcLiteral sourceKind = iota
	srcPath
	srcQuery
	srcMultiQuery
	srcHeader
	srcMultiHeader
	srcBody
	srcContext
	srcIntegrationHeader
	srcIntegrationMultiHeader
	srcIntegrationBody
)

// expr is a compiled mapping expression: a 'literal', a stage variable (resolved at compile time, so a
// literal), or a reference into the method request, the context or the integration response.
type expr struct {
	kind sourceKind
	name string
	// path, for a body source, is the JSONPath that picks a value from a JSON body; nil takes the
	// whole body.
	path jp.Expr
}

func compileExpr(s string, stageVars map[string]string) (expr, error) {
	switch {
	case len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'':
		return expr{kind: srcLiteral, name: s[1 : len(s)-1]}, nil
	case strings.HasPrefix(s, "stageVariables."):
		return expr{kind: srcLiteral, name: stageVars[strings.TrimPrefix(s, "stageVariables.")]}, nil
	case strings.HasPrefix(s, "context."):
		return expr{kind: srcContext, name: strings.TrimPrefix(s, "context.")}, nil
	case s == "method.request.body" || strings.HasPrefix(s, "method.request.body."):
		return bodyExpr(srcBody, strings.TrimPrefix(s, "method.request.body"))
	case s == "integration.response.body" || strings.HasPrefix(s, "integration.response.body."):
		return bodyExpr(srcIntegrationBody, strings.TrimPrefix(s, "integration.response.body"))
	}
	for prefix, kind := range map[string]sourceKind{
		"method.request.path.":                   srcPath,
		"method.request.querystring.":            srcQuery,
		"method.request.multivaluequerystring.":  srcMultiQuery,
		"method.request.header.":                 srcHeader,
		"method.request.multivalueheader.":       srcMultiHeader,
		"integration.response.header.":           srcIntegrationHeader,
		"integration.response.multivalueheader.": srcIntegrationMultiHeader,
	} {
		if name, ok := strings.CutPrefix(s, prefix); ok && name != "" {
			return expr{kind: kind, name: name}, nil
		}
	}
	return expr{}, fmt.Errorf("unsupported mapping expression %q", s)
}

// bodyExpr compiles a body source: ".name.sub" (a JSONPath from the body's root, as API Gateway's
// method.request.body.JSONPath_EXPRESSION) or "" for the whole body.
func bodyExpr(kind sourceKind, suffix string) (expr, error) {
	if suffix == "" {
		return expr{kind: kind}, nil
	}
	x, err := jp.ParseString("$" + suffix)
	if err != nil {
		return expr{}, fmt.Errorf("JSONPath %q: %w", "$"+suffix, err)
	}
	return expr{kind: kind, path: x}, nil
}

// bodyValue returns the body, or the value the expression's JSONPath picks from it as text (a string
// as it is, anything else as JSON); none when the body is not JSON or holds no such value.
func (e expr) bodyValue(body []byte) []string {
	if e.path == nil {
		return []string{string(body)}
	}
	data, err := oj.Parse(body)
	if err != nil {
		return nil
	}
	got := e.path.First(data)
	switch v := got.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	default:
		return []string{oj.JSON(v, &oj.Options{Sort: false})}
	}
}

// eval returns the expression's values; none when the source is absent. Path values come back
// unescaped unless raw is set.
func (e expr) eval(in *Input, backend *message.Response, raw bool) []string {
	switch e.kind {
	case srcLiteral:
		return []string{e.name}
	case srcPath:
		v, ok := in.PathParam(e.name)
		if !ok {
			return nil
		}
		if !raw {
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
		}
		return []string{v}
	case srcQuery:
		if vv := in.Query()[e.name]; len(vv) > 0 {
			return vv[len(vv)-1:] // API Gateway keeps the last of repeated values
		}
	case srcMultiQuery:
		return in.Query()[e.name]
	case srcHeader:
		if vv := in.Request.Header.Values(e.name); len(vv) > 0 {
			return []string{strings.Join(vv, ",")}
		}
	case srcMultiHeader:
		return in.Request.Header.Values(e.name)
	case srcBody:
		return e.bodyValue(in.Request.Body)
	case srcContext:
		if in.Context != nil {
			return []string{in.Context.Get(e.name)}
		}
	case srcIntegrationHeader:
		if backend != nil {
			if vv := backend.Header.Values(e.name); len(vv) > 0 {
				return []string{strings.Join(vv, ",")}
			}
		}
	case srcIntegrationMultiHeader:
		if backend != nil {
			return backend.Header.Values(e.name)
		}
	case srcIntegrationBody:
		if backend != nil {
			return e.bodyValue(backend.Body)
		}
	}
	return nil
}

type targetKind int

const (
	toPath targetKind = iota
	toQuery
	toHeader
)

type requestParam struct {
	to   targetKind
	name string
	src  expr
}

// RequestParams is a compiled integration.request_parameters map.
type RequestParams struct {
	params []requestParam
}

// Mapped is what request parameters produce for the integration request.
type Mapped struct {
	// Path holds escaped values for {name} placeholders of the integration URI.
	Path   map[string]string
	Query  url.Values
	Header http.Header
}

// CompileRequestParams compiles integration.request.{path,querystring,header}.NAME = source entries.
func CompileRequestParams(m map[string]string, stageVars map[string]string) (*RequestParams, error) {
	rp := &RequestParams{}
	for k, v := range m {
		var p requestParam
		rest, ok := strings.CutPrefix(k, "integration.request.")
		if !ok {
			return nil, fmt.Errorf("request parameter %q: target must start with %q", k, "integration.request.")
		}
		where, name, _ := strings.Cut(rest, ".")
		switch where {
		case "path":
			p.to = toPath
		case "querystring", "multivaluequerystring":
			p.to = toQuery
		case "header", "multivalueheader":
			p.to = toHeader
		default:
			return nil, fmt.Errorf("request parameter %q: unsupported target %q", k, where)
		}
		if name == "" {
			return nil, fmt.Errorf("request parameter %q: empty name", k)
		}
		p.name = name
		src, err := compileExpr(v, stageVars)
		if err != nil {
			return nil, fmt.Errorf("request parameter %q: %w", k, err)
		}
		if src.kind >= srcIntegrationHeader {
			return nil, fmt.Errorf("request parameter %q: %q is not available on a request", k, v)
		}
		p.src = src
		rp.params = append(rp.params, p)
	}
	return rp, nil
}

// Len returns the number of mapped parameters.
func (rp *RequestParams) Len() int { return len(rp.params) }

// Apply evaluates the parameters for one request.
func (rp *RequestParams) Apply(in *Input) Mapped {
	var m Mapped
	for _, p := range rp.params {
		vals := p.src.eval(in, nil, p.to == toPath)
		if len(vals) == 0 {
			continue
		}
		switch p.to {
		case toPath:
			if m.Path == nil {
				m.Path = map[string]string{}
			}
			v := vals[0]
			if p.src.kind != srcPath {
				v = url.PathEscape(v)
			}
			m.Path[p.name] = v
		case toQuery:
			if m.Query == nil {
				m.Query = url.Values{}
			}
			m.Query[p.name] = append(m.Query[p.name], vals...)
		case toHeader:
			if m.Header == nil {
				m.Header = http.Header{}
			}
			ck := http.CanonicalHeaderKey(p.name)
			m.Header[ck] = append(m.Header[ck], vals...)
		}
	}
	return m
}

// Override sets the query string values and path parameters (unescaped) that a template's
// $context.requestOverride asks for; they replace what the request parameters mapped.
func (m *Mapped) Override(query map[string][]string, path map[string]string) {
	for k, vv := range query {
		if m.Query == nil {
			m.Query = url.Values{}
		}
		m.Query[k] = vv
	}
	for k, v := range path {
		if m.Path == nil {
			m.Path = map[string]string{}
		}
		m.Path[k] = url.PathEscape(v)
	}
}

// MediaType returns the lower-case media type of a Content-Type value, without parameters;
// application/json when empty, as API Gateway assumes.
func MediaType(contentType string) string {
	if contentType == "" {
		return "application/json"
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
