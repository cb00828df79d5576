package pki

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRootKeptAndIssued: the root is created once in its directory (the key 0600), read back by the
// next CA of that directory, and what it issues verifies against it for DNS names and IP addresses.
func TestRootKeptAndIssued(t *testing.T) {
	dir := t.TempDir()
	root1, err := New(dir, nil).RootPEM()
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, RootKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("root key file: %v, mode %v", err, info.Mode().Perm())
	}
	ca := New(dir, nil)
	root2, err := ca.RootPEM()
	if err != nil || string(root1) != string(root2) {
		t.Fatalf("a second CA of the directory made another root (%v)", err)
	}
	certPEM, keyPEM, err := ca.Issue([]string{"api.example.test", "127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := Check(string(certPEM), "", string(keyPEM))
	if err != nil || kp.KeyAlgorithm != "EC_prime256v1" {
		t.Fatalf("Check of an issued certificate: %+v, %v", kp, err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(root1)
	for _, name := range []string{"api.example.test", "127.0.0.1"} {
		if _, err := kp.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("issued certificate for %s: %v", name, err)
		}
	}
	if _, err := kp.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.example.test"}); err == nil {
		t.Error("issued certificate verifies for a name it was not issued for")
	}
}

func TestHalfARootIsRefused(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(dir, nil).RootPEM(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, RootKeyFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := New(dir, nil).RootPEM(); err == nil || !strings.Contains(err.Error(), "only one of") {
		t.Errorf("a root without its key: %v, want a refusal naming the missing file", err)
	}
}

func TestCheckRefusals(t *testing.T) {
	ca := New(t.TempDir(), nil)
	a, aKey, _ := ca.Issue([]string{"a.example.test"}, time.Hour)
	b, bKey, _ := ca.Issue([]string{"b.example.test"}, time.Hour)
	keyBlock, _ := pem.Decode(aKey)
	for name, tc := range map[string]struct{ cert, chain, key, want string }{
		"key of another":        {string(a), "", string(bKey), "private_key does not go with certificate_body"},
		"two certificates":      {string(a) + string(b), "", string(aKey), "more than one certificate"},
		"not pem":               {"hello", "", string(aKey), "not a PEM CERTIFICATE block"},
		"chain with a key":      {string(a), string(aKey), string(aKey), "certificate_chain holds a PRIVATE KEY block"},
		"chain not pem":         {string(a), "junk", string(aKey), "certificate_chain is not PEM"},
		"key where cert should": {string(pem.EncodeToMemory(keyBlock)), "", string(aKey), "not a PEM CERTIFICATE block"},
	} {
		if _, err := Check(tc.cert, tc.chain, tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
