package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// issuerPath is where the backend serves a local OpenID Connect issuer for the key+JWT row: its
// discovery document, its key set, and /token, which mints an ID token (RS256) for ?aud= valid two hours.
const issuerPath = "/oidc"

type issuer struct {
	url  string
	key  *rsa.PrivateKey
	jwks []byte
}

func newIssuer(url string) (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "bench",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		return nil, err
	}
	return &issuer{url: url, key: key, jwks: jwks}, nil
}

func (i *issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case issuerPath + "/.well-known/openid-configuration":
		json.NewEncoder(w).Encode(map[string]string{"issuer": i.url, "jwks_uri": i.url + "/jwks.json"})
	case issuerPath + "/jwks.json":
		w.Write(i.jwks)
	case issuerPath + "/token":
		now := time.Now()
		t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": i.url, "sub": "bench", "aud": r.URL.Query().Get("aud"),
			"token_use": "id", "iat": now.Unix(), "exp": now.Add(2 * time.Hour).Unix()})
		t.Header["kid"] = "bench"
		s, err := t.SignedString(i.key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id_token": s})
	default:
		http.NotFound(w, r)
	}
}
