package jwtauth_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/jwtauth"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func compile(t *testing.T, iss *authtest.Issuer, ttl int, audiences ...string) *jwtauth.Authorizer {
	t.Helper()
	a := model.Authorizer{ID: "jwt", Name: "jwt", Type: model.AuthorizerCognito, ProviderARNs: []string{iss.URL},
		Audiences: audiences, AuthorizerResultTTLInSeconds: &ttl}
	a.Normalize()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := jwtauth.Compile(a, jwtauth.Options{Keys: jwtauth.NewKeys(jwtauth.KeysOptions{MinRefresh: 10 * time.Millisecond})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func request(token string) *message.Request {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", token)
	}
	return &message.Request{Header: h}
}

// status returns the status a gwerror answers with, 0 for nil.
func status(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ge *gwerror.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v is not a gateway answer", err)
	}
	return ge.Status
}

func TestAuthorize(t *testing.T) {
	iss := authtest.NewIssuer(t)
	other := authtest.NewIssuer(t)
	a := compile(t, iss, 300, iss.ClientID)
	ctx := context.Background()
	read := []string{"pets/read"}
	expired := iss.IDToken(t, "ann", map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})
	tests := []struct {
		name   string
		token  string
		scopes []string
		want   int
	}{
		{"ID token", iss.IDToken(t, "ann", nil), nil, 0},
		{"with Bearer", "Bearer " + iss.IDToken(t, "ann", nil), nil, 0},
		{"no token", "", nil, 401},
		{"not a JWT", "hello", nil, 401},
		{"expired", expired, nil, 401},
		{"not yet valid", iss.IDToken(t, "ann", map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}), nil, 401},
		{"no exp", iss.IDToken(t, "ann", map[string]any{"exp": nil}), nil, 401},
		{"wrong audience", iss.IDToken(t, "ann", map[string]any{"aud": "someone-else"}), nil, 401},
		{"another issuer", other.IDToken(t, "ann", map[string]any{"aud": iss.ClientID}), nil, 401},
		{"another issuer's key, our iss", other.IDToken(t, "ann", map[string]any{"iss": iss.URL, "aud": iss.ClientID}), nil, 401},
		{"access token where an ID token is needed", iss.AccessToken(t, "ann", "pets/read", nil), nil, 401},
		{"access token with the scope", iss.AccessToken(t, "ann", "openid pets/read", nil), read, 0},
		{"access token without the scope", iss.AccessToken(t, "ann", "openid pets/write", nil), read, 401},
		{"ID token where scopes are needed", iss.IDToken(t, "ann", nil), read, 401},
		{"odd token_use", iss.Token(t, map[string]any{"aud": iss.ClientID, "token_use": "refresh"}), nil, 401},
	}
	for _, tc := range tests {
		_, err := a.Authorize(ctx, request(tc.token), tc.scopes)
		if got := status(t, err); got != tc.want {
			t.Errorf("%s: Authorize = %v (status %d), want %d", tc.name, err, got, tc.want)
		}
	}
	_, err := a.Authorize(ctx, request(expired), nil)
	var ge *gwerror.Error
	if errors.As(err, &ge); ge == nil || ge.Message != "The incoming token has expired" {
		t.Errorf("expired token: %v, want API Gateway's message", err)
	}
	id, err := a.Authorize(ctx, request(iss.IDToken(t, "bea", map[string]any{"cognito:groups": []string{"admin", "ops"}, "n": 7})), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := id.Authorizer.Claims; c["sub"] != "bea" || c["email"] != "bea@example.com" || c["cognito:groups"] != `["admin","ops"]` || c["n"] != "7" {
		t.Errorf("claims = %v", c)
	}
}

// TestAuthorize_AlgorithmConfusion: a token signed with HMAC (the public key as the secret) or with
// alg none never passes.
func TestAuthorize_AlgorithmConfusion(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := compile(t, iss, 0, iss.ClientID)
	claims := jwt.MapClaims{"iss": iss.URL, "exp": time.Now().Add(time.Hour).Unix(), "token_use": "id"}
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"HS256": hs, "none": none} {
		if _, err := a.Authorize(context.Background(), request(tok), nil); status(t, err) != 401 {
			t.Errorf("%s token: %v, want 401", name, err)
		}
	}
}

// TestAuthorize_Rotation: after the issuer rotates its key, tokens of the new key pass without a
// restart (the key set is fetched again for the unknown kid), and uncached tokens of the old key fail.
func TestAuthorize_Rotation(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := compile(t, iss, 300, iss.ClientID)
	ctx := context.Background()
	before := iss.IDToken(t, "ann", nil)
	if _, err := a.Authorize(ctx, request(before), nil); err != nil {
		t.Fatal(err)
	}
	oldUncached := iss.IDToken(t, "bob", nil)
	fetches := iss.KeySetFetches()
	iss.Rotate(t)
	time.Sleep(20 * time.Millisecond) // MinRefresh
	if _, err := a.Authorize(ctx, request(iss.IDToken(t, "cy", nil)), nil); err != nil {
		t.Errorf("token of the new key: %v", err)
	}
	if n := iss.KeySetFetches() - fetches; n != 1 {
		t.Errorf("key set fetched %d times for the rotation, want 1", n)
	}
	if _, err := a.Authorize(ctx, request(before), nil); err != nil {
		t.Errorf("cached token of the old key: %v, want it served from the cache until its TTL", err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := a.Authorize(ctx, request(oldUncached), nil); status(t, err) != 401 {
		t.Errorf("uncached token of the retired key: %v, want 401", err)
	}
}

// TestAuthorize_IssuerDown: keys that cannot be fetched are the gateway's failure (500), not the
// caller's.
func TestAuthorize_IssuerDown(t *testing.T) {
	iss := authtest.NewIssuer(t)
	a := model.Authorizer{ID: "jwt", Name: "jwt", Type: model.AuthorizerCognito, ProviderARNs: []string{"http://127.0.0.1:1/oidc"}, Audiences: []string{iss.ClientID}}
	a.Normalize()
	c, err := jwtauth.Compile(a, jwtauth.Options{Keys: jwtauth.NewKeys(jwtauth.KeysOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	// A token naming the unreachable issuer, signed by the test issuer's key.
	bad := iss.Token(t, map[string]any{"iss": "http://127.0.0.1:1/oidc", "token_use": "id", "aud": iss.ClientID})
	if _, err := c.Authorize(context.Background(), request(bad), nil); status(t, err) != 500 {
		t.Errorf("unreachable issuer: %v, want 500", err)
	}
}
