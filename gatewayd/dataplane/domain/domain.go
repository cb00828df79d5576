// Package domain is the data plane's table of custom domain names: for each host, the TLS
// configuration its handshakes get (certificate, minimum version, client certificates) and its base
// path mappings to stages. A Table is compiled aside from a model.DomainSnapshot and never changes;
// the data plane swaps in a new one atomically, so a new or replaced certificate is served from the
// next handshake on, and a request routes on the table it started with.
package domain

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Mapping is a base path mapping, compiled.
type Mapping struct {
	// BasePath is "" for the mapping that takes every path no other matches, else "v1" or "v1/orders".
	BasePath string
	APIID    string
	// Stage is empty when the first segment after the base path names the stage.
	Stage string
}

// Domain is one domain name, compiled.
type Domain struct {
	Name string
	// mappings are ordered longest base path first, so that the first match is the longest.
	mappings []Mapping
	// configs are the handshake configurations: [0] offers HTTP/1.1 only, [1] also h2 (ALPN).
	configs [2]*tls.Config
	// problem, when set, says why the domain cannot be served: its handshakes fail.
	problem error
}

// Table is every domain name the data plane serves, and the default certificate of handshakes that
// name none of them.
type Table struct {
	domains map[string]*Domain
	// defaults are the handshake configurations without a domain: the default certificate, TLS 1.2 on.
	defaults [2]*tls.Config
	// defaultNames are the names of the default certificate: requests to them route by
	// /{api_id}/{stage}, as on the plain listener.
	defaultNames map[string]bool
	// alpn are the tls-alpn-01 handshakes by name, http01 the http-01 answers (acme.go).
	alpn   map[string]*tls.Config
	http01 map[http01Key]string
}

// Cipher suites of TLS 1.0 to 1.2 (TLS 1.3's are fixed): ECDHE key exchange only, AEAD first; the
// CBC suites serve TLS 1.0 and 1.1 clients of a TLS_1_0 domain. API Gateway's TLS_1_2 policy also
// offers non-ECDHE RSA suites; Go no longer does by default, nor here.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
}

// MinVersion is the lowest TLS version of a security policy.
func MinVersion(policy string) uint16 {
	if policy == model.SecurityPolicyTLS10 {
		return tls.VersionTLS10
	}
	return tls.VersionTLS12
}

func configs(cert *tls.Certificate, minVersion uint16, clientCAs *x509.CertPool) [2]*tls.Config {
	var out [2]*tls.Config
	for i, protos := range [][]string{{"http/1.1"}, {"h2", "http/1.1"}} {
		c := &tls.Config{
			Certificates: []tls.Certificate{*cert},
			MinVersion:   minVersion,
			CipherSuites: cipherSuites,
			NextProtos:   protos,
		}
		if clientCAs != nil {
			c.ClientAuth = tls.RequireAndVerifyClientCert
			c.ClientCAs = clientCAs
		}
		out[i] = c
	}
	return out
}

// Compile builds a Table. def is the certificate of handshakes that name no domain. A domain that
// cannot be compiled is kept with its problem (its handshakes fail: never served without its
// certificate or its mutual TLS); the problems are returned for the log.
func Compile(snap model.DomainSnapshot, def *tls.Certificate) (*Table, []error) {
	t := &Table{domains: make(map[string]*Domain, len(snap.Domains)), defaultNames: map[string]bool{}}
	if def != nil {
		t.defaults = configs(def, tls.VersionTLS12, nil)
		if def.Leaf != nil {
			for _, n := range def.Leaf.DNSNames {
				t.defaultNames[n] = true
			}
			for _, ip := range def.Leaf.IPAddresses {
				t.defaultNames[ip.String()] = true
			}
		}
	}
	var problems []error
	for _, sd := range snap.Domains {
		d := &Domain{Name: sd.Name}
		d.problem = compileTLS(d, sd)
		if d.problem != nil {
			problems = append(problems, fmt.Errorf("domain name %s is not served: %w", sd.Name, d.problem))
		}
		for _, m := range sd.Mappings {
			d.mappings = append(d.mappings, Mapping{BasePath: m.BasePath, APIID: m.RestAPIID, Stage: m.Stage})
		}
		sort.Slice(d.mappings, func(i, j int) bool { return len(d.mappings[i].BasePath) > len(d.mappings[j].BasePath) })
		t.domains[sd.Name] = d
	}
	problems = append(problems, t.compileChallenges(snap.Challenges)...)
	return t, problems
}

func compileTLS(d *Domain, sd model.ServedDomain) error {
	if sd.Problem != "" {
		return errors.New(sd.Problem)
	}
	cert, err := tls.X509KeyPair(sd.CertificatePEM, sd.KeyPEM)
	if err != nil {
		return fmt.Errorf("its certificate: %w", err)
	}
	var pool *x509.CertPool
	if len(sd.TruststorePEM) > 0 {
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(sd.TruststorePEM) {
			return errors.New("its truststore holds no certificate")
		}
	}
	d.configs = configs(&cert, MinVersion(sd.SecurityPolicy), pool)
	return nil
}

// Empty reports whether the table has no domain.
func (t *Table) Empty() bool { return len(t.domains) == 0 }

// Lookup returns the domain of a host name (lowercase, without port), or nil.
func (t *Table) Lookup(host string) *Domain { return t.domains[host] }

// IsDefaultName reports whether name is one of the default certificate's names.
func (t *Table) IsDefaultName(name string) bool { return t.defaultNames[name] }

// ConfigForClient returns the configuration of a handshake: the domain the client names (SNI), or
// the default certificate's. h2 offers HTTP/2 through ALPN.
func (t *Table) ConfigForClient(hello *tls.ClientHelloInfo, h2 bool) (*tls.Config, error) {
	if isACMEHello(hello) {
		if c := t.alpn[strings.ToLower(hello.ServerName)]; c != nil {
			return c, nil
		}
		return nil, fmt.Errorf("no tls-alpn-01 challenge for %q", hello.ServerName)
	}
	i := 0
	if h2 {
		i = 1
	}
	if d := t.domains[strings.ToLower(hello.ServerName)]; d != nil {
		if d.problem != nil {
			return nil, fmt.Errorf("domain name %s is not served: %w", d.Name, d.problem)
		}
		return d.configs[i], nil
	}
	if t.defaults[i] == nil {
		return nil, errors.New("no default certificate")
	}
	return t.defaults[i], nil
}

// ServableWithoutTLS reports whether the domain may be served over plain HTTP (behind a TLS
// terminator): not when it requires client certificates, which only its own handshake checks, nor
// when it failed.
func (d *Domain) ServableWithoutTLS() bool {
	return d.problem == nil && d.configs[0].ClientAuth == tls.NoClientCert
}

// Match returns the mapping of a normalized path ("/..."), the longest base path first, and the rest
// of the path after the base path ("" or "/..."). ok is false when no mapping matches.
func (d *Domain) Match(path string) (m *Mapping, rest string, ok bool) {
	for i := range d.mappings {
		m := &d.mappings[i]
		if m.BasePath == "" {
			return m, path, true
		}
		if strings.HasPrefix(path, "/"+m.BasePath) {
			rest := path[1+len(m.BasePath):]
			if rest == "" || rest[0] == '/' {
				return m, rest, true
			}
		}
	}
	return nil, "", false
}

// HostName returns the host of a Host header, lowercase and without port.
func HostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}
