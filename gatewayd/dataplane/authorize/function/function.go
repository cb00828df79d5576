// Package function runs TOKEN and REQUEST authorizers: functions called through the Lambda Invoke
// API (at an Invoke URL, or on AWS Lambda or an emulator for a Lambda ARN URI, signed) with API Gateway's authorizer input, whose output (principalId, policyDocument, context,
// usageIdentifierKey) decides the request.
//
// Decisions are cached by identity for the authorizer's TTL, as API Gateway caches them: the cached
// policy is evaluated against each request's method ARN, so a policy written for one method does not
// wrongly answer another. Concurrent misses of one identity make one call (singleflight), and the cache
// is bounded. With Options.Shared the nodes of a cluster share decisions through Redis, behind each
// node's cache (see Redis). A missing or empty identity, or a token that fails the validation
// expression, is refused with 401 without calling the function.
package function

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/ttlcache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// DefaultTimeout bounds one call of an authorizer function when Options.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// Doer sends a request to a function; upstream.Client is one.
type Doer interface {
	Do(ctx context.Context, req *upstream.Request) (*message.Response, error)
}

// Options configure the authorizers of a data plane.
type Options struct {
	Client Doer
	// Timeout bounds one call of the function. Default DefaultTimeout.
	Timeout time.Duration
	// MaxEntries bounds each authorizer's decision cache. Default ttlcache.DefaultMaxEntries.
	MaxEntries int
	// Now is the clock of cache expiry. Default time.Now.
	Now func() time.Time
	// AWS resolves and signs calls of functions named by Lambda ARN URIs; nil makes such authorizers
	// misconfigured.
	AWS *awsapi.Client
	// Shared, when set, is the second level of every decision cache, shared between nodes; nil keeps
	// decisions in each node's memory only.
	Shared *Redis
	// Scope names the stage ("api/stage") the authorizers are compiled for: the shared cache keeps each
	// stage's decisions apart, as each node does.
	Scope string
}

// Authorizer is a compiled TOKEN or REQUEST authorizer of one stage. It is safe for concurrent use.
type Authorizer struct {
	id, typ string
	uri     *mapping.URI
	target  string
	// signer signs the calls of a Lambda ARN URI; nil for an Invoke URL.
	signer     *awsapi.Signer
	sources    []model.IdentitySource
	validation *regexp.Regexp
	ttl        time.Duration
	opts       Options
	// fingerprint is everything that decides a decision; a recompile with the same one keeps the cache.
	fingerprint string
	cache       *ttlcache.Cache[*Decision]
	// sharedPrefix starts the authorizer's keys in opts.Shared.
	sharedPrefix string
	flight       singleflight.Group
	calls        atomic.Int64
}

// Compile prepares an authorizer for a stage whose variables are stageVars.
func Compile(a model.Authorizer, stageVars map[string]string, opts Options) (*Authorizer, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if a.Type != model.AuthorizerToken && a.Type != model.AuthorizerRequest {
		return nil, fmt.Errorf("authorizer %s: type %s is not a function authorizer", a.ID, a.Type)
	}
	raw := model.ResolveStageVariables(a.AuthorizerURI, stageVars)
	uri, err := mapping.CompileURI(raw, nil)
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", a.ID, err)
	}
	var signer *awsapi.Signer
	if t := uri.AWS; t != nil {
		if t.FunctionARN == "" || opts.AWS == nil {
			return nil, fmt.Errorf("authorizer %s: authorizer_uri %q does not name a Lambda function this data plane can invoke", a.ID, raw)
		}
		ep, err := opts.AWS.Endpoint(t.Service, t.Region, t.Partition)
		if err != nil {
			return nil, fmt.Errorf("authorizer %s: %w", a.ID, err)
		}
		uri.OnEndpoint(ep.Scheme, ep.Addr, ep.Host, ep.BasePath)
		if signer, err = opts.AWS.Signer(t.Service, t.Region, a.AuthorizerCredentials); err != nil {
			return nil, fmt.Errorf("authorizer %s: %w", a.ID, err)
		}
	}
	target, err := uri.Target(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: %w", a.ID, err)
	}
	sources, err := model.ParseIdentitySources(a.IdentitySource)
	if err != nil {
		return nil, fmt.Errorf("authorizer %s: identity_source: %w", a.ID, err)
	}
	c := &Authorizer{id: a.ID, typ: a.Type, uri: uri, target: target, signer: signer, sources: sources, ttl: time.Duration(a.TTL()) * time.Second, opts: opts}
	if a.Type == model.AuthorizerToken && a.IdentityValidationExpression != "" {
		if c.validation, err = regexp.Compile(`^(?:` + a.IdentityValidationExpression + `)$`); err != nil {
			return nil, fmt.Errorf("authorizer %s: identity_validation_expression: %w", a.ID, err)
		}
	}
	c.fingerprint = strings.Join([]string{a.ID, a.Type, raw, a.AuthorizerCredentials, a.IdentitySource, a.IdentityValidationExpression, c.ttl.String()}, "\x00")
	c.cache = ttlcache.New[*Decision](opts.MaxEntries)
	if opts.Shared != nil {
		c.sharedPrefix = opts.Shared.keyPrefix(opts.Scope, a.ID, c.fingerprint)
	}
	return c, nil
}

