package domain

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// ACME challenges (RFC 8737 tls-alpn-01, RFC 8555 http-01), answered from the table so that every
// node answers the challenges the control plane stored, whichever node ordered the certificate.

// ALPNProto is the protocol an ACME CA's tls-alpn-01 handshake offers, and only it.
const ALPNProto = "acme-tls/1"

// idPeACMEIdentifier is the extension of a tls-alpn-01 certificate (RFC 8737 section 6.1).
var idPeACMEIdentifier = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 31}

type http01Key struct{ host, token string }

// compileChallenges builds the tls-alpn-01 configurations and the http-01 answers.
func (t *Table) compileChallenges(chals []model.ACMEChallenge) []error {
	var problems []error
	for _, c := range chals {
		switch c.Type {
		case model.ChallengeHTTP01:
			if t.http01 == nil {
				t.http01 = map[http01Key]string{}
			}
			t.http01[http01Key{c.Domain, c.Token}] = c.KeyAuth
		case model.ChallengeTLSALPN01:
			cert, err := alpnCertificate(c.Domain, c.KeyAuth)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			if t.alpn == nil {
				t.alpn = map[string]*tls.Config{}
			}
			t.alpn[c.Domain] = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{ALPNProto}, MinVersion: tls.VersionTLS12}
		}
	}
	return problems
}

// alpnCertificate is the self-signed certificate a tls-alpn-01 handshake answers with: the name,
// and the SHA-256 of the key authorization in a critical acmeIdentifier extension.
func alpnCertificate(name, keyAuth string) (tls.Certificate, error) {
	sum := sha256.Sum256([]byte(keyAuth))
	ext, err := asn1.Marshal(sum[:])
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(1),
		Subject:         pkix.Name{CommonName: name},
		DNSNames:        []string{name},
		NotBefore:       now.Add(-time.Hour),
		NotAfter:        now.Add(7 * 24 * time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: idPeACMEIdentifier, Critical: true, Value: ext}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// HTTP01 returns the key authorization an http-01 request for host (lowercase, without port) and
// token is answered with.
func (t *Table) HTTP01(host, token string) (string, bool) {
	ka, ok := t.http01[http01Key{host, token}]
	return ka, ok
}

// isACMEHello reports whether a ClientHello is a tls-alpn-01 validation: it offers acme-tls/1 only.
func isACMEHello(hello *tls.ClientHelloInfo) bool {
	return len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == ALPNProto
}
