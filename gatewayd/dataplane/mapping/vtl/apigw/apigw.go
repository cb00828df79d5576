package apigw

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// Input is everything one mapping template reads.
type Input struct {
	// Body is the method request body for a request template, the integration response body for a
	// response template.
	Body []byte
	// Path holds the unescaped path parameters, Query the query string parameters (the last of repeated
	// values), Header the headers (canonical names, repeated values joined with commas).
	Path, Query, Header map[string]string
	Context             Context
	StageVariables      map[string]string
	// Overrides, when set, carries the $context.requestOverride and $context.responseOverride that an
	// earlier template of the same request set, as API Gateway passes them from a MOCK integration's request
	// template to its response template.
	Overrides *Overrides
	// Options tunes the evaluation; nil uses vtl's default limits. NullAsEmpty is always on.
	Options *vtl.Options
}

// Context holds the $context variables.
type Context struct {
	RequestID         string
	ExtendedRequestID string
	APIID             string
	AccountID         string
	DeploymentID      string
	Stage             string
	ResourceID        string
	ResourcePath      string
	HTTPMethod        string
	Path              string // the request path with the stage, as /{stage}/root/child
	Protocol          string
	DomainName        string
	DomainPrefix      string
	RequestTime       time.Time

	Identity Identity
	// Authorizer is set by an authorizer: PrincipalID, Claims (Cognito) and the context map of a Lambda
	// authorizer, whose values API Gateway stringifies.
	Authorizer *Authorizer
	// Error is set for gateway response templates.
	Error *ErrorVars
}

// Identity holds $context.identity.
type Identity struct {
	SourceIP, UserAgent                                      string
	APIKey, APIKeyID                                         string
	AccountID, Caller, User, UserArn, AccessKey              string
	CognitoAuthenticationProvider, CognitoAuthenticationType string
	CognitoIdentityID, CognitoIdentityPoolID                 string
	PrincipalOrgID                                           string
}

// Authorizer holds $context.authorizer.
type Authorizer struct {
	PrincipalID string
	Claims      map[string]string
	Context     map[string]string
}

// ErrorVars holds $context.error.
type ErrorVars struct {
	Message, ResponseType, ValidationErrorString string
}

// Output is what a template produced.
type Output struct {
	Body      []byte
	Overrides Overrides
}

// Overrides are the $context.requestOverride and $context.responseOverride values a template set. A
// header or query value set to a list gives several values.
type Overrides struct {
	RequestHeader  map[string][]string
	RequestQuery   map[string][]string
	RequestPath    map[string]string
	ResponseStatus int // 0 when not overridden
	ResponseHeader map[string][]string

	req, resp *vtl.Map // as the template left them, for the next template of the request
}

// BodyError is returned when a template reads a body that is not JSON with $input.json or $input.path.
// API Gateway answers a request template's with 400 and its message.
type BodyError struct{ Err error }

func (e *BodyError) Error() string {
	return "Could not parse request body into json: " + e.Err.Error()
}

func (e *BodyError) Unwrap() error { return e.Err }

// Parse compiles a mapping template.
func Parse(name, src string) (*vtl.Template, error) { return vtl.Parse(name, src) }

// Render evaluates a mapping template with API Gateway's variables: $input, $util, $context and
// $stageVariables.
func Render(t *vtl.Template, in *Input) (Output, error) {
	var buf bytes.Buffer
	ov, err := RenderTo(&buf, t, in)
	return Output{Body: buf.Bytes(), Overrides: ov}, err
}

// RenderTo is Render writing the body to buf.
func RenderTo(buf *bytes.Buffer, t *vtl.Template, in *Input) (Overrides, error) {
	inp := &input{in: in}
	ctx, req, resp := contextMap(in)
	vars := map[string]any{
		"input":          inp,
		"util":           utilObject{},
		"context":        ctx,
		"stageVariables": stringMap(in.StageVariables, false),
	}
	opt := vtl.Options{}
	if in.Options != nil {
		opt = *in.Options
	}
	opt.NullAsEmpty = true
	err := t.Execute(buf, vars, &opt)
	var be *BodyError
	if errors.As(err, &be) {
		err = be // the data plane answers with its message alone
	}
	return overridesOf(req, resp), err
}