// Adopt takes over old's decision cache when old decided the same way (same function, identity
// sources and TTL), so that a redeploy that did not change the authorizer does not flush it.
func (a *Authorizer) Adopt(old *Authorizer) {
	if old != nil && old.fingerprint == a.fingerprint {
		a.cache = old.cache
	}
}

// Calls returns how many times the function was called.
func (a *Authorizer) Calls() int64 { return a.calls.Load() }

// ID returns the authorizer's id.
func (a *Authorizer) ID() string { return a.id }

// ContextGetter returns a $context variable by its name after "context." (identity.sourceIp), or "".
type ContextGetter interface {
	Get(name string) string
}

// Request is what an authorizer reads of a call.
type Request struct {
	Req *message.Request
	// MethodARN is the call's method ARN; APIID, Stage, ResourceID and ResourcePath name the method.
	MethodARN                              string
	APIID, Stage, ResourceID, ResourcePath string
	// Path is the request path below the stage, escaped.
	Path string
	// ParamNames and ParamValues are the path parameters (values escaped).
	ParamNames, ParamValues []string
	StageVars               map[string]string
	// Context gives $context variables, for context identity sources.
	Context ContextGetter

	query url.Values
}

func (r *Request) queryValues() url.Values {
	if r.query == nil {
		r.query, _ = url.ParseQuery(r.Req.RawQuery)
		if r.query == nil {
			r.query = url.Values{}
		}
	}
	return r.query
}

// Decision is what the function answered for an identity. It is immutable once made and shared by
// every request of that identity while it is cached.
type Decision struct {
	PrincipalID string
	Policy      *iampolicy.Policy
	// Context holds the function's context, its values stringified as API Gateway passes them on.
	Context            map[string]string
	UsageIdentifierKey string
	expires            time.Time
	authorizer         *apigw.Authorizer
	// policyDoc is the policy as the function wrote it, for the shared cache.
	policyDoc json.RawMessage
}

// Authorizer returns $context.authorizer for the decision: the principal and the context. It is shared
// by every request the decision serves and must not be modified.
func (d *Decision) Authorizer() *apigw.Authorizer { return d.authorizer }

// errUnauthorized and the others explain refusals in the log; the caller sees API Gateway's messages.
var (
	errNoIdentity  = errors.New("identity source missing or empty")
	errValidation  = errors.New("token does not match the authorizer's identity_validation_expression")
	errFnRefused   = errors.New(`the authorizer function answered "Unauthorized"`)
	errNoPolicyDoc = errors.New("authorizer output has no policyDocument")
)

