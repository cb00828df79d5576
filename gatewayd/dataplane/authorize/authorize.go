// Package authorize decides whether a matched method may be called, and who calls it: the API's
// resource policy, the method's authorization (NONE, CUSTOM with a TOKEN or REQUEST authorizer,
// COGNITO_USER_POOLS/JWT, AWS_IAM) and its API key, combined as API Gateway combines them.
//
// A method's Policy is compiled once per stage from the method, the deployment's authorizers (Stage)
// and the API; Authorize runs it per request and returns the Caller, whose Principal travels in the
// request's mapping context ($context.authorizer, $context.identity), so templates, functions, logs and
// the cache's invalidation rule all see it.
//
// How the resource policy combines with the method's authorization (API Gateway's tables, same account):
//
//	authorization        resource policy Allow   Deny           neither (or no policy)
//	NONE                 allowed                 denied         denied (allowed when there is no policy)
//	CUSTOM (function)    authorizer decides;     denied before  the authorizer's policy decides
//	                     its Deny wins;          the function
//	                     its silence allows      is called
//	COGNITO_USER_POOLS   allowed if the token    denied         denied (allowed when there is no policy)
//	                     passes
//	AWS_IAM              allowed unless the      denied         the user's IAM policy decides
//	                     user's policy denies
package authorize

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/function"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/jwtauth"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/sigv4"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/usageplan"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// APIKeyHeader carries the API key, in its canonical form.
const APIKeyHeader = "X-Api-Key"

// Stage is what the methods of one compiled stage share: the deployment's authorizers, compiled for
// the stage, and the API's resource policy and API key source.
type Stage struct {
	APIID, Name string
	// Region is the region of method ARNs.
	Region string
	// KeySource is the API's api_key_source: HEADER or AUTHORIZER.
	KeySource string
	// ResourcePolicy is the API's policy, nil when it has none.
	ResourcePolicy *iampolicy.Policy
	functions      map[string]*function.Authorizer
	jwts           map[string]*jwtauth.Authorizer
	verifier       *sigv4.Verifier
	problems       map[string]error
	types          map[string]string
}

// Options are what the data plane gives every stage's authorization.
type Options struct {
	// Region is the region of method ARNs and of SigV4 signatures.
	Region    string
	Functions function.Options
	JWT       jwtauth.Options
	// Verifier checks the SigV4 signatures of AWS_IAM methods; it is shared by every stage (its replay
	// memory too).
	Verifier *sigv4.Verifier
}

// CompileStage compiles the deployment's authorizers for a stage. An authorizer that does not compile
// makes the methods that use it misconfigured (500), not the stage.
func CompileStage(api model.RestAPI, stageName string, authorizers []model.Authorizer, stageVars map[string]string, opts Options) (*Stage, error) {
	region := opts.Region
	st := &Stage{APIID: api.ID, Name: stageName, Region: region, KeySource: api.APIKeySource, verifier: opts.Verifier,
		functions: map[string]*function.Authorizer{}, jwts: map[string]*jwtauth.Authorizer{},
		problems: map[string]error{}, types: map[string]string{}}
	if st.KeySource == "" {
		st.KeySource = "HEADER"
	}
	if pol := resourcePolicyOf(api); pol != "" {
		p, err := iampolicy.Parse([]byte(pol), iampolicy.Options{Kind: iampolicy.Resource, Region: region, APIID: api.ID, AccountID: model.AccountID})
		if err != nil {
			// Fail closed: a policy that cannot be read might have been the one that denies.
			return nil, fmt.Errorf("resource policy of rest api %s: %w", api.ID, err)
		}
		st.ResourcePolicy = p
	}
	fnOpts := opts.Functions
	fnOpts.Scope = api.ID + "/" + stageName
	for _, a := range authorizers {
		st.types[a.ID] = a.Type
		switch a.Type {
		case model.AuthorizerToken, model.AuthorizerRequest:
			fn, err := function.Compile(a, stageVars, fnOpts)
			if err != nil {
				st.problems[a.ID] = err
				continue
			}
			st.functions[a.ID] = fn
		case model.AuthorizerCognito:
			j, err := jwtauth.Compile(a, opts.JWT)
			if err != nil {
				st.problems[a.ID] = err
				continue
			}
			for _, iss := range j.Issuers() {
				opts.JWT.Keys.Prefetch(iss)
			}
			st.jwts[a.ID] = j
		default:
			st.problems[a.ID] = fmt.Errorf("authorizer %s: type %s is not supported", a.ID, a.Type)
		}
	}
	return st, nil
}

