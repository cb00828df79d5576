package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki/pkitest"
)

// testAccPingAPI is an API whose GET /ping answers {"api":"NAME"} on an auto-deployed stage prod.
func testAccPingAPI(name string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "%[1]s" {
  name = "domains-%[1]s"
}

resource "gatewayd_resource" "%[1]s" {
  rest_api_id = gatewayd_rest_api.%[1]s.id
  parent_id   = gatewayd_rest_api.%[1]s.root_resource_id
  path_part   = "ping"
}

resource "gatewayd_method" "%[1]s" {
  rest_api_id   = gatewayd_rest_api.%[1]s.id
  resource_id   = gatewayd_resource.%[1]s.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "%[1]s" {
  rest_api_id       = gatewayd_rest_api.%[1]s.id
  resource_id       = gatewayd_resource.%[1]s.id
  http_method       = gatewayd_method.%[1]s.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "gatewayd_integration_response" "%[1]s" {
  rest_api_id        = gatewayd_rest_api.%[1]s.id
  resource_id        = gatewayd_resource.%[1]s.id
  http_method        = gatewayd_method.%[1]s.http_method
  status_code        = "200"
  response_templates = { "application/json" = "{\"api\":\"%[1]s\"}" }
  depends_on         = [gatewayd_integration.%[1]s]
}

resource "gatewayd_stage" "%[1]s" {
  rest_api_id = gatewayd_rest_api.%[1]s.id
  stage_name  = "prod"
  auto_deploy = true
  depends_on  = [gatewayd_integration_response.%[1]s]
}
`, name)
}

// testAccDomainConfig: an INTERNAL certificate for api.example.test, the domain with policy, and
// three base path mappings: v1 to API a, v2 to API b, the empty one to API b.
func testAccDomainConfig(policy string) string {
	return testAccPingAPI("a") + testAccPingAPI("b") + fmt.Sprintf(`
resource "gatewayd_certificate" "api" {
  domain_name       = "api.example.test"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "api" {
  domain_name              = "api.example.test"
  regional_certificate_arn = gatewayd_certificate.api.arn
  security_policy          = %[1]q

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "gatewayd_base_path_mapping" "v1" {
  domain_name = gatewayd_domain_name.api.domain_name
  api_id      = gatewayd_rest_api.a.id
  stage_name  = gatewayd_stage.a.stage_name
  base_path   = "v1"
}

resource "gatewayd_base_path_mapping" "v2" {
  domain_name = gatewayd_domain_name.api.domain_name
  api_id      = gatewayd_rest_api.b.id
  stage_name  = gatewayd_stage.b.stage_name
  base_path   = "v2"
}

resource "gatewayd_base_path_mapping" "rest" {
  domain_name = gatewayd_domain_name.api.domain_name
  api_id      = gatewayd_rest_api.b.id
  stage_name  = gatewayd_stage.b.stage_name
}
`, policy)
}

// tlsPort is the port of the test gatewayd's TLS listener.
func tlsPort(t *testing.T) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(testGatewayd.TLSURL, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// caFile writes the internal CA's certificate, as the admin API serves it, for curl --cacert.
func caFile(t *testing.T) string {
	t.Helper()
	pem, err := testClient.CACertificate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "ca.pem", pem)
}

func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// curlHTTPS runs the real curl against host on the test gatewayd's TLS listener (--resolve) and
// checks the status and body it prints. args come before the URL (--cacert, --cert, -k, ...).
func curlHTTPS(t *testing.T, host, path string, wantStatus int, wantBody string, args ...string) error {
	t.Helper()
	port := tlsPort(t)
	full := append([]string{"-sS", "--max-time", "10", "--resolve", host + ":" + port + ":127.0.0.1", "-w", "\n%{http_code}"}, args...)
	full = append(full, "https://"+host+":"+port+path)
	out, err := exec.Command("curl", full...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("curl %s: %v: %s", strings.Join(full, " "), err, out)
	}
	body, code, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if code != fmt.Sprint(wantStatus) || body != wantBody {
		return fmt.Errorf("curl https://%s%s = %s %s, want %d %s", host, path, code, body, wantStatus, wantBody)
	}
	return nil
}

// curlRefused runs curl and expects the handshake to fail.
func curlRefused(t *testing.T, host, path string, args ...string) error {
	t.Helper()
	port := tlsPort(t)
	full := append([]string{"-sS", "--max-time", "10", "--resolve", host + ":" + port + ":127.0.0.1"}, args...)
	full = append(full, "https://"+host+":"+port+path)
	out, err := exec.Command("curl", full...).CombinedOutput()
	if err == nil {
		return fmt.Errorf("curl %s succeeded (%s), want a refused handshake", strings.Join(full, " "), out)
	}
	return nil
}

// opensslTLS11 tries a TLS 1.1 handshake with the real openssl s_client, naming host (SNI). OpenSSL
// 3's default security level forbids TLS 1.1 on the client side; level 0 lets it try, so that a
// refusal is the server's.
func opensslTLS11(t *testing.T, host string) (bool, string) {
	t.Helper()
	cmd := exec.Command("openssl", "s_client", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-servername", host,
		"-connect", "127.0.0.1:"+tlsPort(t))
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	return err == nil && bytes.Contains(out, []byte("Protocol  : TLSv1.1")), string(out)
}

// TestAccDomainName_HTTPS is the Must show with the real terraform and the real curl and
// openssl: an INTERNAL certificate and a domain with base path mappings to two APIs; curl trusting
// the internal CA reaches each through its base path, the empty mapping serves the rest, an unknown
// host gets 403; TLS_1_2 refuses a TLS 1.1 handshake that TLS_1_0 accepts; import by the AWS forms.
func TestAccDomainName_HTTPS(t *testing.T) {
	for _, tool := range []string{"curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs %s (.ci/run installs it)", tool)
		}
	}
	var ca string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t); ca = caFile(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccDomainConfig("TLS_1_2"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gatewayd_certificate.api", tfjsonpath.New("status"), knownvalue.StringExact("ISSUED")),
					statecheck.ExpectKnownValue("gatewayd_certificate.api", tfjsonpath.New("arn"),
						knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:acm:us-east-1:000000000000:certificate/[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue("gatewayd_domain_name.api", tfjsonpath.New("regional_domain_name"), knownvalue.StringExact("127.0.0.1")),
					statecheck.ExpectKnownValue("gatewayd_base_path_mapping.rest", tfjsonpath.New("id"), knownvalue.StringExact("api.example.test/")),
					statecheck.ExpectKnownValue("gatewayd_base_path_mapping.v1", tfjsonpath.New("id"), knownvalue.StringExact("api.example.test/v1")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						return curlHTTPS(t, "api.example.test", "/v1/ping", 200, `{"api":"a"}`, "--cacert", ca)
					},
					func(*terraform.State) error {
						return curlHTTPS(t, "api.example.test", "/v2/ping", 200, `{"api":"b"}`, "--cacert", ca)
					},
					func(*terraform.State) error { // the empty base path serves the rest
						return curlHTTPS(t, "api.example.test", "/ping", 200, `{"api":"b"}`, "--cacert", ca)
					},
					func(*terraform.State) error { // a base path without a route in its stage
						return curlHTTPS(t, "api.example.test", "/v1/nothing", 403, `{"message":"Missing Authentication Token"}`, "--cacert", ca)
					},
					func(*terraform.State) error { // an unknown host (served the default certificate, so -k)
						return curlHTTPS(t, "unknown.example.test", "/v1/ping", 403, `{"message":"Forbidden"}`, "-k")
					},
					func(*terraform.State) error {
						if ok, out := opensslTLS11(t, "api.example.test"); ok {
							return fmt.Errorf("openssl s_client -tls1_1 completed a handshake with a TLS_1_2 domain:\n%s", out)
						}
						return nil
					},
				),
			},
			// ImportState, by the AWS provider's ID forms.
			{ResourceName: "gatewayd_certificate.api", ImportState: true, ImportStateVerify: true},
			// An imported REGIONAL domain has no endpoint_configuration block: as a configuration without one.
			{ResourceName: "gatewayd_domain_name.api", ImportState: true, ImportStateVerify: true, ImportStateId: "api.example.test",
				ImportStateVerifyIgnore: []string{"endpoint_configuration"}},
			{ResourceName: "gatewayd_base_path_mapping.v1", ImportState: true, ImportStateVerify: true, ImportStateId: "api.example.test/v1"},
			{ResourceName: "gatewayd_base_path_mapping.rest", ImportState: true, ImportStateVerify: true, ImportStateId: "api.example.test/"},
			// Update and Read: TLS_1_0 takes the same TLS 1.1 handshake (so the refusal above was the policy's).
			{
				Config: testAccDomainConfig("TLS_1_0"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gatewayd_domain_name.api", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("gatewayd_certificate.api", plancheck.ResourceActionNoop),
				}},
				Check: func(*terraform.State) error {
					if ok, out := opensslTLS11(t, "api.example.test"); !ok {
						return fmt.Errorf("openssl s_client -tls1_1 failed against a TLS_1_0 domain:\n%s", out)
					}
					return curlHTTPS(t, "api.example.test", "/v1/ping", 200, `{"api":"a"}`, "--cacert", ca)
				},
			},
		},
	})
}

// testAccMTLSConfig: a domain with a truststore file, mapping everything to API a.
func testAccMTLSConfig(truststore string) string {
	return testAccPingAPI("a") + fmt.Sprintf(`
resource "gatewayd_certificate" "mtls" {
  domain_name       = "mtls.example.test"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "mtls" {
  domain_name     = "mtls.example.test"
  certificate_arn = gatewayd_certificate.mtls.arn

  mutual_tls_authentication {
    truststore_uri     = "file://%[1]s"
    truststore_version = "1"
  }
}

resource "gatewayd_base_path_mapping" "mtls" {
  domain_name = gatewayd_domain_name.mtls.domain_name
  api_id      = gatewayd_rest_api.a.id
  stage_name  = gatewayd_stage.a.stage_name
}
`, truststore)
}

// TestAccDomainName_MutualTLS: a domain with a truststore refuses curl without a client certificate,
// and with one of another CA, and serves curl with one the truststore signed.
func TestAccDomainName_MutualTLS(t *testing.T) {
	users := pkitest.NewCA(t, "users")
	alice := users.Client("alice")
	mallory := pkitest.NewCA(t, "strangers").Client("mallory")
	trust := writeTemp(t, "truststore.pem", users.PEM)
	aliceCert, aliceKey := writeTemp(t, "alice.pem", alice.CertPEM), writeTemp(t, "alice-key.pem", alice.KeyPEM)
	malloryCert, malloryKey := writeTemp(t, "mallory.pem", mallory.CertPEM), writeTemp(t, "mallory-key.pem", mallory.KeyPEM)
	var ca string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t); ca = caFile(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccMTLSConfig(trust),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error { return curlRefused(t, "mtls.example.test", "/ping", "--cacert", ca) },
					func(*terraform.State) error {
						return curlRefused(t, "mtls.example.test", "/ping", "--cacert", ca, "--cert", malloryCert, "--key", malloryKey)
					},
					func(*terraform.State) error {
						return curlHTTPS(t, "mtls.example.test", "/ping", 200, `{"api":"a"}`, "--cacert", ca, "--cert", aliceCert, "--key", aliceKey)
					},
				),
			},
			{ResourceName: "gatewayd_domain_name.mtls", ImportState: true, ImportStateVerify: true},
		},
	})
}

// testAccImportedCertConfig: a certificate imported from PEM in the configuration, served by a domain.
func testAccImportedCertConfig(pair pkitest.Pair, chain string) string {
	return testAccPingAPI("b") + fmt.Sprintf(`
resource "gatewayd_certificate" "shop" {
  certificate_body  = %[1]q
  private_key       = %[2]q
  certificate_chain = %[3]q
}

resource "gatewayd_domain_name" "shop" {
  domain_name              = "shop.example.test"
  regional_certificate_arn = gatewayd_certificate.shop.arn
}

resource "gatewayd_base_path_mapping" "shop" {
  domain_name = gatewayd_domain_name.shop.domain_name
  api_id      = gatewayd_rest_api.b.id
  base_path   = "api"
}
`, pair.CertPEM, pair.KeyPEM, chain)
}

// servedSerial is the serial of the certificate a new TLS handshake naming host gets.
func servedSerial(t *testing.T, host string, roots *x509.CertPool) (string, error) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", "127.0.0.1:"+tlsPort(t),
		&tls.Config{ServerName: host, RootCAs: roots})
	if err != nil {
		return "", err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Text(16), nil
}

// TestAccCertificate_ImportedReplaced: a certificate imported from PEM in the configuration is
// served (curl trusting the user's own CA reaches the domain; a mapping without a stage takes it from
// the path); a new body and key update it in place, and the next handshake gets the new one, with no
// restart.
func TestAccCertificate_ImportedReplaced(t *testing.T) {
	own := pkitest.NewCA(t, "own")
	first, second := own.Server("shop.example.test"), own.Server("shop.example.test")
	ownCA := writeTemp(t, "own.pem", own.PEM)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(own.PEM))
	serialIs := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got, err := servedSerial(t, "shop.example.test", roots)
			if err != nil || got != want {
				return fmt.Errorf("handshake for shop.example.test: serial %s, %v; want %s", got, err, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccImportedCertConfig(first, own.PEM),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gatewayd_certificate.shop", tfjsonpath.New("domain_name"), knownvalue.StringExact("shop.example.test")),
					statecheck.ExpectKnownValue("gatewayd_certificate.shop", tfjsonpath.New("serial"), knownvalue.StringExact(first.Cert.SerialNumber.Text(16))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					serialIs(first.Cert.SerialNumber.Text(16)),
					func(*terraform.State) error {
						return curlHTTPS(t, "shop.example.test", "/api/prod/ping", 200, `{"api":"b"}`, "--cacert", ownCA)
					},
				),
			},
			{
				Config: testAccImportedCertConfig(second, own.PEM),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gatewayd_certificate.shop", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("gatewayd_domain_name.shop", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gatewayd_certificate.shop", tfjsonpath.New("serial"), knownvalue.StringExact(second.Cert.SerialNumber.Text(16))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					serialIs(second.Cert.SerialNumber.Text(16)),
					func(*terraform.State) error {
						return curlHTTPS(t, "shop.example.test", "/api/prod/ping", 200, `{"api":"b"}`, "--cacert", ownCA)
					},
				),
			},
			{ResourceName: "gatewayd_certificate.shop", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"private_key"}},
			{ResourceName: "gatewayd_base_path_mapping.shop", ImportState: true, ImportStateVerify: true, ImportStateId: "shop.example.test/api"},
		},
	})
}

// TestAccCertificate_Invalid: wrong combinations are refused at plan time, a key that does not go
// with its certificate at apply time, with the reason.
func TestAccCertificate_Invalid(t *testing.T) {
	own := pkitest.NewCA(t, "own")
	a, b := own.Server("a.example.test"), own.Server("b.example.test")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "gatewayd_certificate" "bad" {
  domain_name       = "a.example.test"
  validation_method = "INTERNAL"
  certificate_body  = %q
}`, a.CertPEM),
				ExpectError: regexp.MustCompile(`certificate_body cannot be set with validation_method = "INTERNAL"`),
			},
			{
				Config:      `resource "gatewayd_certificate" "bad" { certificate_body = "x" }`,
				ExpectError: regexp.MustCompile(`An imported certificate needs certificate_body and private_key`),
			},
			{
				Config: fmt.Sprintf(`
resource "gatewayd_certificate" "bad" {
  certificate_body = %q
  private_key      = %q
}`, a.CertPEM, b.KeyPEM),
				ExpectError: regexp.MustCompile(`private_key does not go with\s+certificate_body`),
			},
			{
				Config: `
resource "gatewayd_domain_name" "d" {
  domain_name              = "d.example.test"
  certificate_arn          = "arn:aws:acm:us-east-1:000000000000:certificate/a"
  regional_certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/b"
}`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*certificate_arn`),
			},
			{
				Config: `
resource "gatewayd_base_path_mapping" "m" {
  domain_name = "d.example.test"
  api_id      = "abc"
  base_path   = "/v1/"
}`,
				ExpectError: regexp.MustCompile(`without leading or trailing slash`),
			},
			// Last: a configuration that plans, so that the test's final destroy can run.
			{
				Config: `
resource "gatewayd_certificate" "c" {
  domain_name       = "c.example.test"
  validation_method = "INTERNAL"
}
resource "gatewayd_domain_name" "d" {
  domain_name              = "other.example.test"
  regional_certificate_arn = gatewayd_certificate.c.arn
}`,
				ExpectError: regexp.MustCompile(`does not\s+cover\s+other.example.test`),
			},
		},
	})
}
