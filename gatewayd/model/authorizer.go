package model

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Authorizer types, as API Gateway's. TOKEN and REQUEST call a function (a Lambda authorizer);
// COGNITO_USER_POOLS verifies JSON Web Tokens of a Cognito user pool or of any OpenID Connect issuer.
const (
	AuthorizerToken   = "TOKEN"
	AuthorizerRequest = "REQUEST"
	AuthorizerCognito = "COGNITO_USER_POOLS"
)

// AuthorizerTypes lists the accepted authorizer types.
var AuthorizerTypes = []string{AuthorizerCognito, AuthorizerRequest, AuthorizerToken}

// Authorizer result TTL bounds and default, in seconds (API Gateway's). 0 turns the cache off.
const (
	DefaultAuthorizerTTL = 300
	MaxAuthorizerTTL     = 3600
)

// MaxPolicyLength bounds a policy document, in characters (IAM's resource policy limit is 20 KB).
const MaxPolicyLength = 20480

// DefaultIdentitySource is where TOKEN and COGNITO_USER_POOLS authorizers find the token.
const DefaultIdentitySource = "method.request.header.Authorization"

// ARNs. gatewayd has no AWS account: the ARNs it builds (the method ARN an authorizer receives and
// policies match, IAM users' ARNs) name the account AccountID and the daemon's region (DefaultRegion
// unless configured), so that policies written for API Gateway keep their shape.
const (
	AccountID     = "000000000000"
	DefaultRegion = "us-east-1"
)

// MethodARN is the ARN of a method call as API Gateway gives it to authorizers and matches it in
// policies: arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/VERB/PATH, PATH being the request path
// without its leading slash.
func MethodARN(region, apiID, stage, verb, path string) string {
	return "arn:aws:execute-api:" + region + ":" + AccountID + ":" + apiID + "/" + stage + "/" + verb + "/" + strings.TrimPrefix(path, "/")
}

// Authorizer authenticates the callers of the methods that name it (authorization CUSTOM for TOKEN and
// REQUEST, COGNITO_USER_POOLS for COGNITO_USER_POOLS).
type Authorizer struct {
	ID        string `json:"id"`
	RestAPIID string `json:"rest_api_id"`
	Name      string `json:"name"`
	// ARN is read-only and never stored: derived from the id and the daemon's region on every read.
	ARN string `json:"arn,omitempty"`

	// Type is TOKEN (the default), REQUEST or COGNITO_USER_POOLS.
	Type string `json:"type"`
	// AuthorizerURI is the function (TOKEN and REQUEST): its Lambda ARN URI,
	// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations (invoked
	// with a SigV4 signature), or its Lambda Invoke URL,
	// http(s)://HOST/2015-03-31/functions/NAME/invocations. It may use ${stageVariables.name}.
	AuthorizerURI string `json:"authorizer_uri"`
	// AuthorizerCredentials is an IAM role gatewayd assumes to invoke a Lambda ARN URI; with an
	// Invoke URL it has no meaning and is kept for configurations ported from API Gateway.
	AuthorizerCredentials string `json:"authorizer_credentials"`
	// IdentitySource is where the identity is read: one header for TOKEN and COGNITO_USER_POOLS
	// (default method.request.header.Authorization), a comma-separated list of headers, query strings,
	// stage variables and context variables for REQUEST.
	IdentitySource string `json:"identity_source"`
	// IdentityValidationExpression is a regular expression a TOKEN (or COGNITO_USER_POOLS) token must
	// match whole; a token that does not is refused with 401 without calling anything.
	IdentityValidationExpression string `json:"identity_validation_expression"`
	// AuthorizerResultTTLInSeconds is how long a decision is cached (0 to 3600; nil takes 300).
	AuthorizerResultTTLInSeconds *int `json:"authorizer_result_ttl_in_seconds"`
	// ProviderARNs name the token issuers of a COGNITO_USER_POOLS authorizer: Cognito user pool ARNs
	// (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID) or OpenID Connect issuer URLs.
	ProviderARNs []string `json:"provider_arns"`
	// Audiences, for COGNITO_USER_POOLS, are the client ids a token must be for (the aud of an ID
	// token, the client_id of an access token). Optional for Cognito user pools (API Gateway accepts
	// any app client of the pool); required for issuer URLs, which serve many applications.
	Audiences []string `json:"audiences"`
	Version   int64    `json:"version"`
}

// TTL returns the result TTL in seconds.
func (a *Authorizer) TTL() int {
	if a.AuthorizerResultTTLInSeconds == nil {
		return DefaultAuthorizerTTL
	}
	return *a.AuthorizerResultTTLInSeconds
}

// Normalize fills defaults.
func (a *Authorizer) Normalize() {
	a.ARN = "" // derived on read
	if a.Type == "" {
		a.Type = AuthorizerToken
	}
	if a.IdentitySource == "" && a.Type != AuthorizerRequest {
		a.IdentitySource = DefaultIdentitySource
	}
	if a.AuthorizerResultTTLInSeconds == nil {
		ttl := DefaultAuthorizerTTL
		a.AuthorizerResultTTLInSeconds = &ttl
	}
	a.ProviderARNs = emptySliceIfNil(a.ProviderARNs)
	a.Audiences = emptySliceIfNil(a.Audiences)
}

