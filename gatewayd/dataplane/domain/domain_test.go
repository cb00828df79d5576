package domain

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki/pkitest"
)

func TestMatch(t *testing.T) {
	tb, _ := Compile(model.DomainSnapshot{Domains: []model.ServedDomain{{Name: "api.example.test", Problem: "x",
		Mappings: []model.BasePathMapping{{BasePath: ""}, {BasePath: "v1", RestAPIID: "a"}, {BasePath: "v1/orders", RestAPIID: "b"}, {BasePath: "v10", RestAPIID: "c"}}}}}, nil)
	d := tb.Lookup("api.example.test")
	for path, want := range map[string]struct{ base, rest string }{
		"/v1":             {"v1", ""},
		"/v1/":            {"v1", "/"},
		"/v1/pets":        {"v1", "/pets"},
		"/v1/orders/7":    {"v1/orders", "/7"},
		"/v1/ordersx":     {"v1", "/ordersx"},
		"/v10/x":          {"v10", "/x"},
		"/v100":           {"", "/v100"},
		"/":               {"", "/"},
		"/other/v1/thing": {"", "/other/v1/thing"},
	} {
		m, rest, ok := d.Match(path)
		if !ok || m.BasePath != want.base || rest != want.rest {
			t.Errorf("Match(%q) = %v %q %v, want base %q rest %q", path, m, rest, ok, want.base, want.rest)
		}
	}
	empty := &Domain{mappings: []Mapping{{BasePath: "v1"}}}
	if m, _, ok := empty.Match("/v2/x"); ok {
		t.Errorf("Match without an empty base path = %v, want no match", m)
	}
}

func TestHostName(t *testing.T) {
	for in, want := range map[string]string{
		"API.Example.TEST:8443": "api.example.test",
		"api.example.test.":     "api.example.test",
		"[::1]:443":             "::1",
		"127.0.0.1":             "127.0.0.1",
	} {
		if got := HostName(in); got != want {
			t.Errorf("HostName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConfigForClient: each name gets its domain's configuration, with its minimum version and
// client certificates; a failed domain refuses its handshakes; other names get the default.
func TestConfigForClient(t *testing.T) {
	ca := pkitest.NewCA(t, "ca")
	api, def := ca.Server("api.example.test"), ca.Server("localhost", "127.0.0.1")
	defCert := def.TLS()
	tb, problems := Compile(model.DomainSnapshot{Domains: []model.ServedDomain{
		{Name: "api.example.test", SecurityPolicy: model.SecurityPolicyTLS10, CertificatePEM: []byte(api.CertPEM), KeyPEM: []byte(api.KeyPEM)},
		{Name: "mtls.example.test", CertificatePEM: []byte(api.CertPEM), KeyPEM: []byte(api.KeyPEM), TruststorePEM: []byte(ca.PEM)},
		{Name: "bad.example.test", CertificatePEM: []byte(api.CertPEM), KeyPEM: []byte(def.KeyPEM)},
	}}, &defCert)
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "bad.example.test") {
		t.Errorf("problems = %v, want bad.example.test's", problems)
	}
	c, err := tb.ConfigForClient(&tls.ClientHelloInfo{ServerName: "API.example.test"}, true)
	if err != nil || c.MinVersion != tls.VersionTLS10 || c.ClientAuth != tls.NoClientCert || c.NextProtos[0] != "h2" {
		t.Errorf("api: %+v, %v", c, err)
	}
	c, err = tb.ConfigForClient(&tls.ClientHelloInfo{ServerName: "mtls.example.test"}, false)
	if err != nil || c.MinVersion != tls.VersionTLS12 || c.ClientAuth != tls.RequireAndVerifyClientCert || len(c.NextProtos) != 1 {
		t.Errorf("mtls: %+v, %v", c, err)
	}
	if tb.Lookup("mtls.example.test").ServableWithoutTLS() || !tb.Lookup("api.example.test").ServableWithoutTLS() {
		t.Error("ServableWithoutTLS: mutual TLS domain servable, or plain domain not")
	}
	if _, err := tb.ConfigForClient(&tls.ClientHelloInfo{ServerName: "bad.example.test"}, false); err == nil {
		t.Error("a failed domain's handshake got a configuration")
	}
	c, err = tb.ConfigForClient(&tls.ClientHelloInfo{ServerName: "other.example.test"}, false)
	if err != nil || c.Certificates[0].Leaf.Subject.CommonName != "localhost" {
		t.Errorf("other name: %+v, %v; want the default certificate", c, err)
	}
	if !tb.IsDefaultName("127.0.0.1") || tb.IsDefaultName("api.example.test") {
		t.Error("IsDefaultName")
	}
}
