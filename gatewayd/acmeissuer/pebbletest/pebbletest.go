// Package pebbletest runs Let's Encrypt's pebble, a small ACME CA for tests, in-process: its
// directory on a loopback httptest server, its validation authority pointed at the gateway's
// listeners, and a DNS server that resolves every name to 127.0.0.1, so that a test issues real
// certificates for names such as api.example.test without any network.
package pebbletest

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// Options say where pebble's validation authority reaches the gateway.
type Options struct {
	// HTTPPort is where http-01 challenges are fetched (the gateway's plain listener), TLSPort where
	// tls-alpn-01 handshakes go (its TLS listener). Zero: a port nothing listens on.
	HTTPPort, TLSPort int
	// Validity of the issued certificates; zero takes 90 days, as Let's Encrypt's.
	Validity time.Duration
}

// Pebble is a running pebble.
type Pebble struct {
	// DirectoryURL is the ACME directory (https on 127.0.0.1).
	DirectoryURL string
	// DirectoryRootFile is a PEM file of the certificate the directory's HTTPS is served with (what
	// --acme-ca-root takes).
	DirectoryRootFile string
	// IssuerRootPEM is the root the issued certificates chain to: what clients trust.
	IssuerRootPEM []byte
	// IssuerRootFile holds IssuerRootPEM (for curl --cacert).
	IssuerRootFile string

	orders atomic.Int64
}

// Start runs pebble until the test ends. It sets pebble's environment (no validation sleep, no
// rejected nonces) with t.Setenv, so the test must not be parallel.
func Start(t testing.TB, opts Options) *Pebble {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	if opts.Validity == 0 {
		opts.Validity = 90 * 24 * time.Hour
	}
	for _, p := range []*int{&opts.HTTPPort, &opts.TLSPort} {
		if *p == 0 {
			*p = closedPort(t)
		}
	}
	logger := log.New(io.Discard, "", 0)
	if testing.Verbose() {
		logger = log.New(os.Stderr, "pebble ", log.Lmicroseconds)
	}
	resolver := startDNS(t)
	store := db.NewMemoryStore()
	profiles := map[string]ca.Profile{"default": {Description: "test", ValidityPeriod: uint64(opts.Validity / time.Second)}}
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, profiles)
	validator := va.New(logger, opts.HTTPPort, opts.TLSPort, false, resolver, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	p := &Pebble{}
	handler := front.Handler()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" { // pebble's new-order path
			p.orders.Add(1)
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	p.DirectoryURL = srv.URL + wfe.DirectoryPath
	p.DirectoryRootFile = filepath.Join(dir, "directory-root.pem")
	p.IssuerRootPEM = authority.GetRootCert(0).PEM()
	p.IssuerRootFile = filepath.Join(dir, "issuer-root.pem")
	dirRoot := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(p.DirectoryRootFile, dirRoot, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.IssuerRootFile, p.IssuerRootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Roots is a pool of IssuerRootPEM.
func (p *Pebble) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.IssuerRootPEM)
	return pool
}

// Orders counts the new-order requests pebble has received.
func (p *Pebble) Orders() int64 { return p.orders.Load() }

// startDNS serves DNS over TCP (pebble's resolver speaks TCP) on a free loopback port, answering
// every A question with 127.0.0.1 and every other question with nothing.
func startDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Net: "tcp", Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			if q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A: net.IPv4(127, 0, 0, 1)})
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ln.Addr().String()
}

// closedPort returns a loopback port nothing listens on (bound, then released).
func closedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
