package daemon

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/acmeissuer/pebbletest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/postgres/pgtest"
)

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// acmeConfig is a daemon on listen and tlsListen that issues ACME certificates from pebble.
func acmeConfig(dir, listen, tlsListen string, p *pebbletest.Pebble, challenge string) Config {
	return Config{DataDir: dir, AdminAddr: "127.0.0.1:0", Listen: listen, TLSListen: tlsListen, AdminToken: "tok",
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		ACMEAcceptTOS: true, ACMEDirectoryURL: p.DirectoryURL, ACMECARoot: p.DirectoryRootFile,
		ACMEEmail: "ops@example.test", ACMEChallenges: []string{challenge}, acmeEvery: 200 * time.Millisecond}
}

// waitCertificate polls the certificate until it leaves PENDING_VALIDATION or its serial changes
// from notSerial, within a minute.
func waitCertificate(t *testing.T, c *client.Client, id, notSerial string) model.Certificate {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		cert, err := c.GetCertificate(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Status != model.CertificatePending && (notSerial == "" || cert.Serial != notSerial) {
			return cert
		}
		if time.Now().After(deadline) {
			t.Fatalf("certificate %s still %s (serial %q, reason %q) after a minute", id, cert.Status, cert.Serial, cert.FailureReason)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestACMEIssuesFromPebble: an ACME certificate is created PENDING_VALIDATION at once, issued by a
// real ACME CA (pebble, in-process) that validates through the gateway's own listeners (tls-alpn-01
// on the TLS listener, http-01 on the plain one), served for its domain with the CA's chain; a
// restart serves it again without a new order, and it is renewed when a third of its validity is
// left (the clock moved 61 days on).
func TestACMEIssuesFromPebble(t *testing.T) {
	for _, tc := range []struct{ challenge, server string }{
		{model.ChallengeTLSALPN01, dataplane.ServerFastHTTP},
		{model.ChallengeTLSALPN01, dataplane.ServerNetHTTP},
		{model.ChallengeHTTP01, dataplane.ServerFastHTTP},
		{model.ChallengeHTTP01, dataplane.ServerNetHTTP},
	} {
		t.Run(tc.challenge+"/"+strings.ReplaceAll(tc.server, "/", ""), func(t *testing.T) { testACMEIssues(t, tc.challenge, tc.server) })
	}
}

func testACMEIssues(t *testing.T, challenge, server string) {
	ctx := context.Background()
	dir := t.TempDir()
	listen, tlsListen := freeAddr(t), freeAddr(t)
	p := pebbletest.Start(t, pebbletest.Options{HTTPPort: portOf(t, listen), TLSPort: portOf(t, tlsListen)})
	cfg := acmeConfig(dir, listen, tlsListen, p, challenge)
	cfg.Server = server
	d, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(d.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := mockAPI(t, c, "A")
	start := time.Now()
	cert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: "api.example.test",
		SubjectAlternativeNames: []string{"www.example.test"}, ValidationMethod: model.ValidationACME})
	if err != nil {
		t.Fatal(err)
	}
	if cert.Status != model.CertificatePending || cert.CertificateBody != "" {
		t.Errorf("created certificate: status %s, body %d bytes; want PENDING_VALIDATION and no body yet", cert.Status, len(cert.CertificateBody))
	}
	// A domain may name it before it is issued; it is served once it is.
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "api.example.test", RegionalCertificateARN: cert.ARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: "api.example.test", BasePath: "v1", RestAPIID: api, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
	issued := waitCertificate(t, c, cert.ID, "")
	t.Logf("create -> %s in %s", issued.Status, time.Since(start).Round(time.Millisecond))
	if issued.Status != model.CertificateIssued || issued.FailureReason != "" || issued.CertificateChain == "" {
		t.Fatalf("certificate = status %s, reason %q, chain %d bytes; want ISSUED with the CA's chain", issued.Status, issued.FailureReason, len(issued.CertificateChain))
	}
	if got := time.Until(issued.NotAfter); got < 89*24*time.Hour {
		t.Errorf("not_after in %s, want pebble's 90 days", got)
	}
	hc := httpsClient(tlsListen, &tls.Config{RootCAs: p.Roots()})
	// The status is read from the store, which this node's data plane applies just after the commit.
	var a httpsAnswer
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if a, err = call(t, hc, "https://api.example.test/v1/ping", ""); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || a.status != 200 || a.body != `{"api":"A"}` {
		t.Fatalf("GET https://api.example.test/v1/ping = %+v, %v; want 200 from API A", a, err)
	}
	if serial, err := handshake(tlsListen, &tls.Config{ServerName: "api.example.test", RootCAs: p.Roots()}); err != nil || serial != issued.Serial {
		t.Errorf("handshake serves serial %s (%v), want %s", serial, err, issued.Serial)
	}
	orders := p.Orders()
	stop(t, d)

	// A restart serves the stored certificate and orders nothing.
	if d, err = Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if serial, err := handshake(tlsListen, &tls.Config{ServerName: "api.example.test", RootCAs: p.Roots()}); err != nil || serial != issued.Serial {
		t.Errorf("after a restart the handshake serves serial %s (%v), want %s", serial, err, issued.Serial)
	}
	time.Sleep(time.Second) // five rounds of the issuer
	if got := p.Orders(); got != orders {
		t.Errorf("pebble received %d orders after the restart, want none", got-orders)
	}
	stop(t, d)
	if challenge != model.ChallengeTLSALPN01 || server != dataplane.ServerFastHTTP {
		return
	}

	// 61 days on, a third of the 90 is left: renewed under the same ARN and served. (The clock goes
	// back once the renewal is seen: on the moved clock the new certificate, issued by pebble on the
	// real one, would be due at once too.)
	var offset atomic.Int64
	offset.Store(int64(61 * 24 * time.Hour))
	cfg.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	if d, err = Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	if c, err = client.New(d.AdminURL, "tok", client.Options{}); err != nil {
		t.Fatal(err)
	}
	waitCertificate(t, c, cert.ID, issued.Serial)
	offset.Store(0)
	time.Sleep(time.Second) // a renewal under way ends
	renewed, err := c.GetCertificate(ctx, cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Status != model.CertificateIssued || renewed.ARN != cert.ARN || renewed.FailureReason != "" {
		t.Fatalf("renewed certificate = %s %s reason %q", renewed.Status, renewed.ARN, renewed.FailureReason)
	}
	if serial, err := handshake(tlsListen, &tls.Config{ServerName: "api.example.test", RootCAs: p.Roots()}); err != nil || serial != renewed.Serial {
		t.Errorf("after the renewal the handshake serves serial %s (%v), want %s", serial, err, renewed.Serial)
	}
	if got := p.Orders(); got < orders+1 {
		t.Errorf("pebble received %d orders for the renewal, want one or more", got-orders)
	}
}

// TestACMEChallengeFails: when the CA cannot reach the gateway, the certificate becomes FAILED with
// the CA's reason, readable through the admin API; a domain naming it is not served.
func TestACMEChallengeFails(t *testing.T) {
	ctx := context.Background()
	p := pebbletest.Start(t, pebbletest.Options{}) // validates on ports nothing listens on
	d, err := Start(ctx, acmeConfig(t.TempDir(), "127.0.0.1:0", "127.0.0.1:0", p, model.ChallengeHTTP01))
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	c, err := client.New(d.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: "down.example.test", ValidationMethod: model.ValidationACME})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "down.example.test", RegionalCertificateARN: cert.ARN}); err != nil {
		t.Fatal(err)
	}
	failed := waitCertificate(t, c, cert.ID, "")
	if failed.Status != model.CertificateFailed || !strings.Contains(failed.FailureReason, "down.example.test") ||
		!strings.Contains(failed.FailureReason, "connection refused") {
		t.Fatalf("certificate = %s, reason %q; want FAILED with the CA's connection refused", failed.Status, failed.FailureReason)
	}
	t.Logf("failure_reason: %s", failed.FailureReason)
	if _, err := handshake(strings.TrimPrefix(d.TLSURL, "https://"), &tls.Config{ServerName: "down.example.test", InsecureSkipVerify: true}); err == nil {
		t.Error("a domain whose certificate failed completed a handshake")
	}
	// An INTERNAL-only daemon refuses ACME with a clear reason.
	plain := start(t, t.TempDir())
	defer stop(t, plain)
	pc, err := client.New(plain.AdminURL, plain.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.CreateCertificate(ctx, model.Certificate{DomainName: "x.example.test", ValidationMethod: model.ValidationACME}); err == nil ||
		!strings.Contains(err.Error(), "--acme-accept-tos") {
		t.Errorf("ACME certificate on a daemon without ACME: %v, want a refusal naming --acme-accept-tos", err)
	}
}

// TestCluster_ACMEAnsweredByAnotherNode: two nodes on one PostgreSQL database; node 1 orders the
// certificate, and pebble validates through node 2's listeners only (as a load balancer may send it
// there): node 2 answers the challenge from the store, and serves the issued certificate.
func TestCluster_ACMEAnsweredByAnotherNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	storeURL := pgtest.Start(t).NewDatabase(t)
	listen2, tls2 := freeAddr(t), freeAddr(t)
	p := pebbletest.Start(t, pebbletest.Options{HTTPPort: portOf(t, listen2), TLSPort: portOf(t, tls2)})
	dir1, dir2 := t.TempDir(), t.TempDir()
	key := make([]byte, 32)
	for _, dir := range []string{dir1, dir2} {
		if err := os.WriteFile(filepath.Join(dir, SecretKeyFile), key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg1 := acmeConfig(dir1, "127.0.0.1:0", "127.0.0.1:0", p, model.ChallengeHTTP01)
	cfg1.Store = storeURL
	n1, err := Start(ctx, cfg1)
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, n1)
	// Node 2 does not order (no ACME settings): it only answers, from what node 1 stored.
	n2, err := Start(ctx, Config{DataDir: dir2, Store: storeURL, AdminAddr: "127.0.0.1:0", Listen: listen2, TLSListen: tls2,
		AdminToken: "tok", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, n2)
	c, err := client.New(n1.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: "lb.example.test", ValidationMethod: model.ValidationACME})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "lb.example.test", RegionalCertificateARN: cert.ARN}); err != nil {
		t.Fatal(err)
	}
	issued := waitCertificate(t, c, cert.ID, "")
	if issued.Status != model.CertificateIssued {
		t.Fatalf("certificate = %s, reason %q; want ISSUED through node 2's answer", issued.Status, issued.FailureReason)
	}
	var serial string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if serial, err = handshake(tls2, &tls.Config{ServerName: "lb.example.test", RootCAs: p.Roots()}); (err == nil && serial == issued.Serial) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || serial != issued.Serial {
		t.Errorf("node 2 serves serial %s (%v), want %s", serial, err, issued.Serial)
	}
}
