package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki/pkitest"
)

// mockAPI makes an API whose GET /ping answers {"api":"NAME"} on an auto-deployed stage prod.
func mockAPI(t *testing.T, c *client.Client, name string) string {
	t.Helper()
	return mockAPIWith(t, c, name, `{"api":"`+name+`"}`)
}

// mockAPIWith makes an API whose GET /ping answers the response template tmpl.
func mockAPIWith(t *testing.T, c *client.Client, name, tmpl string) string {
	t.Helper()
	ctx := context.Background()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "ping"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
		ResponseTemplates: map[string]string{"application/json": tmpl}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	return api.ID
}

// httpsClient dials addr whatever the URL's host, trusting roots and sending SNI from the URL, as
// curl --resolve does.
func httpsClient(addr string, cfg *tls.Config) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			TLSClientConfig:   cfg,
			ForceAttemptHTTP2: true,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
		},
	}
}

type httpsAnswer struct {
	status int
	body   string
	header http.Header
	proto  string
}

func call(t *testing.T, c *http.Client, url string, host string) (httpsAnswer, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		return httpsAnswer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpsAnswer{resp.StatusCode, string(b), resp.Header, resp.Proto}, nil
}

// handshake returns the serial of the certificate a TLS handshake for serverName gets, or its error.
func handshake(addr string, cfg *tls.Config) (string, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Under TLS 1.3 a refused client certificate shows on the first read.
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: " + cfg.ServerName + "\r\nConnection: close\r\n\r\n")); err != nil {
		return "", err
	}
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		return "", err
	}
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Text(16), nil
}

// TestTLSDomains: the TLS listener on both front ends, with an INTERNAL certificate, base path
// mappings, unknown hosts, plain HTTP to a domain, HSTS, security policies, mutual TLS, and a
// replaced certificate served on the next handshake.
func TestTLSDomains(t *testing.T) {
	for _, server := range []string{dataplane.ServerFastHTTP, dataplane.ServerNetHTTP} {
		t.Run(strings.ReplaceAll(server, "/", ""), func(t *testing.T) { testTLSDomains(t, server) })
	}
}