// Adopt keeps the decision caches of old's authorizers that decide the same way as st's.
func (st *Stage) Adopt(old *Stage) {
	if st == nil || old == nil || st == old { // a stage compiled again may keep its authorizers

		return
	}
	for id, fn := range st.functions {
		fn.Adopt(old.functions[id])
	}
	for id, j := range st.jwts {
		j.Adopt(old.jwts[id])
	}
}

// Function returns a compiled function authorizer, for tests and metrics.
func (st *Stage) Function(id string) *function.Authorizer { return st.functions[id] }

// Policy is a method's compiled authorization.
type Policy struct {
	// refusal, when set, is why every request fails (a misconfigured method).
	refusal        error
	authorization  string
	apiKeyRequired bool
	stage          *Stage
	fn             *function.Authorizer
	jwt            *jwtauth.Authorizer
	scopes         []string
	verb           string
}

// Compile reads a method's authorization settings against its stage's authorizers. An error means the
// method is misconfigured; the Policy returned then refuses every request with 500.
func Compile(m model.Method, st *Stage) (*Policy, error) {
	p := &Policy{authorization: m.Authorization, apiKeyRequired: m.APIKeyRequired, stage: st, verb: m.HTTPMethod}
	if p.authorization == "" {
		p.authorization = model.AuthNone
	}
	var err error
	switch p.authorization {
	case model.AuthNone:
	case model.AuthCustom:
		if p.fn = st.functions[m.AuthorizerID]; p.fn == nil {
			err = st.missing(m)
		}
	case model.AuthCognito, model.AuthJWT:
		if p.jwt = st.jwts[m.AuthorizerID]; p.jwt == nil {
			err = st.missing(m)
		}
		p.scopes = m.AuthorizationScopes
	case model.AuthIAM:
		if st.verifier == nil {
			err = fmt.Errorf("method %s uses AWS_IAM authorization, and this data plane verifies no signatures", m.HTTPMethod)
		}
	default:
		err = fmt.Errorf("method %s uses %s authorization, which this gateway does not support yet", m.HTTPMethod, m.Authorization)
	}
	if err != nil {
		p.refusal = gwerror.Internal(err)
	}
	return p, err
}

func (st *Stage) missing(m model.Method) error {
	if err := st.problems[m.AuthorizerID]; err != nil {
		return fmt.Errorf("method %s: %w", m.HTTPMethod, err)
	}
	if t, ok := st.types[m.AuthorizerID]; ok {
		return fmt.Errorf("method %s: authorization %s cannot use authorizer %s of type %s", m.HTTPMethod, m.Authorization, m.AuthorizerID, t)
	}
	return fmt.Errorf("method %s: authorizer %q is not in the deployment", m.HTTPMethod, m.AuthorizerID)
}

// APIKeyRequired reports whether callers must present an API key.
func (p *Policy) APIKeyRequired() bool { return p.apiKeyRequired }

// Authorization returns the method's authorization type.
func (p *Policy) Authorization() string { return p.authorization }

// NeedsBody reports whether Authorize reads the request body (a SigV4 signature covers it), which must
// then be read before it.
func (p *Policy) NeedsBody() bool { return p.authorization == model.AuthIAM && p.refusal == nil }

// Input is what Authorize reads of a request.
type Input struct {
	Req  *message.Request
	Keys *apikey.Keyring
	// ResourceID and ResourcePath name the method's resource; Path is the request path below the stage
	// (escaped).
	ResourceID, ResourcePath, Path string
	ParamNames, ParamValues        []string
	StageVars                      map[string]string
	// Context gives $context variables by their name after "context." (mapping.Context).
	Context function.ContextGetter
	// RawPath is the path as the client sent it, escaped, stage prefix included: what it signed.
	RawPath string
	// IAM holds the credentials of AWS_IAM callers.
	IAM *IAM
}

