// Package jwtauth runs COGNITO_USER_POOLS authorizers: JSON Web Tokens of Cognito user pools or of
// any OpenID Connect issuer (Keycloak, Dex, Auth0, Okta), verified with the issuer's published keys
// (golang-jwt and keyfunc/jwkset; no signature code of our own).
//
// A token passes when its signature verifies with a key of one of the authorizer's issuers, exp (which
// it must have) and nbf hold, its iss is one of the issuers, and, when the authorizer lists audiences,
// its aud or client_id is one of them. Then the method decides, as API Gateway does: a method with
// authorization_scopes needs an access token whose scope claim holds one of them; a method without
// needs an ID token. token_use (Cognito's) tells them apart; a token without it (another issuer's) is
// taken as either. Verified tokens are cached until they expire or the authorizer's TTL ends,
// whichever comes first, so that each request does not pay for a signature check.
package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/ttlcache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Options configure the JWT authorizers of a data plane.
type Options struct {
	// Keys holds the issuers' keys; it is shared by every stage. Required.
	Keys *Keys
	// MaxEntries bounds each authorizer's cache of verified tokens. Default ttlcache.DefaultMaxEntries.
	MaxEntries int
	// Now is the clock of token expiry and of the cache. Default time.Now.
	Now func() time.Time
}

// Algorithms are the signature algorithms accepted: asymmetric only, so that a public key can never be
// used as an HMAC secret, and never "none".
var Algorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Authorizer is a compiled COGNITO_USER_POOLS authorizer. It is safe for concurrent use.
type Authorizer struct {
	id          string
	header      string
	validation  *regexp.Regexp
	issuers     []string
	audiences   []string
	ttl         time.Duration
	opts        Options
	parser      *jwt.Parser
	cache       *ttlcache.Cache[*Identity]
	fingerprint string
}