func testTLSDomains(t *testing.T, server string) {
	dir := t.TempDir()
	d, err := Start(context.Background(), Config{DataDir: dir, AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		TLSListen: "127.0.0.1:0", HSTSMaxAge: 600, Server: server, AdminToken: "tok",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	ctx := context.Background()
	c, err := client.New(d.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	apiA, apiB := mockAPI(t, c, "A"), mockAPI(t, c, "B")
	cert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: "api.example.test", ValidationMethod: model.ValidationInternal})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Status != model.CertificateIssued || cert.PrivateKey != "" || time.Until(cert.NotAfter) < 80*24*time.Hour {
		t.Errorf("certificate = status %s, not_after %s, private key returned %v", cert.Status, cert.NotAfter, cert.PrivateKey != "")
	}
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "api.example.test", RegionalCertificateARN: cert.ARN}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []model.BasePathMapping{
		{BasePath: "v1", RestAPIID: apiA, Stage: "prod"},
		{BasePath: "v2", RestAPIID: apiB, Stage: "prod"},
		{BasePath: "v1/deep", RestAPIID: apiB, Stage: "prod"},
		{BasePath: "any", RestAPIID: apiA},
		{BasePath: "", RestAPIID: apiB, Stage: "prod"},
	} {
		m.DomainName = "api.example.test"
		if _, err := c.CreateBasePathMapping(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	rootPEM, err := c.CACertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "ca.pem")); err != nil || string(b) != rootPEM {
		t.Errorf("CA certificate served differs from the data dir's (%v)", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(rootPEM))
	tlsAddr := strings.TrimPrefix(d.TLSURL, "https://")
	hc := httpsClient(tlsAddr, &tls.Config{RootCAs: roots})

	wantProto := "HTTP/1.1"
	if server == dataplane.ServerNetHTTP {
		wantProto = "HTTP/2.0"
	}
	for _, tc := range []struct{ path, want string }{
		{"/v1/ping", `{"api":"A"}`},
		{"/v2/ping", `{"api":"B"}`},
		{"/v1/deep/ping", `{"api":"B"}`},  // the longest base path wins
		{"/any/prod/ping", `{"api":"A"}`}, // no stage in the mapping: the next segment names it
		{"/ping", `{"api":"B"}`},          // the empty base path serves the rest
	} {
		a, err := call(t, hc, "https://api.example.test"+tc.path, "")
		if err != nil {
			t.Fatalf("GET %s: %v", tc.path, err)
		}
		if a.status != 200 || a.body != tc.want {
			t.Errorf("GET %s = %d %s, want 200 %s", tc.path, a.status, a.body, tc.want)
		}
		if got := a.header.Get("Strict-Transport-Security"); got != "max-age=600" {
			t.Errorf("GET %s: Strict-Transport-Security = %q, want max-age=600", tc.path, got)
		}
		if a.proto != wantProto {
			t.Errorf("GET %s: protocol %s, want %s", tc.path, a.proto, wantProto)
		}
	}
	// A server name in capitals is the same name.
	upper := httpsClient(tlsAddr, &tls.Config{RootCAs: roots, ServerName: "API.Example.TEST"})
	if a, err := call(t, upper, "https://api.example.test/v1/ping", ""); err != nil || a.status != 200 || a.body != `{"api":"A"}` {
		t.Errorf("SNI in capitals = %+v, %v", a, err)
	}
	// /{api_id}/{stage} on the default certificate, which the internal CA issued for the loopback.
	if a, err := call(t, hc, d.TLSURL+"/"+apiA+"/prod/ping", ""); err != nil || a.status != 200 || a.body != `{"api":"A"}` {
		t.Errorf("GET %s/API/prod/ping = %+v, %v", d.TLSURL, a, err)
	}
	insecure := httpsClient(tlsAddr, &tls.Config{InsecureSkipVerify: true})
	if a, err := call(t, insecure, "https://other.example.test/v1/ping", ""); err != nil || a.status != 403 || a.body != `{"message":"Forbidden"}` {
		t.Errorf("unknown host = %+v, %v; want 403 Forbidden", a, err)
	}
	if a, err := call(t, hc, "https://api.example.test/v1/ping", "other.example.test"); err != nil || a.status != 421 {
		t.Errorf("Host other than the SNI = %+v, %v; want 421", a, err)
	}
	// Plain HTTP to the domain: 301 to https.
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, port, _ := net.SplitHostPort(tlsAddr)
	if a, err := call(t, plain, d.DataURL+"/v1/ping?x=1", "api.example.test"); err != nil || a.status != 301 ||
		a.header.Get("Location") != "https://api.example.test:"+port+"/v1/ping?x=1" {
		t.Errorf("plain HTTP to the domain = %+v, %v", a, err)
	}
	// The plain listener still routes /{api_id}/{stage} for other hosts.
	if a, err := call(t, plain, d.DataURL+"/"+apiB+"/prod/ping", ""); err != nil || a.status != 200 || a.body != `{"api":"B"}` {
		t.Errorf("plain /{api}/{stage} = %+v, %v", a, err)
	}

	// security_policy TLS_1_2 refuses TLS 1.1; TLS_1_0 takes it.
	tls11 := &tls.Config{RootCAs: roots, ServerName: "api.example.test", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	if _, err := handshake(tlsAddr, tls11); err == nil {
		t.Error("a TLS 1.1 handshake with a TLS_1_2 domain succeeded")
	}
	old, err := c.GetDomainName(ctx, "api.example.test")
	if err != nil {
		t.Fatal(err)
	}
	old.SecurityPolicy = model.SecurityPolicyTLS10
	if _, err := c.UpdateDomainName(ctx, "api.example.test", old); err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(tlsAddr, tls11); err != nil {
		t.Errorf("a TLS 1.1 handshake with a TLS_1_0 domain: %v", err)
	}

	// Mutual TLS: a truststore file; a client without a certificate is refused, one with is served.
	users := pkitest.NewCA(t, "users")
	trust := filepath.Join(t.TempDir(), "truststore.pem")
	if err := os.WriteFile(trust, []byte(users.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	mcert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: "mtls.example.test", ValidationMethod: model.ValidationInternal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "mtls.example.test", CertificateARN: mcert.ARN,
		MutualTLS: &model.MutualTLSAuthentication{TruststoreURI: "file://" + trust}}); err != nil {
		t.Fatal(err)
	}
	apiCert := mockAPIWith(t, c, "cert", `{"subject":"$context.identity.clientCert.subjectDN","issuer":"$context.identity.clientCert.issuerDN"}`)
	if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: "mtls.example.test", RestAPIID: apiA, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: "mtls.example.test", BasePath: "cert", RestAPIID: apiCert, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
	if a, err := call(t, hc, "https://mtls.example.test/ping", ""); err == nil {
		t.Errorf("mutual TLS without a client certificate = %+v, want a refused handshake", a)
	}
	clientPair := users.Client("alice").TLS()
	withCert := httpsClient(tlsAddr, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{clientPair}})
	if a, err := call(t, withCert, "https://mtls.example.test/ping", ""); err != nil || a.status != 200 || a.body != `{"api":"A"}` {
		t.Errorf("mutual TLS with a client certificate = %+v, %v", a, err)
	}
	// $context.identity.clientCert reaches templates.
	if a, err := call(t, withCert, "https://mtls.example.test/cert/ping", ""); err != nil || a.body != `{"subject":"CN=alice","issuer":"CN=users"}` {
		t.Errorf("$context.identity.clientCert = %+v, %v", a, err)
	}
	// ... and Lambda-proxy functions (requestContext.identity.clientCert).
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			RequestContext struct {
				Identity struct {
					ClientCert *struct {
						SubjectDN string `json:"subjectDN"`
					} `json:"clientCert"`
				} `json:"identity"`
			} `json:"requestContext"`
		}
		json.NewDecoder(r.Body).Decode(&ev)
		subject := "none"
		if cc := ev.RequestContext.Identity.ClientCert; cc != nil {
			subject = cc.SubjectDN
		}
		json.NewEncoder(w).Encode(map[string]any{"statusCode": 200, "body": subject})
	}))
	defer fn.Close()
	fnAPI, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "fn"})
	if err != nil {
		t.Fatal(err)
	}
	fnID := client.MethodID{RestAPIID: fnAPI.ID, ResourceID: fnAPI.RootResourceID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, fnID, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, fnID, model.Integration{Type: model.IntegrationAWSProxy, IntegrationHTTPMethod: "POST",
		URI: fn.URL + "/2015-03-31/functions/f/invocations"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, fnAPI.ID, model.Stage{StageName: "prod", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: "mtls.example.test", BasePath: "fn", RestAPIID: fnAPI.ID, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
	if a, err := call(t, withCert, "https://mtls.example.test/fn", ""); err != nil || a.body != "CN=alice" {
		t.Errorf("Lambda proxy requestContext.identity.clientCert.subjectDN = %+v, %v", a, err)
	}
	strangers := pkitest.NewCA(t, "strangers").Client("mallory").TLS()
	if a, err := call(t, httpsClient(tlsAddr, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{strangers}}), "https://mtls.example.test/ping", ""); err == nil {
		t.Errorf("mutual TLS with a certificate of another CA = %+v, want a refused handshake", a)
	}
	// The domain without mutual TLS cannot reach the mutual TLS domain by its Host header.
	if a, err := call(t, hc, "https://api.example.test/ping", "mtls.example.test"); err != nil || a.status != 421 {
		t.Errorf("Host of the mutual TLS domain on another SNI = %+v, %v; want 421", a, err)
	}

	// An imported certificate, then replaced: the next handshake gets the new one, no restart.
	own := pkitest.NewCA(t, "own")
	ownRoots := x509.NewCertPool()
	ownRoots.AppendCertsFromPEM([]byte(own.PEM))
	first := own.Server("shop.example.test")
	imp, err := c.CreateCertificate(ctx, model.Certificate{CertificateBody: first.CertPEM, PrivateKey: first.KeyPEM, CertificateChain: own.PEM})
	if err != nil {
		t.Fatal(err)
	}
	if imp.DomainName != "shop.example.test" || imp.ValidationMethod != "" {
		t.Errorf("imported certificate = %+v", imp)
	}
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "shop.example.test", RegionalCertificateARN: imp.ARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: "shop.example.test", RestAPIID: apiB, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
	shop := &tls.Config{RootCAs: ownRoots, ServerName: "shop.example.test"}
	if got, err := handshake(tlsAddr, shop); err != nil || got != first.Cert.SerialNumber.Text(16) {
		t.Errorf("imported certificate: serial %s, %v; want %s", got, err, first.Cert.SerialNumber.Text(16))
	}
	second := own.Server("shop.example.test")
	if _, err := c.UpdateCertificate(ctx, imp.ID, model.Certificate{ID: imp.ID, CertificateBody: second.CertPEM, PrivateKey: second.KeyPEM, CertificateChain: own.PEM}); err != nil {
		t.Fatal(err)
	}
	if got, err := handshake(tlsAddr, shop); err != nil || got != second.Cert.SerialNumber.Text(16) {
		t.Errorf("replaced certificate: serial %s, %v; want %s", got, err, second.Cert.SerialNumber.Text(16))
	}
	if a, err := call(t, httpsClient(tlsAddr, &tls.Config{RootCAs: ownRoots}), "https://shop.example.test/ping", ""); err != nil || a.body != `{"api":"B"}` {
		t.Errorf("shop = %+v, %v", a, err)
	}
	// A certificate in use cannot be deleted.
	var ce *client.Error
	if err := c.DeleteCertificate(ctx, imp.ID); !errors.As(err, &ce) || ce.StatusCode != 409 {
		t.Errorf("deleting a certificate in use: %v, want 409", err)
	}
}

// TestTLSDefaultCertFileAndDomainHTTP: the operator's default certificate is served to handshakes
// that name no domain; --domain-http serve serves a domain over plain HTTP, never one with mutual TLS;
// forbid answers 403.
func TestTLSDefaultCertFileAndDomainHTTP(t *testing.T) {
	own := pkitest.NewCA(t, "own")
	def := own.Server("127.0.0.1")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "default.pem"), filepath.Join(dir, "default-key.pem")
	if err := os.WriteFile(certFile, []byte(def.CertPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(def.KeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{dataplane.DomainHTTPServe, dataplane.DomainHTTPForbid} {
		t.Run(mode, func(t *testing.T) {
			d, err := Start(context.Background(), Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
				TLSListen: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: keyFile, DomainHTTP: mode, AdminToken: "tok",
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer stop(t, d)
			ctx := context.Background()
			c, err := client.New(d.AdminURL, "tok", client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AppendCertsFromPEM([]byte(own.PEM))
			if got, err := handshake(strings.TrimPrefix(d.TLSURL, "https://"), &tls.Config{RootCAs: roots}); err != nil || got != def.Cert.SerialNumber.Text(16) {
				t.Errorf("default certificate: serial %s, %v; want the file's %s", got, err, def.Cert.SerialNumber.Text(16))
			}
			api := mockAPI(t, c, "A")
			for _, name := range []string{"plain.example.test", "mtls.example.test"} {
				cert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: name, ValidationMethod: model.ValidationInternal})
				if err != nil {
					t.Fatal(err)
				}
				dn := model.DomainName{DomainName: name, CertificateARN: cert.ARN}
				if name == "mtls.example.test" {
					dn.MutualTLS = &model.MutualTLSAuthentication{TruststoreURI: own.PEM}
				}
				if _, err := c.CreateDomainName(ctx, dn); err != nil {
					t.Fatal(err)
				}
				if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: name, RestAPIID: api, Stage: "prod"}); err != nil {
					t.Fatal(err)
				}
			}
			plainWant, plainBody := 200, `{"api":"A"}`
			if mode == dataplane.DomainHTTPForbid {
				plainWant, plainBody = 403, `{"message":"Forbidden"}`
			}
			if a, err := call(t, http.DefaultClient, d.DataURL+"/ping", "plain.example.test"); err != nil || a.status != plainWant || a.body != plainBody {
				t.Errorf("plain HTTP to a domain = %+v, %v; want %d %s", a, err, plainWant, plainBody)
			}
			if a, err := call(t, http.DefaultClient, d.DataURL+"/ping", "mtls.example.test"); err != nil || a.status != 403 {
				t.Errorf("plain HTTP to a mutual TLS domain = %+v, %v; want 403", a, err)
			}
		})
	}
}