// Caller is who a request comes from.
type Caller struct {
	// Key is the API key the caller presented (from x-api-key, or from the authorizer when the API's
	// api_key_source is AUTHORIZER), for methods that require one; KeyValue is its value. Plan and
	// PlanStage are the usage plan that covers the stage for it.
	Key       *apikey.Key
	KeyValue  string
	Plan      *usageplan.Plan
	PlanStage *usageplan.Stage
	// Authorizer is $context.authorizer: set when an authorizer passed the caller. It is shared and
	// must not be modified.
	Authorizer *apigw.Authorizer
	// Authorized is true when the caller passed an authorizer, IAM or an API key check: such a caller
	// may invalidate cache entries (require_authorization_for_cache_control).
	Authorized bool
	// IAM is the signer of an AWS_IAM call.
	IAM *IAMCaller
}

// IAMCaller is who signed an AWS_IAM call: $context.identity.user (and caller), userArn, accessKey.
type IAMCaller struct {
	User, UserARN, AccessKey, UserName string
}

// Refusals, for the log only: the caller sees API Gateway's messages.
var (
	errNoKey          = errors.New("no api key")
	errUnknownKey     = errors.New("unknown api key")
	errNoPlanStage    = errors.New("api key is in no usage plan of this stage")
	errResourceDeny   = errors.New("the rest api's resource policy denies the call")
	errResourceSilent = errors.New("the rest api's resource policy does not allow the call")
	errPolicyDeny     = errors.New("the authorizer's policy denies the call")
	errPolicySilent   = errors.New("the authorizer's policy does not allow the call")
)

// Authorize decides a request. Its errors are gwerror answers (401, 403, 500).
func (p *Policy) Authorize(ctx context.Context, in *Input) (Caller, error) {
	if p.refusal != nil {
		return Caller{}, p.refusal
	}
	var c Caller
	rp := p.stage.ResourcePolicy
	var arn string
	var rpEffect iampolicy.Effect
	if rp != nil || p.fn != nil || p.authorization == model.AuthIAM {
		arn = p.methodARN(in)
	}
	if p.authorization == model.AuthIAM {
		// The resource policy is evaluated once the signer is known (a NotPrincipal could otherwise
		// refuse a caller it lets through).
		return p.authorizeIAM(ctx, in, arn)
	}
	if rp != nil {
		rpEffect = rp.Evaluate(p.policyRequest(in, arn, ""))
		if rpEffect == iampolicy.Deny {
			return Caller{}, gwerror.AccessDeniedMessage("User: anonymous is not authorized to perform: execute-api:Invoke on resource: "+arn+" with an explicit deny", errResourceDeny)
		}
	}
	var usageKey string
	switch p.authorization {
	case model.AuthNone:
		if rp != nil && rpEffect != iampolicy.Allow {
			return Caller{}, gwerror.AccessDeniedMessage("User: anonymous is not authorized to perform: execute-api:Invoke on resource: "+arn, errResourceSilent)
		}
	case model.AuthCustom:
		d, err := p.fn.Authorize(ctx, &function.Request{
			Req: in.Req, MethodARN: arn, APIID: p.stage.APIID, Stage: p.stage.Name, ResourceID: in.ResourceID,
			ResourcePath: in.ResourcePath, Path: in.Path, ParamNames: in.ParamNames, ParamValues: in.ParamValues,
			StageVars: in.StageVars, Context: in.Context,
		})
		if err != nil {
			return Caller{}, err
		}
		switch d.Policy.Evaluate(&iampolicy.Request{Action: "execute-api:Invoke", Resource: arn}) {
		case iampolicy.Deny:
			return Caller{}, gwerror.AccessDenied(true, errPolicyDeny)
		case iampolicy.NoMatch:
			if rpEffect != iampolicy.Allow {
				return Caller{}, gwerror.AccessDenied(false, errPolicySilent)
			}
		}
		c.Authorizer, c.Authorized, usageKey = d.Authorizer(), true, d.UsageIdentifierKey
	case model.AuthCognito, model.AuthJWT:
		id, err := p.jwt.Authorize(ctx, in.Req, p.scopes)
		if err != nil {
			return Caller{}, err
		}
		// A resource policy must allow a Cognito caller explicitly, as in API Gateway.
		if rp != nil && rpEffect != iampolicy.Allow {
			return Caller{}, gwerror.AccessDeniedMessage("User: anonymous is not authorized to perform: execute-api:Invoke on resource: "+arn, errResourceSilent)
		}
		c.Authorizer, c.Authorized = id.Authorizer, true
	}
	if !p.apiKeyRequired {
		return c, nil
	}
	value := ""
	if p.stage.KeySource == "AUTHORIZER" {
		value = usageKey
	} else if vv := in.Req.Header[APIKeyHeader]; len(vv) > 0 {
		value = vv[0]
	}
	if err := p.checkKey(&c, in, value); err != nil {
		return Caller{}, err
	}
	return c, nil
}