// Validate checks the fields a client sets.
func (a *Authorizer) Validate() error {
	if err := checkName("name", a.Name, MaxNameLength); err != nil {
		return err
	}
	if err := oneOf("type", a.Type, AuthorizerTypes); err != nil {
		return err
	}
	if ttl := a.TTL(); ttl < 0 || ttl > MaxAuthorizerTTL {
		return fieldErr("authorizer_result_ttl_in_seconds", "must be between 0 and %d, got %d", MaxAuthorizerTTL, ttl)
	}
	if err := checkText("authorizer_credentials", a.AuthorizerCredentials, 2048, false); err != nil {
		return err
	}
	if a.AuthorizerCredentials != "" && IsAWSURI(a.AuthorizerURI) {
		if err := ValidateIntegrationCredentials(IntegrationAWSProxy, a.AuthorizerURI, a.AuthorizerCredentials); err != nil {
			return fieldErr("authorizer_credentials", "%v", err)
		}
	}
	sources, err := ParseIdentitySources(a.IdentitySource)
	if err != nil {
		return fieldErr("identity_source", "%v", err)
	}
	switch a.Type {
	case AuthorizerToken, AuthorizerRequest:
		if err := ValidateAuthorizerURI(a.AuthorizerURI); err != nil {
			return fieldErr("authorizer_uri", "%v", err)
		}
		if len(a.ProviderARNs) > 0 {
			return fieldErr("provider_arns", "is only used by COGNITO_USER_POOLS authorizers")
		}
		if len(a.Audiences) > 0 {
			return fieldErr("audiences", "is only used by COGNITO_USER_POOLS authorizers")
		}
	case AuthorizerCognito:
		if a.AuthorizerURI != "" {
			return fieldErr("authorizer_uri", "must be empty for a COGNITO_USER_POOLS authorizer, which calls no function")
		}
		if len(a.ProviderARNs) == 0 {
			return fieldErr("provider_arns", "is required for a COGNITO_USER_POOLS authorizer: Cognito user pool ARNs or OpenID Connect issuer URLs")
		}
		needAudience := false
		for i, p := range a.ProviderARNs {
			if _, cognito, err := IssuerOf(p); err != nil {
				return fieldErr(fmt.Sprintf("provider_arns[%d]", i), "%v", err)
			} else if !cognito {
				needAudience = true
			}
		}
		if needAudience && len(a.Audiences) == 0 {
			return fieldErr("audiences", "is required when provider_arns names an OpenID Connect issuer URL: such an issuer serves many applications, and without audiences a token made for any of them would pass")
		}
		for i, aud := range a.Audiences {
			if err := checkName(fmt.Sprintf("audiences[%d]", i), aud, MaxNameLength); err != nil {
				return err
			}
		}
	}
	switch a.Type {
	case AuthorizerToken, AuthorizerCognito:
		if len(sources) != 1 || sources[0].Kind != SourceHeader {
			return fieldErr("identity_source", "must be one header (method.request.header.NAME) for a %s authorizer, got %q", a.Type, a.IdentitySource)
		}
		if a.IdentityValidationExpression != "" {
			if err := checkText("identity_validation_expression", a.IdentityValidationExpression, 1024, false); err != nil {
				return err
			}
			if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
				return fieldErr("identity_validation_expression", "must be a valid regular expression (RE2 syntax): %v", err)
			}
		}
	case AuthorizerRequest:
		if a.IdentityValidationExpression != "" {
			return fieldErr("identity_validation_expression", "is only used by TOKEN and COGNITO_USER_POOLS authorizers")
		}
		if len(sources) == 0 && a.TTL() > 0 {
			return fieldErr("identity_source", "is required for a REQUEST authorizer whose results are cached (authorizer_result_ttl_in_seconds > 0): the identity sources are the cache key")
		}
	}
	return nil
}

// Identity source kinds.
const (
	SourceHeader      = "header"
	SourceQueryString = "querystring"
	SourceStageVar    = "stageVariables"
	SourceContext     = "context"
)

// IdentitySource is one parsed entry of an authorizer's identity_source.
type IdentitySource struct {
	// Kind is SourceHeader, SourceQueryString, SourceStageVar or SourceContext.
	Kind string
	// Name is the header (canonical form), query string, stage variable or context variable name.
	Name string
}

// String returns the source as written in identity_source.
func (s IdentitySource) String() string {
	switch s.Kind {
	case SourceHeader, SourceQueryString:
		return "method.request." + s.Kind + "." + s.Name
	}
	return s.Kind + "." + s.Name
}

// MaxIdentitySources bounds the entries of one identity_source.
const MaxIdentitySources = 20

