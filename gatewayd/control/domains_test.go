package control_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki/pkitest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

type domainFixture struct {
	t       *testing.T
	ctx     context.Context
	svc     *control.Service
	now     time.Time
	reloads int
	dir     string
}

func newDomainFixture(t *testing.T) *domainFixture {
	t.Helper()
	f := &domainFixture{t: t, ctx: context.Background(), now: time.Now(), dir: t.TempDir()}
	st, err := sqlite.Open(f.ctx, filepath.Join(f.dir, "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := func() time.Time { return f.now }
	f.svc = control.New(st, control.Options{SecretKey: make([]byte, 32), CA: pki.New(f.dir, clock), Now: clock,
		OnMeteringChange: func() { f.reloads++ }})
	return f
}

func TestCertificateSecretsStaySealed(t *testing.T) {
	f := newDomainFixture(t)
	own := pkitest.NewCA(t, "own")
	p := own.Server("shop.example.test", "www.shop.example.test")
	c := must(f.svc.CreateCertificate(f.ctx, model.Certificate{CertificateBody: p.CertPEM, PrivateKey: p.KeyPEM}))(t)
	if c.PrivateKey != "" {
		t.Error("create answered the private key")
	}
	if c.DomainName != "shop.example.test" || strings.Join(c.SubjectAlternativeNames, ",") != "shop.example.test,www.shop.example.test" ||
		c.KeyAlgorithm != "EC_prime256v1" || !strings.HasPrefix(c.ARN, "arn:aws:acm:us-east-1:000000000000:certificate/") {
		t.Errorf("imported certificate = %+v", c)
	}
	got := must(f.svc.GetCertificate(f.ctx, c.ID))(t)
	if got.PrivateKey != "" {
		t.Error("read answered the private key")
	}
	// The key is not in the database in the clear.
	db, err := os.ReadFile(filepath.Join(f.dir, "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	keyBody := strings.Split(strings.TrimSpace(p.KeyPEM), "\n")[1]
	if strings.Contains(string(db), keyBody) {
		t.Error("the private key is stored in the clear")
	}
}

func TestCertificateRefusals(t *testing.T) {
	f := newDomainFixture(t)
	own := pkitest.NewCA(t, "own")
	a, b := own.Server("a.example.test"), own.Server("b.example.test")
	for name, tc := range map[string]struct {
		in    model.Certificate
		field string
	}{
		"key of another certificate": {model.Certificate{CertificateBody: a.CertPEM, PrivateKey: b.KeyPEM}, "certificate_body"},
		"not PEM":                    {model.Certificate{CertificateBody: "hello", PrivateKey: a.KeyPEM}, "certificate_body"},
		"no key":                     {model.Certificate{CertificateBody: a.CertPEM}, "certificate_body"},
		"two in the body":            {model.Certificate{CertificateBody: a.CertPEM + b.CertPEM, PrivateKey: a.KeyPEM}, "certificate_body"},
		"chain not certificates":     {model.Certificate{CertificateBody: a.CertPEM, PrivateKey: a.KeyPEM, CertificateChain: a.KeyPEM}, "certificate_body"},
		"unknown method":             {model.Certificate{DomainName: "a.example.test", ValidationMethod: "DNS"}, "validation_method"},
		"internal with a body":       {model.Certificate{DomainName: "a.example.test", ValidationMethod: "INTERNAL", CertificateBody: a.CertPEM}, "certificate_body"},
		"internal bad name":          {model.Certificate{DomainName: "not a name", ValidationMethod: "INTERNAL"}, "domain_name"},
	} {
		_, err := f.svc.CreateCertificate(f.ctx, tc.in)
		var ce *control.Error
		if !asControl(err, &ce) || ce.Status != 400 || ce.Field != tc.field {
			t.Errorf("%s: %v (field %q), want 400 on %s", name, err, fieldOf(err), tc.field)
		}
	}
	if n := len(must(f.svc.ListCertificates(f.ctx))(t)); n != 0 {
		t.Errorf("%d certificates after refusals, want 0", n)
	}
}

func asControl(err error, ce **control.Error) bool {
	e, ok := err.(*control.Error)
	*ce = e
	return ok
}

// TestInternalCertificateRenewal: an INTERNAL certificate with less than a third of its validity left
// is issued again under the same ARN; the others are left alone.
func TestInternalCertificateRenewal(t *testing.T) {
	f := newDomainFixture(t)
	c := must(f.svc.CreateCertificate(f.ctx, model.Certificate{DomainName: "api.example.test", ValidationMethod: model.ValidationInternal}))(t)
	root := must(f.svc.CARootPEM())(t)
	block, _ := pem.Decode([]byte(c.CertificateBody))
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(root)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "api.example.test", CurrentTime: f.now}); err != nil {
		t.Errorf("INTERNAL certificate does not verify against the CA root: %v", err)
	}
	if ids := must(f.svc.RenewCertificates(f.ctx))(t); len(ids) != 0 {
		t.Errorf("renewed a fresh certificate: %v", ids)
	}
	f.now = f.now.Add(61 * 24 * time.Hour)
	reloads := f.reloads
	if ids := must(f.svc.RenewCertificates(f.ctx))(t); len(ids) != 1 || ids[0] != c.ID {
		t.Fatalf("renewed %v, want [%s]", ids, c.ID)
	}
	if f.reloads == reloads {
		t.Error("renewal did not reload the data plane")
	}
	r := must(f.svc.GetCertificate(f.ctx, c.ID))(t)
	if r.Serial == c.Serial || !r.NotAfter.After(c.NotAfter) || r.ARN != c.ARN {
		t.Errorf("after renewal: serial %s (was %s), not_after %s (was %s)", r.Serial, c.Serial, r.NotAfter, c.NotAfter)
	}
}

func TestDomainRefusals(t *testing.T) {
	f := newDomainFixture(t)
	c := must(f.svc.CreateCertificate(f.ctx, model.Certificate{DomainName: "api.example.test", ValidationMethod: model.ValidationInternal}))(t)
	trust := filepath.Join(t.TempDir(), "trust.pem")
	if err := os.WriteFile(trust, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		in     model.DomainName
		status int
		field  string
	}{
		"no certificate":       {model.DomainName{DomainName: "api.example.test"}, 400, "regional_certificate_arn"},
		"unknown certificate":  {model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN + "x"}, 422, "certificate_arn"},
		"not covered":          {model.DomainName{DomainName: "other.example.test", CertificateARN: c.ARN}, 400, "certificate_arn"},
		"bad policy":           {model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN, SecurityPolicy: "TLS_1_3"}, 400, "security_policy"},
		"bad endpoint":         {model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN, EndpointConfiguration: model.EndpointConfiguration{Types: []string{"GLOBAL"}}}, 400, "endpoint_configuration.types"},
		"s3 truststore":        {model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN, MutualTLS: &model.MutualTLSAuthentication{TruststoreURI: "s3://bucket/key"}}, 400, "mutual_tls_authentication.truststore_uri"},
		"truststore not PEM":   {model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN, MutualTLS: &model.MutualTLSAuthentication{TruststoreURI: "file://" + trust}}, 400, "mutual_tls_authentication.truststore_uri"},
		"truststore not found": {model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN, MutualTLS: &model.MutualTLSAuthentication{TruststoreURI: "file:///nonexistent/trust.pem"}}, 400, "mutual_tls_authentication.truststore_uri"},
	} {
		_, err := f.svc.CreateDomainName(f.ctx, tc.in)
		var ce *control.Error
		if !asControl(err, &ce) || ce.Status != tc.status || ce.Field != tc.field {
			t.Errorf("%s: %v (field %q), want %d on %s", name, err, fieldOf(err), tc.status, tc.field)
		}
	}
	if n := len(must(f.svc.ListDomainNames(f.ctx))(t)); n != 0 {
		t.Errorf("%d domain names after refusals, want 0", n)
	}
	d := must(f.svc.CreateDomainName(f.ctx, model.DomainName{DomainName: "api.example.test", CertificateARN: c.ARN}))(t)
	if d.SecurityPolicy != model.SecurityPolicyTLS12 || d.DomainNameID == "" || d.ARN != "arn:aws:apigateway:us-east-1::/domainnames/api.example.test" {
		t.Errorf("domain = %+v", d)
	}
	// Mappings: the API and stage must exist; a base path once.
	api := must(f.svc.CreateRestAPI(f.ctx, model.RestAPI{Name: "a"}))(t)
	for name, tc := range map[string]struct {
		in     model.BasePathMapping
		status int
	}{
		"unknown api":   {model.BasePathMapping{RestAPIID: "nope", Stage: "prod"}, 422},
		"unknown stage": {model.BasePathMapping{RestAPIID: api.ID, Stage: "prod"}, 422},
		"bad path":      {model.BasePathMapping{RestAPIID: api.ID, BasePath: "a//b"}, 400},
		"dot segment":   {model.BasePathMapping{RestAPIID: api.ID, BasePath: "a/../b"}, 400},
	} {
		tc.in.DomainName = d.DomainName
		if _, err := f.svc.CreateBasePathMapping(f.ctx, d.DomainName, tc.in); status(err) != tc.status {
			t.Errorf("%s: %v, want %d", name, err, tc.status)
		}
	}
	m := must(f.svc.CreateBasePathMapping(f.ctx, d.DomainName, model.BasePathMapping{DomainName: d.DomainName, RestAPIID: api.ID}))(t)
	if _, err := f.svc.CreateBasePathMapping(f.ctx, d.DomainName, model.BasePathMapping{DomainName: d.DomainName, RestAPIID: api.ID, BasePath: "/"}); status(err) != 409 {
		t.Errorf("second empty base path: %v, want 409", err)
	}
	if got := must(f.svc.GetBasePathMapping(f.ctx, d.DomainName, "(none)"))(t); got.RestAPIID != api.ID || m.Key() != "(none)" {
		t.Errorf("empty mapping = %+v", got)
	}
	if err := f.svc.DeleteCertificate(f.ctx, c.ID, control.Precondition{}); status(err) != 409 {
		t.Errorf("deleting a certificate in use: %v, want 409", err)
	}
	// Deleting the domain deletes its mappings.
	if err := f.svc.DeleteDomainName(f.ctx, d.DomainName, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetBasePathMapping(f.ctx, d.DomainName, ""); status(err) != 404 {
		t.Errorf("mapping after its domain was deleted: %v, want 404", err)
	}
	if err := f.svc.DeleteCertificate(f.ctx, c.ID, control.Precondition{}); err != nil {
		t.Errorf("deleting a certificate no longer in use: %v", err)
	}
}
