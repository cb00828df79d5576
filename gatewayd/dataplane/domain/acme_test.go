package domain

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestACMEChallenges: a tls-alpn-01 hello gets the challenge certificate of its name (RFC 8737: the
// name, and the key authorization's SHA-256 in a critical acmeIdentifier extension) and nothing for
// another name; http-01 answers by host and token only.
func TestACMEChallenges(t *testing.T) {
	const keyAuth = "token-1.thumbprint"
	tb, problems := Compile(model.DomainSnapshot{Challenges: []model.ACMEChallenge{
		{Domain: "a.example.test", Type: model.ChallengeTLSALPN01, Token: "token-1", KeyAuth: keyAuth},
		{Domain: "b.example.test", Type: model.ChallengeHTTP01, Token: "token-2", KeyAuth: "token-2.thumbprint"},
	}}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	cfg, err := tb.ConfigForClient(&tls.ClientHelloInfo{ServerName: "A.example.test", SupportedProtos: []string{ALPNProto}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.NextProtos) != 1 || cfg.NextProtos[0] != ALPNProto {
		t.Errorf("NextProtos = %v, want [%s]", cfg.NextProtos, ALPNProto)
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "a.example.test" {
		t.Errorf("DNSNames = %v, want [a.example.test]", leaf.DNSNames)
	}
	want := sha256.Sum256([]byte(keyAuth))
	found := false
	for _, ext := range leaf.Extensions {
		if ext.Id.Equal(idPeACMEIdentifier) {
			var got []byte
			if _, err := asn1.Unmarshal(ext.Value, &got); err != nil || string(got) != string(want[:]) || !ext.Critical {
				t.Errorf("acmeIdentifier = %x critical %v (%v), want %x critical", got, ext.Critical, err, want)
			}
			found = true
		}
	}
	if !found {
		t.Error("no acmeIdentifier extension")
	}
	if _, err := tb.ConfigForClient(&tls.ClientHelloInfo{ServerName: "b.example.test", SupportedProtos: []string{ALPNProto}}, false); err == nil {
		t.Error("a tls-alpn-01 hello for a name without a challenge was answered")
	}
	if ka, ok := tb.HTTP01("b.example.test", "token-2"); !ok || ka != "token-2.thumbprint" {
		t.Errorf("HTTP01(b, token-2) = %q %v", ka, ok)
	}
	for _, k := range [][2]string{{"a.example.test", "token-2"}, {"b.example.test", "token-1"}} {
		if ka, ok := tb.HTTP01(k[0], k[1]); ok {
			t.Errorf("HTTP01(%s, %s) = %q, want nothing", k[0], k[1], ka)
		}
	}
}