var (
	headerNameRE  = regexp.MustCompile(`^[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+$`)
	queryNameRE   = regexp.MustCompile(`^[^\s&=#]+$`)
	contextNameRE = regexp.MustCompile(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$`)
)

// ParseIdentitySources parses an identity_source: entries separated by commas, each
// method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME.
// An empty string has no entries. It is the one definition of the syntax, for the admin API, the
// provider and the data plane.
func ParseIdentitySources(s string) ([]IdentitySource, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxIdentitySources {
		return nil, fmt.Errorf("must have at most %d entries, got %d", MaxIdentitySources, len(parts))
	}
	out := make([]IdentitySource, 0, len(parts))
	seen := map[IdentitySource]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		var src IdentitySource
		switch {
		case strings.HasPrefix(p, "method.request.header."):
			src = IdentitySource{Kind: SourceHeader, Name: strings.TrimPrefix(p, "method.request.header.")}
			if !headerNameRE.MatchString(src.Name) {
				return nil, fmt.Errorf("entry %q must name a header (letters, digits and !#$%%&'*+-.^_`|~)", p)
			}
			// Header names are case-insensitive: compare and look them up in canonical form.
			src.Name = canonicalHeader(src.Name)
		case strings.HasPrefix(p, "method.request.querystring."):
			src = IdentitySource{Kind: SourceQueryString, Name: strings.TrimPrefix(p, "method.request.querystring.")}
			if !queryNameRE.MatchString(src.Name) {
				return nil, fmt.Errorf("entry %q must name a query string parameter", p)
			}
		case strings.HasPrefix(p, "stageVariables."):
			src = IdentitySource{Kind: SourceStageVar, Name: strings.TrimPrefix(p, "stageVariables.")}
			if !StageVariableNamePattern.MatchString(src.Name) {
				return nil, fmt.Errorf("entry %q must name a stage variable of 1 to 64 letters, digits and underscores", p)
			}
		case strings.HasPrefix(p, "context."):
			src = IdentitySource{Kind: SourceContext, Name: strings.TrimPrefix(p, "context.")}
			if !contextNameRE.MatchString(src.Name) {
				return nil, fmt.Errorf("entry %q must name a context variable such as context.identity.sourceIp", p)
			}
		default:
			return nil, fmt.Errorf("entry %q must be method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME", p)
		}
		if seen[src] {
			return nil, fmt.Errorf("entry %q is listed twice", p)
		}
		seen[src] = true
		out = append(out, src)
	}
	return out, nil
}

// canonicalHeader is textproto's canonical form of a header name, without importing net/textproto's
// allocation for names already canonical.
func canonicalHeader(name string) string {
	b := []byte(name)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}

var (
	cognitoPoolRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:cognito-idp:([a-z0-9-]+):[0-9]{12}:userpool/([A-Za-z0-9-]+_[A-Za-z0-9]+)$`)
)

// ValidateAuthorizerURI checks a function authorizer's URI: a Lambda Invoke URL, as AWS_PROXY
// integrations take, that may use ${stageVariables.name}.
func ValidateAuthorizerURI(raw string) error {
	if raw == "" {
		return fmt.Errorf("is required for TOKEN and REQUEST authorizers: the function's Lambda Invoke URL, such as http://127.0.0.1:3001/2015-03-31/functions/NAME/invocations")
	}
	u, err := probeIntegrationURI(raw)
	if err != nil {
		return fmt.Errorf("%v, got %q", err, raw)
	}
	if u.AWS != nil && u.AWS.FunctionARN == "" {
		return fmt.Errorf("names the %s service, but an authorizer is a Lambda function: give arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations or the function's Invoke URL, got %q", u.AWS.Service, raw)
	}
	if strings.Contains(stageVarRefRE.ReplaceAllString(raw, ""), "{") {
		return fmt.Errorf("must not hold {placeholders}: an authorizer is called with no path parameters, got %q", raw)
	}
	return nil
}

// IssuerOf returns the token issuer a COGNITO_USER_POOLS provider_arns entry names: the Cognito user
// pool's issuer for a user pool ARN (cognito is then true), or the OpenID Connect issuer URL itself.
// An issuer URL must be https, or http on a loopback address (a local issuer).
func IssuerOf(provider string) (issuer string, cognito bool, err error) {
	if m := cognitoPoolRE.FindStringSubmatch(provider); m != nil {
		return "https://cognito-idp." + m[1] + ".amazonaws.com/" + m[2], true, nil
	}
	if strings.HasPrefix(provider, "arn:") {
		return "", false, fmt.Errorf("must be a Cognito user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT_ID:userpool/POOL_ID) or an OpenID Connect issuer URL, got %q", provider)
	}
	u, err := url.Parse(provider)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false, fmt.Errorf("must be a Cognito user pool ARN or an OpenID Connect issuer URL (https://HOST/PATH, no query or fragment), got %q", provider)
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", false, fmt.Errorf("must use https: keys fetched over plain http could be replaced on the way (http is accepted for loopback issuers only), got %q", provider)
		}
	default:
		return "", false, fmt.Errorf("must be a Cognito user pool ARN or an https:// OpenID Connect issuer URL, got %q", provider)
	}
	return provider, false, nil
}
