// Package pki is gatewayd's own certificate authority: a root kept in the data directory, created on
// first use, that issues the certificates of validation_method INTERNAL and the TLS listener's
// default certificate. Clients trust it by trusting the root's certificate, which the admin API serves.
// It also parses and checks the PEM a user imports.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Files of the CA inside its directory.
const (
	RootCertFile = "ca.pem"
	RootKeyFile  = "ca-key.pem"
)

// rootValidity is how long the root is valid: long, as clients pin it.
const rootValidity = 10 * 365 * 24 * time.Hour

// CA issues certificates from a root kept in a directory. It is safe for concurrent use.
type CA struct {
	dir string
	now func() time.Time

	mu   sync.Mutex
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

// New returns the CA of dir; the root is read, or created, on first use. now may be nil (time.Now).
func New(dir string, now func() time.Time) *CA {
	if now == nil {
		now = time.Now
	}
	return &CA{dir: dir, now: now}
}

// load reads the root, creating it when there is none. The caller holds mu.
func (ca *CA) load() error {
	if ca.cert != nil {
		return nil
	}
	certPath, keyPath := filepath.Join(ca.dir, RootCertFile), filepath.Join(ca.dir, RootKeyFile)
	certPEM, cerr := os.ReadFile(certPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	switch {
	case cerr == nil && kerr == nil:
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("reading the internal CA from %s and %s: %w", certPath, keyPath, err)
		}
		signer, ok := pair.PrivateKey.(crypto.Signer)
		if !ok {
			return fmt.Errorf("internal CA key in %s cannot sign", keyPath)
		}
		ca.cert, ca.key, ca.pem = pair.Leaf, signer, certPEM
		return nil
	case !errors.Is(cerr, os.ErrNotExist) && cerr != nil:
		return fmt.Errorf("reading the internal CA: %w", cerr)
	case !errors.Is(kerr, os.ErrNotExist) && kerr != nil:
		return fmt.Errorf("reading the internal CA: %w", kerr)
	case (cerr == nil) != (kerr == nil):
		return fmt.Errorf("the internal CA in %s has only one of %s and %s; restore the other from a backup, or remove both to create a new root (clients must then trust the new one)", ca.dir, RootCertFile, RootKeyFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating the internal CA key: %w", err)
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "gatewayd internal CA " + now.UTC().Format("2006-01-02T15:04:05Z"), Organization: []string{"gatewayd"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(rootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("creating the internal CA: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.MkdirAll(ca.dir, 0o700); err != nil {
		return err
	}
	// The key first: a root certificate without its key is refused at the next start.
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("writing the internal CA key: %w", err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return fmt.Errorf("writing the internal CA certificate: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca.cert, ca.key, ca.pem = cert, key, certPEM
	return nil
}

// RootPEM returns the root's certificate, the one clients trust.
func (ca *CA) RootPEM() ([]byte, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if err := ca.load(); err != nil {
		return nil, err
	}
	return ca.pem, nil
}

// Issue returns a new certificate (PEM) for names (DNS names or IP addresses; the first is the
// subject's common name) valid for validity, and its new ECDSA P-256 private key (PKCS #8 PEM).
func (ca *CA) Issue(names []string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	if len(names) == 0 {
		return nil, nil, errors.New("issuing a certificate: no names")
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if err := ca.load(); err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    now.Add(-time.Hour), // clock skew
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("issuing a certificate for %v: %w", names, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand never fails on Linux
	}
	return n.Add(n, big.NewInt(1))
}

// KeyPair is an imported or issued certificate, checked.
type KeyPair struct {
	Leaf *x509.Certificate
	// KeyAlgorithm is ACM's name of the key's algorithm: RSA_2048, EC_prime256v1, ...
	KeyAlgorithm string
}

// Check parses a certificate, its chain and its private key (PEM), and checks that the key is the
// certificate's. The errors name what is wrong, for the user who pasted the PEM.
func Check(certPEM, chainPEM, keyPEM string) (KeyPair, error) {
	block, rest := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return KeyPair{}, errors.New("certificate_body is not a PEM CERTIFICATE block")
	}
	if b, _ := pem.Decode(rest); b != nil {
		return KeyPair{}, errors.New("certificate_body holds more than one certificate; put the intermediates in certificate_chain")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return KeyPair{}, fmt.Errorf("certificate_body: %w", err)
	}
	if chainPEM != "" {
		rest := []byte(chainPEM)
		n := 0
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				return KeyPair{}, fmt.Errorf("certificate_chain holds a %s block; it must hold only certificates", b.Type)
			}
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				return KeyPair{}, fmt.Errorf("certificate_chain: %w", err)
			}
			n++
		}
		if n == 0 {
			return KeyPair{}, errors.New("certificate_chain is not PEM CERTIFICATE blocks")
		}
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return KeyPair{}, fmt.Errorf("private_key does not go with certificate_body: %w", err)
	}
	kp := KeyPair{Leaf: leaf}
	switch k := pair.PrivateKey.(type) {
	case *rsa.PrivateKey:
		kp.KeyAlgorithm = fmt.Sprintf("RSA_%d", k.N.BitLen())
	case *ecdsa.PrivateKey:
		kp.KeyAlgorithm = map[string]string{"P-256": "EC_prime256v1", "P-384": "EC_secp384r1", "P-521": "EC_secp521r1"}[k.Curve.Params().Name]
	case ed25519.PrivateKey:
		kp.KeyAlgorithm = "ED25519"
	}
	return kp, nil
}