// stringMap makes a java.util.HashMap of strings, filled in key order so that colliding keys iterate
// the same way every time.
func stringMap(m map[string]string, opaque bool) *vtl.Map {
	out := vtl.NewHashMap()
	if opaque {
		out.SetOpaque()
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out.Put(k, m[k])
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// contextMap builds $context. Its keys, and those of $context.identity, iterate in the order
// java.util.HashMap gives them, and its nested maps render as empty strings, as API Gateway's do.
func contextMap(in *Input) (ctx, req, resp *vtl.Map) {
	c := &in.Context
	ctx = vtl.NewHashMap()
	ctx.Put("resourceId", nullable(c.ResourceID))
	ctx.Put("resourcePath", nullable(c.ResourcePath))
	ctx.Put("httpMethod", nullable(c.HTTPMethod))
	ctx.Put("extendedRequestId", nullable(c.ExtendedRequestID))
	if !c.RequestTime.IsZero() {
		ctx.Put("requestTime", c.RequestTime.UTC().Format("02/Jan/2006:15:04:05 -0700"))
	}
	ctx.Put("path", nullable(c.Path))
	ctx.Put("accountId", nullable(c.AccountID))
	ctx.Put("protocol", nullable(c.Protocol))
	ctx.Put("stage", nullable(c.Stage))
	ctx.Put("domainPrefix", nullable(c.DomainPrefix))
	if !c.RequestTime.IsZero() {
		// After domainPrefix: the two share a HashMap bucket, and AWS lists domainPrefix first.
		ctx.Put("requestTimeEpoch", c.RequestTime.UnixMilli())
	}
	ctx.Put("requestId", nullable(c.RequestID))
	ctx.Put("domainName", nullable(c.DomainName))
	ctx.Put("deploymentId", nullable(c.DeploymentID))
	ctx.Put("apiId", nullable(c.APIID))

	id := vtl.NewHashMap()
	id.SetOpaque()
	ident := &c.Identity
	for _, kv := range []struct {
		k, v string
	}{
		{"cognitoIdentityPoolId", ident.CognitoIdentityPoolID}, {"accountId", ident.AccountID},
		{"cognitoIdentityId", ident.CognitoIdentityID}, {"caller", ident.Caller}, {"sourceIp", ident.SourceIP},
		{"principalOrgId", ident.PrincipalOrgID}, {"accessKey", ident.AccessKey},
		{"cognitoAuthenticationType", ident.CognitoAuthenticationType},
		{"cognitoAuthenticationProvider", ident.CognitoAuthenticationProvider}, {"userArn", ident.UserArn},
		{"userAgent", ident.UserAgent}, {"user", ident.User},
	} {
		id.Put(kv.k, nullable(kv.v))
	}
	if ident.APIKey != "" {
		id.Put("apiKey", ident.APIKey)
	}
	if ident.APIKeyID != "" {
		id.Put("apiKeyId", ident.APIKeyID)
	}
	ctx.Put("identity", id)

	if a := c.Authorizer; a != nil {
		am := stringMap(a.Context, true)
		if a.PrincipalID != "" {
			am.Put("principalId", a.PrincipalID)
		}
		if a.Claims != nil {
			am.Put("claims", stringMap(a.Claims, true))
		}
		ctx.Put("authorizer", am)
	}
	if e := c.Error; e != nil {
		em := vtl.NewHashMap()
		em.SetOpaque()
		em.Put("message", e.Message)
		em.Put("messageString", `"`+e.Message+`"`)
		em.Put("responseType", nullable(e.ResponseType))
		em.Put("validationErrorString", nullable(e.ValidationErrorString))
		ctx.Put("error", em)
	}

	if o := in.Overrides; o != nil && o.req != nil {
		req, resp = o.req, o.resp
	} else {
		req = vtl.NewHashMap()
		req.SetOpaque()
		for _, k := range []string{"path", "header", "querystring"} {
			m := vtl.NewHashMap()
			m.SetWriteOnce()
			req.Put(k, m)
		}
		resp = vtl.NewHashMap()
		resp.SetOpaque()
		h := vtl.NewHashMap()
		h.SetWriteOnce()
		resp.Put("header", h)
	}
	ctx.Put("requestOverride", req)
	ctx.Put("responseOverride", resp)
	return ctx, req, resp
}

func overridesOf(req, resp *vtl.Map) Overrides {
	o := Overrides{req: req, resp: resp}
	o.RequestHeader = multiOf(req, "header")
	o.RequestQuery = multiOf(req, "querystring")
	if pm, ok := mapAt(req, "path"); ok && pm.Len() > 0 {
		o.RequestPath = map[string]string{}
		pm.Range(func(k, v any) bool {
			if v != nil {
				o.RequestPath[vtl.String(k)] = vtl.String(v)
			}
			return true
		})
	}
	o.ResponseHeader = multiOf(resp, "header")
	if s, ok := resp.Get("status"); ok {
		switch s := s.(type) {
		case int64:
			o.ResponseStatus = int(s)
		case float64:
			o.ResponseStatus = int(s)
		case string:
			o.ResponseStatus, _ = strconv.Atoi(s)
		}
		if o.ResponseStatus < 100 || o.ResponseStatus > 599 {
			o.ResponseStatus = 0
		}
	}
	return o
}

func mapAt(m *vtl.Map, k string) (*vtl.Map, bool) {
	v, _ := m.Get(k)
	x, ok := v.(*vtl.Map)
	return x, ok
}

func multiOf(m *vtl.Map, k string) map[string][]string {
	hm, ok := mapAt(m, k)
	if !ok || hm.Len() == 0 {
		return nil
	}
	out := map[string][]string{}
	hm.Range(func(k, v any) bool {
		name := vtl.String(k)
		switch v := v.(type) {
		case nil:
		case *vtl.List:
			for _, e := range v.Items() {
				out[name] = append(out[name], vtl.String(e))
			}
		default:
			out[name] = append(out[name], vtl.String(v))
		}
		return true
	})
	return out
}