// Authorize returns the decision for the request's identity, from the cache or from the function. Its
// errors are gwerror answers: 401 Unauthorized for a missing identity or the function's
// "Unauthorized", 500 AUTHORIZER_CONFIGURATION_ERROR for a function that fails or answers something
// unusable.
func (a *Authorizer) Authorize(ctx context.Context, r *Request) (*Decision, error) {
	key, token, err := a.identity(r)
	if err != nil {
		return nil, err
	}
	if a.ttl <= 0 {
		return a.call(ctx, r, token)
	}
	now := a.opts.Now()
	if d, ok := a.cache.Get(key, now); ok {
		return d, nil
	}
	// One call per identity at a time; it outlives a caller that goes away, for the others waiting.
	v, err, _ := a.flight.Do(key, func() (any, error) {
		if d, ok := a.cache.Get(key, a.opts.Now()); ok {
			return d, nil
		}
		ctx := context.WithoutCancel(ctx)
		if d, ok := a.fromShared(ctx, key); ok {
			return d, nil
		}
		d, err := a.call(ctx, r, token)
		if err != nil {
			return nil, err
		}
		now := a.opts.Now()
		a.cache.Put(key, d, d.expires, now)
		a.toShared(ctx, key, d, d.expires.Sub(now))
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Decision), nil
}

// fromShared reads identity's decision from the shared cache into the local one, for the time Redis
// gives it (at most the TTL). An entry that does not decode is a miss.
func (a *Authorizer) fromShared(ctx context.Context, identity string) (*Decision, bool) {
	sh := a.opts.Shared
	if sh == nil {
		return nil, false
	}
	v, left, ok := sh.get(ctx, identityKey(a.sharedPrefix, identity))
	if !ok {
		return nil, false
	}
	d, err := decodeDecision(v)
	if err == nil && left <= 0 {
		err = fmt.Errorf("%w: no time to live", errBadEntry)
	}
	if err != nil {
		sh.log.Debug("authorizer decision in redis unreadable: a miss", "authorizer", a.id, "err", err)
		return nil, false
	}
	now := a.opts.Now()
	d.expires = now.Add(min(left, a.ttl))
	a.cache.Put(identity, d, d.expires, now)
	return d, true
}

// toShared stores identity's decision in the shared cache for what is left of its TTL.
func (a *Authorizer) toShared(ctx context.Context, identity string, d *Decision, left time.Duration) {
	if a.opts.Shared == nil {
		return
	}
	if v, ok := encodeDecision(d); ok {
		a.opts.Shared.set(ctx, identityKey(a.sharedPrefix, identity), v, left)
	}
}

// identity reads the identity sources: the cache key, and for TOKEN the token.
func (a *Authorizer) identity(r *Request) (key, token string, err error) {
	if a.typ == model.AuthorizerToken {
		token = headerValue(r.Req.Header, a.sources[0].Name)
		if token == "" {
			return "", "", gwerror.Unauthorized(errNoIdentity)
		}
		if a.validation != nil && !a.validation.MatchString(token) {
			return "", "", gwerror.Unauthorized(errValidation)
		}
		return token, token, nil
	}
	if len(a.sources) == 0 {
		return "", "", nil
	}
	var b strings.Builder
	for i, s := range a.sources {
		v := ""
		switch s.Kind {
		case model.SourceHeader:
			v = headerValue(r.Req.Header, s.Name)
		case model.SourceQueryString:
			v = r.queryValues().Get(s.Name)
		case model.SourceStageVar:
			v = r.StageVars[s.Name]
		case model.SourceContext:
			if r.Context != nil {
				v = r.Context.Get(s.Name)
			}
		}
		if v == "" {
			return "", "", gwerror.Unauthorized(fmt.Errorf("%w: %s", errNoIdentity, s))
		}
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(v)
	}
	return b.String(), "", nil
}

// headerValue returns a header's values joined with commas, as API Gateway reads a header source.
func headerValue(h http.Header, name string) string {
	vv := h[name]
	switch len(vv) {
	case 0:
		return ""
	case 1:
		return vv[0]
	}
	return strings.Join(vv, ",")
}

// tokenEvent is a TOKEN authorizer's input.
type tokenEvent struct {
	Type               string `json:"type"`
	AuthorizationToken string `json:"authorizationToken"`
	MethodArn          string `json:"methodArn"`
}

// requestEvent is a REQUEST authorizer's input: the proxy event without the body.
type requestEvent struct {
	Type                            string              `json:"type"`
	MethodArn                       string              `json:"methodArn"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  requestContext      `json:"requestContext"`
}

type requestContext struct {
	Path             string          `json:"path"`
	AccountID        string          `json:"accountId"`
	ResourceID       string          `json:"resourceId"`
	Stage            string          `json:"stage"`
	RequestID        string          `json:"requestId"`
	Identity         requestIdentity `json:"identity"`
	ResourcePath     string          `json:"resourcePath"`
	HTTPMethod       string          `json:"httpMethod"`
	APIID            string          `json:"apiId"`
	Protocol         string          `json:"protocol"`
	DomainName       string          `json:"domainName"`
	RequestTimeEpoch int64           `json:"requestTimeEpoch"`
}

type requestIdentity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

func (a *Authorizer) event(r *Request, token string) ([]byte, error) {
	if a.typ == model.AuthorizerToken {
		return json.Marshal(tokenEvent{Type: "TOKEN", AuthorizationToken: token, MethodArn: r.MethodARN})
	}
	req := r.Req
	path, err := url.PathUnescape(r.Path)
	if err != nil {
		path = r.Path
	}
	ev := requestEvent{
		Type: "REQUEST", MethodArn: r.MethodARN, Resource: r.ResourcePath, Path: path, HTTPMethod: req.Method,
		StageVariables: r.StageVars,
		RequestContext: requestContext{
			Path: "/" + r.Stage + path, AccountID: model.AccountID, ResourceID: r.ResourceID, Stage: r.Stage,
			RequestID: req.ID, ResourcePath: r.ResourcePath, HTTPMethod: req.Method, APIID: r.APIID,
			Protocol: req.Protocol, DomainName: req.Host, RequestTimeEpoch: req.Received.UnixMilli(),
			Identity: requestIdentity{SourceIP: req.SourceIP, UserAgent: req.Header.Get("User-Agent")},
		},
	}
	if len(req.Header) > 0 {
		ev.Headers = make(map[string]string, len(req.Header))
		ev.MultiValueHeaders = make(map[string][]string, len(req.Header))
		for k, vv := range req.Header {
			ev.Headers[k] = vv[len(vv)-1]
			ev.MultiValueHeaders[k] = vv
		}
	}
	if q := r.queryValues(); len(q) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(q))
		ev.MultiValueQueryStringParameters = q
		for k, vv := range q {
			ev.QueryStringParameters[k] = vv[len(vv)-1]
		}
	}
	if len(r.ParamNames) > 0 {
		ev.PathParameters = make(map[string]string, len(r.ParamNames))
		for i, n := range r.ParamNames {
			v := r.ParamValues[i]
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			ev.PathParameters[n] = v
		}
	}
	return json.Marshal(ev)
}

// call invokes the function and reads its answer.
func (a *Authorizer) call(ctx context.Context, r *Request, token string) (*Decision, error) {
	payload, err := a.event(r, token)
	if err != nil {
		return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: encoding its input: %w", a.id, err))
	}
	a.calls.Add(1)
	req := &upstream.Request{
		Method: http.MethodPost, Scheme: a.uri.Scheme, Addr: a.uri.Addr, Host: a.uri.Host, URI: a.target,
		Header:  http.Header{"Content-Type": {"application/json"}, "X-Gatewayd-Request-Id": {r.Req.ID}},
		Body:    payload,
		Timeout: a.opts.Timeout,
	}
	if a.signer != nil {
		if err := a.signer.Sign(ctx, req); err != nil {
			return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: %w", a.id, err))
		}
	}
	resp, err := a.opts.Client.Do(ctx, req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: calling %s: %w", a.id, a.uri.Host, err))
	}
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		var fnErr struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(resp.Body, &fnErr) == nil && fnErr.ErrorMessage == "Unauthorized" {
			return nil, gwerror.Unauthorized(errFnRefused)
		}
		return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: function error %s: %.200s", a.id, fe, resp.Body))
	}
	if resp.Status != http.StatusOK {
		return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: invoke answered status %d: %.200s", a.id, resp.Status, resp.Body))
	}
	d, err := ParseOutput(resp.Body)
	if err != nil {
		return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: %w", a.id, err))
	}
	d.expires = a.opts.Now().Add(a.ttl)
	return d, nil
}

// output is an authorizer function's answer.
type output struct {
	PrincipalID        *string                    `json:"principalId"`
	PolicyDocument     json.RawMessage            `json:"policyDocument"`
	Context            map[string]json.RawMessage `json:"context"`
	UsageIdentifierKey *string                    `json:"usageIdentifierKey"`
}

// ParseOutput reads an authorizer function's answer. The context must be flat: its values strings,
// numbers or booleans (API Gateway refuses nested values with AuthorizerConfigurationException).
func ParseOutput(body []byte) (*Decision, error) {
	var out output
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("authorizer output is not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("authorizer output has data after its JSON object")
	}
	if len(out.PolicyDocument) == 0 || string(out.PolicyDocument) == "null" {
		return nil, errNoPolicyDoc
	}
	pol, err := iampolicy.Parse(out.PolicyDocument, iampolicy.Options{Kind: iampolicy.AuthorizerOutput})
	if err != nil {
		return nil, fmt.Errorf("authorizer output: %w", err)
	}
	d := &Decision{Policy: pol, policyDoc: out.PolicyDocument}
	if out.PrincipalID != nil {
		d.PrincipalID = *out.PrincipalID
	}
	if out.UsageIdentifierKey != nil {
		d.UsageIdentifierKey = *out.UsageIdentifierKey
	}
	if len(out.Context) > 0 {
		d.Context = make(map[string]string, len(out.Context))
		for k, raw := range out.Context {
			v, err := flatValue(raw)
			if err != nil {
				return nil, fmt.Errorf("authorizer output context %q: %w", k, err)
			}
			d.Context[k] = v
		}
	}
	d.authorizer = &apigw.Authorizer{PrincipalID: d.PrincipalID, Context: d.Context}
	return d, nil
}

// flatValue stringifies a context value: a string as itself, a number or boolean as its JSON text.
func flatValue(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New("missing value")
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[':
		return "", errors.New("must be a string, number or boolean, not an object or array")
	case 'n':
		return "", errors.New("must be a string, number or boolean, not null")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	return string(raw), nil
}
