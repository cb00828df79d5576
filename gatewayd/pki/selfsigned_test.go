package pki

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

// TestSelfSignedClientVerifiesAsItsOwnRoot: a backend that trusts only the certificate accepts it
// for client authentication, and its key is the certificate's.
func TestSelfSignedClientVerifiesAsItsOwnRoot(t *testing.T) {
	now := time.Now()
	certPEM, keyPEM, err := SelfSignedClient("gatewayd client certificate abc123", now, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := Check(string(certPEM), "", string(keyPEM))
	if err != nil {
		t.Fatalf("Check(self-signed) = %v", err)
	}
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("Verify(client auth, trusting itself) = %v", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("Verify trusting nothing succeeded")
	}
	if d := leaf.NotAfter.Sub(now); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("validity = %v, want about a year", d)
	}
	if kp.KeyAlgorithm != "EC_prime256v1" {
		t.Errorf("key algorithm = %q", kp.KeyAlgorithm)
	}
}
