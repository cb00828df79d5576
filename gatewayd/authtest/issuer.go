package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Issuer is a local OpenID Connect issuer (oauth2-proxy/mockoidc) on a real loopback listener, whose
// signing key can be rotated while it runs.
type Issuer struct {
	m *mockoidc.MockOIDC
	// URL is the issuer URL (iss), for provider_arns.
	URL string
	// ClientID is the issuer's client, the audience of the tokens Token makes by default.
	ClientID string
	mu       sync.Mutex
	current  *mockoidc.Keypair
	// keyFetches counts the requests for its key set.
	keyFetches atomic.Int64
}

// NewIssuer starts an issuer. It stops when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	// A key of its own: mockoidc's default key is public, and two issuers must not share one.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issuer{m: m, ClientID: m.ClientID, current: m.Keypair}
	// The key set is served from the current key, so that Rotate takes effect on the running server.
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.JWKSEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			iss.keyFetches.Add(1)
			iss.mu.Lock()
			jwks, err := iss.current.JWKS()
			iss.mu.Unlock()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(jwks)
		})
	}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	iss.URL = m.Issuer()
	return iss
}

// Rotate replaces the signing key: the key set publishes only the new one, and tokens are signed with it.
func (i *Issuer) Rotate(t testing.TB) {
	t.Helper()
	kp, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	i.mu.Lock()
	i.current = kp
	i.mu.Unlock()
}

// KeySetFetches returns how many times the key set was requested.
func (i *Issuer) KeySetFetches() int64 { return i.keyFetches.Load() }

// Token signs claims with the current key. iss, iat and exp (an hour from now) are set unless claims
// has them; a nil value removes a claim.
func (i *Issuer) Token(t testing.TB, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": i.URL, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "sub": "user-1"}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	i.mu.Lock()
	kp := i.current
	i.mu.Unlock()
	tok, err := kp.SignJWT(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// IDToken is a Cognito-style ID token for the issuer's client.
func (i *Issuer) IDToken(t testing.TB, sub string, extra map[string]any) string {
	t.Helper()
	c := map[string]any{"sub": sub, "aud": i.ClientID, "token_use": "id", "email": sub + "@example.com"}
	for k, v := range extra {
		c[k] = v
	}
	return i.Token(t, c)
}

// AccessToken is a Cognito-style access token for the issuer's client with the given scopes.
func (i *Issuer) AccessToken(t testing.TB, sub, scope string, extra map[string]any) string {
	t.Helper()
	c := map[string]any{"sub": sub, "client_id": i.ClientID, "token_use": "access", "scope": scope}
	for k, v := range extra {
		c[k] = v
	}
	return i.Token(t, c)
}
