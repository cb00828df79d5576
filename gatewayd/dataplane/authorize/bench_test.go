package authorize_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/function"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/jwtauth"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func benchPolicy(b *testing.B, a model.Authorizer, m model.Method) *authorize.Policy {
	b.Helper()
	st, err := authorize.CompileStage(model.RestAPI{ID: "api1", APIKeySource: "HEADER"}, "prod", []model.Authorizer{a}, nil, authorize.Options{
		Region:    model.DefaultRegion,
		Functions: function.Options{Client: upstream.New(1 << 20)},
		JWT:       jwtauth.Options{Keys: jwtauth.NewKeys(jwtauth.KeysOptions{})},
	})
	if err != nil {
		b.Fatal(err)
	}
	p, err := authorize.Compile(m, st)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func benchAuthorize(b *testing.B, p *authorize.Policy, token string) {
	b.Helper()
	req := &message.Request{Method: "GET", Path: "/pets", Header: http.Header{"Authorization": {token}}, Received: time.Now()}
	in := &authorize.Input{Req: req, ResourceID: "r1", ResourcePath: "/pets", Path: "/pets"}
	ctx := context.Background()
	if _, err := p.Authorize(ctx, in); err != nil { // warm: key set fetched, decision cached
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Authorize(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorize_FunctionCached: a TOKEN authorizer's cached decision, its policy evaluated against
// the request's method ARN. Target: under 2 µs.
func BenchmarkAuthorize_FunctionCached(b *testing.B) {
	fn := authtest.NewFunction(b, func(ev authtest.Event) (any, string) {
		return authtest.Output("ann", "Allow", "arn:aws:execute-api:*:*:api1/prod/*/*", map[string]any{"tenant": "t1"}), ""
	})
	ttl := 300
	p := benchPolicy(b, model.Authorizer{ID: "tok", Name: "tok", Type: model.AuthorizerToken, AuthorizerURI: fn.URL,
		IdentitySource: model.DefaultIdentitySource, AuthorizerResultTTLInSeconds: &ttl},
		model.Method{HTTPMethod: "GET", Authorization: model.AuthCustom, AuthorizerID: "tok"})
	benchAuthorize(b, p, "allow-ann")
	if fn.Calls() != 1 {
		b.Fatalf("function called %d times, want 1", fn.Calls())
	}
}

func jwtPolicy(b *testing.B, ttl int) (*authorize.Policy, *authtest.Issuer) {
	iss := authtest.NewIssuer(b)
	p := benchPolicy(b, model.Authorizer{ID: "jwt", Name: "jwt", Type: model.AuthorizerCognito, ProviderARNs: []string{iss.URL},
		Audiences: []string{iss.ClientID}, IdentitySource: model.DefaultIdentitySource, AuthorizerResultTTLInSeconds: &ttl},
		model.Method{HTTPMethod: "GET", Authorization: model.AuthCognito, AuthorizerID: "jwt"})
	return p, iss
}

// BenchmarkAuthorize_JWTVerify: a JSON Web Token verified on every request (TTL 0) with the issuer's key
// set cached: the RS256 signature check (crypto/rsa) and the claims.
func BenchmarkAuthorize_JWTVerify(b *testing.B) {
	p, iss := jwtPolicy(b, 0)
	benchAuthorize(b, p, "Bearer "+iss.IDToken(b, "ann", nil))
}

// BenchmarkAuthorize_JWTCached: a JSON Web Token verified once and served from the authorizer's cache
// of verified tokens (the default TTL 300). Target: under 20 µs.
func BenchmarkAuthorize_JWTCached(b *testing.B) {
	p, iss := jwtPolicy(b, 300)
	benchAuthorize(b, p, "Bearer "+iss.IDToken(b, "ann", nil))
}

// BenchmarkRS256Floor: crypto/rsa's PKCS #1 v1.5 verification of a SHA-256 digest with a 2048-bit key,
// alone. It bounds BenchmarkAuthorize_JWTVerify from below: no RS256 token is verified faster on this
// machine, whatever the JOSE library around it.
func BenchmarkRS256Floor(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("header.payload"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