// Compile prepares an authorizer.
func Compile(a model.Authorizer, opts Options) (*Authorizer, error) {
	if opts.Keys == nil {
		return nil, errors.New("jwtauth: Options.Keys is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sources, err := model.ParseIdentitySources(a.IdentitySource)
	if err != nil || len(sources) != 1 || sources[0].Kind != model.SourceHeader {
		return nil, fmt.Errorf("authorizer %s: identity_source must be one header, got %q", a.ID, a.IdentitySource)
	}
	c := &Authorizer{id: a.ID, header: sources[0].Name, audiences: a.Audiences, ttl: time.Duration(a.TTL()) * time.Second, opts: opts}
	for _, p := range a.ProviderARNs {
		iss, _, err := model.IssuerOf(p)
		if err != nil {
			return nil, fmt.Errorf("authorizer %s: provider_arns: %w", a.ID, err)
		}
		c.issuers = append(c.issuers, iss)
	}
	if len(c.issuers) == 0 {
		return nil, fmt.Errorf("authorizer %s: provider_arns names no issuer", a.ID)
	}
	if a.IdentityValidationExpression != "" {
		if c.validation, err = regexp.Compile(`^(?:` + a.IdentityValidationExpression + `)$`); err != nil {
			return nil, fmt.Errorf("authorizer %s: identity_validation_expression: %w", a.ID, err)
		}
	}
	c.parser = jwt.NewParser(jwt.WithValidMethods(Algorithms), jwt.WithExpirationRequired(), jwt.WithJSONNumber(),
		jwt.WithTimeFunc(func() time.Time { return c.opts.Now() }))
	c.cache = ttlcache.New[*Identity](opts.MaxEntries)
	c.fingerprint = strings.Join([]string{a.ID, a.IdentitySource, a.IdentityValidationExpression, c.ttl.String(),
		strings.Join(c.issuers, " "), strings.Join(c.audiences, " ")}, "\x00")
	return c, nil
}

// Adopt takes over old's cache of verified tokens when old verified the same way.
func (a *Authorizer) Adopt(old *Authorizer) {
	if old != nil && old.fingerprint == a.fingerprint {
		a.cache = old.cache
	}
}

// Issuers returns the issuers whose tokens the authorizer accepts.
func (a *Authorizer) Issuers() []string { return a.issuers }

// Identity is a verified token. It is immutable and shared by the requests that present the token
// while it is cached.
type Identity struct {
	// TokenUse is the token's token_use ("id" or "access"), or "" when it has none.
	TokenUse string
	// Scopes are the OAuth scopes the token carries (scope, or scp).
	Scopes []string
	// Authorizer is $context.authorizer: the claims.
	Authorizer *apigw.Authorizer
}

// Refusals, for the log; the caller sees API Gateway's messages.
var (
	errNoToken        = errors.New("no token in the identity source")
	errValidation     = errors.New("token does not match the authorizer's identity_validation_expression")
	errIssuer         = errors.New("the token's issuer is not one of the authorizer's")
	errAudience       = errors.New("the token is for another audience (aud / client_id)")
	errTokenUse       = errors.New("token_use is neither id nor access")
	errNeedIDToken    = errors.New("the method has no authorization_scopes, so it needs an ID token, got an access token")
	errNeedAccess     = errors.New("the method has authorization_scopes, so it needs an access token, got an ID token")
	errScope          = errors.New("the token carries none of the method's authorization_scopes")
	errExpiredMessage = "The incoming token has expired"
)

// Authorize verifies the request's token and checks it against a method's authorization scopes. Its
// errors are gwerror answers: 401 for a missing, invalid or expired token or a missing scope, 500 when
// the issuer's keys cannot be fetched.
func (a *Authorizer) Authorize(ctx context.Context, req *message.Request, scopes []string) (*Identity, error) {
	raw := ""
	if vv := req.Header[a.header]; len(vv) > 0 {
		raw = vv[0]
	}
	if raw == "" {
		return nil, gwerror.Unauthorized(errNoToken)
	}
	if a.validation != nil && !a.validation.MatchString(raw) {
		return nil, gwerror.Unauthorized(errValidation)
	}
	token := raw
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	id, err := a.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		if id.TokenUse == "access" {
			return nil, gwerror.Unauthorized(errNeedIDToken)
		}
		return id, nil
	}
	if id.TokenUse == "id" {
		return nil, gwerror.Unauthorized(errNeedAccess)
	}
	for _, s := range scopes {
		if slices.Contains(id.Scopes, s) {
			return id, nil
		}
	}
	return nil, gwerror.Unauthorized(errScope)
}

// keyError marks a failure to get the issuer's keys, which is the gateway's (500), not the caller's.
type keyError struct{ err error }

func (e *keyError) Error() string { return e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

// verify returns the identity of a token, from the cache or by verifying it.
func (a *Authorizer) verify(ctx context.Context, token string) (*Identity, error) {
	now := a.opts.Now()
	if a.ttl > 0 {
		if id, ok := a.cache.Get(token, now); ok {
			return id, nil
		}
	}
	claims := jwt.MapClaims{}
	_, err := a.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		iss, _ := claims["iss"].(string)
		if !slices.Contains(a.issuers, iss) {
			return nil, errIssuer
		}
		key, err := a.opts.Keys.key(ctx, iss, t)
		if err != nil && !errors.Is(err, errUnknownKey) {
			return nil, &keyError{err}
		}
		return key, err
	})
	var ke *keyError
	switch {
	case errors.As(err, &ke):
		return nil, gwerror.AuthorizerConfiguration(fmt.Errorf("authorizer %s: %w", a.id, ke.err))
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, &gwerror.Error{Status: 401, Message: errExpiredMessage, Err: err, Type: model.ResponseUnauthorized, ErrorType: "UnauthorizedException"}
	case err != nil:
		return nil, gwerror.Unauthorized(fmt.Errorf("authorizer %s: %w", a.id, err))
	}
	id, exp, err := a.identity(claims)
	if err != nil {
		return nil, gwerror.Unauthorized(fmt.Errorf("authorizer %s: %w", a.id, err))
	}
	if a.ttl > 0 {
		expires := now.Add(a.ttl)
		if exp.Before(expires) {
			expires = exp
		}
		a.cache.Put(token, id, expires, now)
	}
	return id, nil
}

// identity checks the claims that do not depend on the method and stringifies them.
func (a *Authorizer) identity(claims jwt.MapClaims) (*Identity, time.Time, error) {
	id := &Identity{}
	id.TokenUse, _ = claims["token_use"].(string)
	if _, present := claims["token_use"]; present && id.TokenUse != "id" && id.TokenUse != "access" {
		return nil, time.Time{}, errTokenUse
	}
	if len(a.audiences) > 0 {
		aud, _ := claims.GetAudience()
		clientID, _ := claims["client_id"].(string)
		ok := slices.Contains(a.audiences, clientID)
		for _, x := range aud {
			ok = ok || slices.Contains(a.audiences, x)
		}
		if !ok {
			return nil, time.Time{}, errAudience
		}
	}
	switch sc := claims["scope"].(type) {
	case string:
		id.Scopes = strings.Fields(sc)
	}
	switch sc := claims["scp"].(type) {
	case string:
		id.Scopes = append(id.Scopes, strings.Fields(sc)...)
	case []any:
		for _, s := range sc {
			if str, ok := s.(string); ok {
				id.Scopes = append(id.Scopes, str)
			}
		}
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return nil, time.Time{}, errors.New("no exp claim")
	}
	flat := make(map[string]string, len(claims))
	for k, v := range claims {
		flat[k] = claimString(v)
	}
	id.Authorizer = &apigw.Authorizer{Claims: flat}
	return id, exp.Time, nil
}

// claimString stringifies a claim for $context.authorizer.claims: strings as they are, numbers and
// booleans as their JSON text, arrays and objects as compact JSON.
func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
