package apigw

import (
	"bytes"
	"encoding/json"
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
	// ContentType is the body's Content-Type, which chose the template. A body that is not JSON fails
	// $input.json and $input.path when the type is JSON (or empty), and is one string to them otherwise.
	ContentType string
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
	// ClientCert is the client certificate of a mutual TLS domain name; nil without one.
	ClientCert *ClientCert
}

// ClientCert is $context.identity.clientCert, as API Gateway gives it for mutual TLS.
type ClientCert struct {
	ClientCertPem, SubjectDN, IssuerDN, SerialNumber string
	NotBefore, NotAfter                              string
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
	ctx := &contextObject{in: in}
	vars := map[string]any{
		"input":   &input{in: in},
		"util":    utilObject{},
		"context": ctx,
	}
	if t.Uses("stageVariables") {
		vars["stageVariables"] = stringMap(in.StageVariables, false)
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
	if ctx.req == nil && in.Overrides != nil {
		return *in.Overrides, err
	}
	if ctx.req == nil {
		return Overrides{}, err
	}
	return overridesOf(ctx.req, ctx.resp), err
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

// contextObject is $context. It answers the common $context.name from the Context struct and builds the
// java.util.HashMap API Gateway has (keys in HashMap order, nested maps that render as empty strings)
// only when a template lists, sets or prints it.
type contextObject struct {
	in                         *Input
	full                       *vtl.Map
	identity, authorizer, errm *vtl.Map
	req, resp                  *vtl.Map
}

func (x *contextObject) Get(name string) (any, bool) {
	if x.full != nil {
		return x.full.Get(name)
	}
	c := &x.in.Context
	switch name {
	case "resourceId":
		return nullable(c.ResourceID), true
	case "resourcePath":
		return nullable(c.ResourcePath), true
	case "httpMethod":
		return nullable(c.HTTPMethod), true
	case "extendedRequestId":
		return nullable(c.ExtendedRequestID), true
	case "requestTime":
		if c.RequestTime.IsZero() {
			return nil, false
		}
		return c.RequestTime.UTC().Format("02/Jan/2006:15:04:05 -0700"), true
	case "requestTimeEpoch":
		if c.RequestTime.IsZero() {
			return nil, false
		}
		return c.RequestTime.UnixMilli(), true
	case "path":
		return nullable(c.Path), true
	case "accountId":
		return nullable(c.AccountID), true
	case "protocol":
		return nullable(c.Protocol), true
	case "stage":
		return nullable(c.Stage), true
	case "domainPrefix":
		return nullable(c.DomainPrefix), true
	case "requestId":
		return nullable(c.RequestID), true
	case "domainName":
		return nullable(c.DomainName), true
	case "deploymentId":
		return nullable(c.DeploymentID), true
	case "apiId":
		return nullable(c.APIID), true
	case "identity":
		return x.identityMap(), true
	case "authorizer":
		if m := x.authorizerMap(); m != nil {
			return m, true
		}
	case "error":
		if m := x.errorMap(); m != nil {
			return m, true
		}
	case "requestOverride":
		x.overrides()
		return x.req, true
	case "responseOverride":
		x.overrides()
		return x.resp, true
	}
	return nil, false
}

func (x *contextObject) Call(name string, args []any) (any, error) {
	return x.materialize().Call(name, args)
}

// Set keeps a property a template sets on $context itself, as API Gateway's map would.
func (x *contextObject) Set(name string, v any) error {
	x.materialize().Put(name, v)
	return nil
}

func (x *contextObject) Items() []any {
	var vals []any
	x.materialize().Range(func(_, v any) bool { vals = append(vals, v); return true })
	return vals
}

func (x *contextObject) String() string { return vtl.String(x.materialize()) }

// materialize builds $context as a map. Keys are put in an order that, where two share a HashMap bucket,
// lists them as AWS does.
func (x *contextObject) materialize() *vtl.Map {
	if x.full != nil {
		return x.full
	}
	m := vtl.NewHashMap()
	for _, k := range []string{"resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime",
		"path", "accountId", "protocol", "stage", "domainPrefix", "requestTimeEpoch", "requestId", "domainName",
		"deploymentId", "apiId", "identity", "authorizer", "error", "requestOverride", "responseOverride"} {
		if v, ok := x.Get(k); ok {
			m.Put(k, v)
		}
	}
	x.full = m
	return m
}

func (x *contextObject) identityMap() *vtl.Map {
	if x.identity != nil {
		return x.identity
	}
	id := vtl.NewHashMap()
	id.SetOpaque()
	ident := &x.in.Context.Identity
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
	if c := ident.ClientCert; c != nil {
		validity := vtl.NewHashMap()
		validity.Put("notBefore", c.NotBefore)
		validity.Put("notAfter", c.NotAfter)
		cm := vtl.NewHashMap()
		cm.Put("clientCertPem", c.ClientCertPem)
		cm.Put("subjectDN", c.SubjectDN)
		cm.Put("issuerDN", c.IssuerDN)
		cm.Put("serialNumber", c.SerialNumber)
		cm.Put("validity", validity)
		id.Put("clientCert", cm)
	}
	x.identity = id
	return id
}

func (x *contextObject) authorizerMap() *vtl.Map {
	a := x.in.Context.Authorizer
	if a == nil || x.authorizer != nil {
		return x.authorizer
	}
	am := stringMap(a.Context, true)
	if a.PrincipalID != "" {
		am.Put("principalId", a.PrincipalID)
	}
	if a.Claims != nil {
		am.Put("claims", stringMap(a.Claims, true))
	}
	x.authorizer = am
	return am
}

func (x *contextObject) errorMap() *vtl.Map {
	e := x.in.Context.Error
	if e == nil || x.errm != nil {
		return x.errm
	}
	em := vtl.NewHashMap()
	em.SetOpaque()
	em.Put("message", nullable(e.Message))
	// messageString is the message quoted (JSON-escaped), or null when there is none, so that
	// {"message":$context.error.messageString} is always JSON.
	ms := "null"
	if e.Message != "" {
		q, _ := json.Marshal(e.Message)
		ms = string(q)
	}
	em.Put("messageString", ms)
	em.Put("responseType", nullable(e.ResponseType))
	em.Put("validationErrorString", nullable(e.ValidationErrorString))
	x.errm = em
	return em
}

// overrides makes $context.requestOverride and responseOverride, or takes them from an earlier template
// of the same request.
func (x *contextObject) overrides() {
	if x.req != nil {
		return
	}
	if o := x.in.Overrides; o != nil && o.req != nil {
		x.req, x.resp = o.req, o.resp
		return
	}
	x.req = vtl.NewHashMap()
	x.req.SetOpaque()
	for _, k := range []string{"path", "header", "querystring"} {
		m := vtl.NewHashMap()
		m.SetWriteOnce()
		x.req.Put(k, m)
	}
	x.req.SetWriteOnce()
	x.resp = vtl.NewHashMap()
	x.resp.SetOpaque()
	h := vtl.NewHashMap()
	h.SetWriteOnce()
	x.resp.Put("header", h)
	x.resp.SetWriteOnce() // status, and any key a template adds, is final too
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
