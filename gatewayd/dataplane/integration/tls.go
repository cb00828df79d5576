package integration

import (
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// ClientCertificate is a stage's client certificate, compiled once per stage and shared by its
// integrations.
type ClientCertificate struct {
	// ID names it in the connection pools.
	ID   string
	cert tls.Certificate
}

// CompileClientCertificate parses a stage's client certificate; nil kp gives nil.
func CompileClientCertificate(id string, kp *model.TLSKeyPair) (*ClientCertificate, error) {
	if kp == nil {
		return nil, nil
	}
	cert, err := tls.X509KeyPair([]byte(kp.CertificatePEM), []byte(kp.PrivateKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("client certificate %s: %w", id, err)
	}
	return &ClientCertificate{ID: id, cert: cert}, nil
}

// compileTLS returns the TLS configuration of an HTTP integration's https backend and its name in the
// connection pools, or nil when the client's defaults do (no client certificate, full verification).
func compileTLS(in model.Integration, addr string, cc *ClientCertificate) (*tls.Config, string) {
	insecure := in.TLSConfig != nil && in.TLSConfig.InsecureSkipVerification
	if cc == nil && !insecure {
		return nil, ""
	}
	host, _, _ := net.SplitHostPort(addr)
	cfg := &tls.Config{ServerName: host}
	name := ""
	if cc != nil {
		// Presented only when the backend asks for a certificate.
		cfg.Certificates = []tls.Certificate{cc.cert}
		name = "client-certificate=" + cc.ID
	}
	if insecure {
		// Any issuer, but still a certificate valid now and for the backend's host name.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("backend %s presented no certificate", host)
			}
			leaf := cs.PeerCertificates[0]
			if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
				return fmt.Errorf("backend certificate of %s is valid from %s to %s, not now", host, leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
			}
			return leaf.VerifyHostname(host)
		}
		name += ",insecure-skip-verification"
	}
	return cfg, name
}
