package dataplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/domain"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// HTTPS and custom domain names. ServeTLS runs a front end behind TLS whose handshakes take their
// configuration (certificate, minimum version, client certificates) from the domain table the client
// names with SNI (domain.Table.ConfigForClient); SetDomains compiles a new table aside and swaps it in,
// so a new or replaced certificate is served from the next handshake on, without a restart.
//
// Routing by host comes before the /{api_id}/{stage} lookup (route):
//   - over TLS, the SNI decides: a domain's requests go through its base path mappings (the longest
//     base path wins and is stripped; a mapping without a stage takes it from the next segment), and a
//     Host naming another host than the SNI is 421, so that a request can never reach a domain without
//     its handshake (its mutual TLS, its minimum version). A handshake without SNI (an IP address) or
//     naming the default certificate routes by /{api_id}/{stage}; any other name is 403 Forbidden.
//   - over plain HTTP, a Host naming a domain is redirected to https (301), refused (403) or served,
//     as Options.DomainHTTP says (never served when it requires mutual TLS); any other Host routes by
//     /{api_id}/{stage}, as before domains.

// Plain HTTP requests to a domain name, for Options.DomainHTTP.
const (
	DomainHTTPRedirect = "redirect"
	DomainHTTPForbid   = "forbid"
	DomainHTTPServe    = "serve"
)

// SetDomains compiles the domain names and swaps them in. A domain that cannot be compiled fails its
// handshakes (its problem is logged) while the others are served.
func (s *Server) SetDomains(snap model.DomainSnapshot) error {
	t, problems := domain.Compile(snap, s.opts.DefaultCertificate)
	for _, p := range problems {
		s.opts.Logger.Error("domain name failed: its handshakes are refused until it is fixed", "err", p)
	}
	s.domains.Store(t)
	return nil
}

// TLSConfig returns the configuration of the TLS listener: per handshake, the current table's.
func (s *Server) TLSConfig() *tls.Config {
	h2 := s.opts.Server == ServerNetHTTP // fasthttp speaks HTTP/1.1 only: never offer h2 through it
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			t := s.domains.Load()
			if t == nil {
				t, _ = domain.Compile(model.DomainSnapshot{}, s.opts.DefaultCertificate)
			}
			return t.ConfigForClient(hello, h2)
		},
	}
}

// ServeTLS is Serve behind TLS (see TLSConfig). net/http serves HTTP/2 and HTTP/1.1 (ALPN); fasthttp
// HTTP/1.1 only.
func (s *Server) ServeTLS(ctx context.Context, ln net.Listener) error {
	if s.opts.DefaultCertificate == nil {
		ln.Close()
		return errors.New("serving TLS: no default certificate")
	}
	return s.Serve(ctx, tls.NewListener(ln, s.TLSConfig()))
}

// acmeChallengePath is where an ACME CA fetches an http-01 challenge's key authorization.
const acmeChallengePath = "/.well-known/acme-challenge/"

// route finds the API and stage of a request from its host and normalized path p, and the path the
// stage sees. It answers itself (an error, or ex.resp) for hosts it refuses or redirects.
func (s *Server) route(ex *exchange, p string) (apiID, stage, rest string, err error) {
	t := s.domains.Load()
	if !ex.tls && t != nil && strings.HasPrefix(p, acmeChallengePath) {
		// An ACME CA's http-01 validation, before any domain's redirect (acme.go of package domain).
		if ka, ok := t.HTTP01(domain.HostName(ex.req.Host), p[len(acmeChallengePath):]); ok {
			ex.resp = &message.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte(ka)}
			return "", "", "", nil
		}
	}
	if ex.tls {
		sni := domain.HostName(ex.sni) // DNS names compare without case
		if sni == "" || t == nil || t.IsDefaultName(sni) {
			return pathRoute(p)
		}
		d := t.Lookup(sni)
		if d == nil {
			return "", "", "", gwerror.Forbidden(fmt.Errorf("no domain name %s", sni))
		}
		if h := domain.HostName(ex.req.Host); h != sni {
			return "", "", "", gwerror.New(http.StatusMisdirectedRequest, "Misdirected Request",
				fmt.Errorf("host %q is not the TLS server name %q", h, sni))
		}
		ex.viaDomain = true
		return domainRoute(d, p)
	}
	if t == nil || t.Empty() {
		return pathRoute(p)
	}
	d := t.Lookup(domain.HostName(ex.req.Host))
	if d == nil {
		return pathRoute(p)
	}
	switch s.opts.DomainHTTP {
	case DomainHTTPServe:
		if !d.ServableWithoutTLS() {
			return "", "", "", gwerror.Forbidden(fmt.Errorf("plain HTTP to domain name %s, which requires mutual TLS or failed", d.Name))
		}
		ex.viaDomain = true
		return domainRoute(d, p)
	case DomainHTTPForbid:
		return "", "", "", gwerror.Forbidden(fmt.Errorf("plain HTTP to domain name %s", d.Name))
	}
	loc := "https://" + d.Name
	if s.opts.HTTPSPort != 0 && s.opts.HTTPSPort != 443 {
		loc += ":" + strconv.Itoa(s.opts.HTTPSPort)
	}
	loc += ex.rawPath
	if ex.req.RawQuery != "" {
		loc += "?" + ex.req.RawQuery
	}
	ex.resp = &message.Response{Status: http.StatusMovedPermanently, Header: http.Header{"Location": {loc}}}
	return "", "", "", nil
}

// pathRoute reads /{api_id}/{stage}/{path}.
func pathRoute(p string) (apiID, stage, rest string, err error) {
	apiID, r, _ := strings.Cut(p[1:], "/")
	stage, _, _ = strings.Cut(r, "/")
	if len(p) < 1+len(apiID)+1+len(stage) {
		return apiID, stage, "", nil
	}
	return apiID, stage, p[1+len(apiID)+1+len(stage):], nil
}

// domainRoute reads a domain's path through its base path mappings. No mapping is 403 Forbidden, as
// API Gateway answers.
func domainRoute(d *domain.Domain, p string) (apiID, stage, rest string, err error) {
	m, rest, ok := d.Match(p)
	if !ok {
		return "", "", "", gwerror.Forbidden(fmt.Errorf("no base path mapping of %s matches %s", d.Name, p))
	}
	if m.Stage != "" {
		return m.APIID, m.Stage, rest, nil
	}
	if rest == "" {
		return m.APIID, "", "", nil
	}
	stage, _, _ = strings.Cut(rest[1:], "/")
	return m.APIID, stage, rest[1+len(stage):], nil
}

// clientCertOf is $context.identity.clientCert of a mutual TLS client, in API Gateway's form.
func clientCertOf(c *x509.Certificate) *apigw.ClientCert {
	const validity = "Jan _2 15:04:05 2006 GMT"
	return &apigw.ClientCert{
		ClientCertPem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})),
		SubjectDN:     c.Subject.String(),
		IssuerDN:      c.Issuer.String(),
		SerialNumber:  c.SerialNumber.String(),
		NotBefore:     c.NotBefore.UTC().Format(validity),
		NotAfter:      c.NotAfter.UTC().Format(validity),
	}
}