// authorizeIAM verifies the SigV4 signature, then combines the signer's IAM policies with the resource
// policy: a Deny in either refuses, an Allow in either allows (API Gateway's table for one account).
func (p *Policy) authorizeIAM(ctx context.Context, in *Input, arn string) (Caller, error) {
	akid, err := p.stage.verifier.Verify(ctx, &sigv4.Request{Method: in.Req.Method, Path: in.RawPath, RawQuery: in.Req.RawQuery,
		Host: in.Req.Host, Header: in.Req.Header, Body: in.Req.Body}, in.IAM.secret)
	if err != nil {
		return Caller{}, err
	}
	key := in.IAM.keys[akid]
	req := p.policyRequest(in, arn, key.cred.UserARN)
	req.Username = key.cred.UserName
	eff := key.evaluate(req)
	if rp := p.stage.ResourcePolicy; rp != nil && eff != iampolicy.Deny {
		switch rp.Evaluate(req) {
		case iampolicy.Deny:
			eff = iampolicy.Deny
		case iampolicy.Allow:
			eff = iampolicy.Allow
		}
	}
	msg := "User: " + key.cred.UserARN + " is not authorized to perform: execute-api:Invoke on resource: " + arn
	switch eff {
	case iampolicy.Deny:
		return Caller{}, gwerror.AccessDeniedMessage(msg+" with an explicit deny", fmt.Errorf("a policy denies IAM user %s", key.cred.UserName))
	case iampolicy.NoMatch:
		return Caller{}, gwerror.AccessDeniedMessage(msg, fmt.Errorf("no policy allows IAM user %s", key.cred.UserName))
	}
	c := Caller{Authorized: true, IAM: &IAMCaller{User: key.cred.UniqueID, UserARN: key.cred.UserARN, AccessKey: akid, UserName: key.cred.UserName}}
	if p.apiKeyRequired {
		value := ""
		if vv := in.Req.Header[APIKeyHeader]; len(vv) > 0 {
			value = vv[0]
		}
		if err := p.checkKey(&c, in, value); err != nil {
			return Caller{}, err
		}
	}
	return c, nil
}

// checkKey finds the caller's API key and the usage plan that covers the stage for it.
func (p *Policy) checkKey(c *Caller, in *Input, value string) error {
	if value == "" {
		return gwerror.InvalidAPIKey(errNoKey)
	}
	k := in.Keys.Lookup(value)
	if k == nil {
		return gwerror.InvalidAPIKey(errUnknownKey)
	}
	if !k.Enabled {
		return gwerror.InvalidAPIKey(fmt.Errorf("api key %s is disabled", k.ID))
	}
	plan, ps := k.Plan(p.stage.APIID, p.stage.Name)
	if plan == nil {
		return gwerror.InvalidAPIKey(fmt.Errorf("api key %s: %w", k.ID, errNoPlanStage))
	}
	c.Key, c.KeyValue, c.Plan, c.PlanStage, c.Authorized = k, value, plan, ps, true
	return nil
}

// methodARN is the call's method ARN; its path is the request path, unescaped.
func (p *Policy) methodARN(in *Input) string {
	path, err := url.PathUnescape(in.Path)
	if err != nil {
		path = in.Path
	}
	return model.MethodARN(p.stage.Region, p.stage.APIID, p.stage.Name, in.Req.Method, path)
}

func (p *Policy) policyRequest(in *Input, arn, principal string) *iampolicy.Request {
	r := &iampolicy.Request{Action: "execute-api:Invoke", Resource: arn, Principal: principal,
		Referer: in.Req.Header.Get("Referer"), UserAgent: in.Req.Header.Get("User-Agent")}
	r.SourceIP, _ = netip.ParseAddr(in.Req.SourceIP)
	return r
}

// resourcePolicyOf returns the API's resource policy document ("" when it has none).
func resourcePolicyOf(api model.RestAPI) string { return api.Policy }
