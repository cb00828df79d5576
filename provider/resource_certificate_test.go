package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/acmeissuer/pebbletest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
)

// acmeGatewayd is a gatewayd of its own for ACME tests: pebble (in-process) must know its listeners'
// ports, and it its directory. It returns the daemon, pebble, and the provider block that points at it.
func acmeGatewayd(t *testing.T, reachable bool) (*daemon.Daemon, *pebbletest.Pebble, string) {
	t.Helper()
	listen, tlsListen := freeLoopback(t), freeLoopback(t)
	var opts pebbletest.Options // unreachable: pebble validates on ports nothing listens on
	if reachable {
		opts = pebbletest.Options{HTTPPort: portNumber(t, listen), TLSPort: portNumber(t, tlsListen)}
	}
	p := pebbletest.Start(t, opts)
	d, err := daemon.Start(context.Background(), daemon.Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: listen,
		TLSListen: tlsListen, AdminToken: "acme-token", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ACMEAcceptTOS: true, ACMEDirectoryURL: p.DirectoryURL, ACMECARoot: p.DirectoryRootFile, ACMEEmail: "ops@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Shutdown(ctx)
	})
	return d, p, fmt.Sprintf(`
provider "gatewayd" {
  endpoint = %q
  token    = "acme-token"
}
`, d.AdminURL)
}

// testAccACMEPreCheck skips without TF_ACC, as resource.Test does, before the test starts its own
// gatewayd and pebble.
func testAccACMEPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests are skipped unless TF_ACC is set")
	}
	testAccPreCheck(t)
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func portNumber(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func testAccACMEConfig(provider string) string {
	return provider + testAccPingAPI("a") + `
resource "gatewayd_certificate" "acme" {
  domain_name               = "acme.example.test"
  subject_alternative_names = ["www.acme.example.test"]
  validation_method         = "ACME"
}

resource "gatewayd_domain_name" "acme" {
  domain_name              = "acme.example.test"
  regional_certificate_arn = gatewayd_certificate.acme.arn
}

resource "gatewayd_base_path_mapping" "v1" {
  domain_name = gatewayd_domain_name.acme.domain_name
  api_id      = gatewayd_rest_api.a.id
  stage_name  = gatewayd_stage.a.stage_name
  base_path   = "v1"
}
`
}

// TestAccCertificate_ACME is the "the ACME path issues against a local test server" with the
// real terraform and the real curl: an ACME certificate issued by pebble (which validates through
// gatewayd's TLS listener, tls-alpn-01), a domain name serving it, and curl trusting only pebble's
// root reaching the API through the domain's base path mapping; import; destroy.
func TestAccCertificate_ACME(t *testing.T) {
	testAccACMEPreCheck(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("this test needs curl (.ci/run installs it)")
	}
	d, p, provider := acmeGatewayd(t, true)
	_, tlsPort, _ := net.SplitHostPort(strings.TrimPrefix(d.TLSURL, "https://"))
	c, err := client.New(d.AdminURL, "acme-token", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var arn string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read: apply returns once the certificate is ISSUED.
			{
				Config:           testAccACMEConfig(provider),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gatewayd_certificate.acme", tfjsonpath.New("status"), knownvalue.StringExact("ISSUED")),
					statecheck.ExpectKnownValue("gatewayd_certificate.acme", tfjsonpath.New("failure_reason"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue("gatewayd_certificate.acme", tfjsonpath.New("key_algorithm"), knownvalue.StringExact("EC_prime256v1")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr("gatewayd_certificate.acme", "arn", &arn),
					func(*terraform.State) error {
						args := []string{"-sS", "--max-time", "10", "--cacert", p.IssuerRootFile,
							"--resolve", "acme.example.test:" + tlsPort + ":127.0.0.1", "-w", "\n%{http_code}",
							"https://acme.example.test:" + tlsPort + "/v1/ping"}
						out, err := exec.Command("curl", args...).CombinedOutput()
						if err != nil {
							return fmt.Errorf("curl %s: %v: %s", strings.Join(args, " "), err, out)
						}
						if body, code, _ := strings.Cut(strings.TrimSpace(string(out)), "\n"); code != "200" || body != `{"api":"a"}` {
							return fmt.Errorf("curl https://acme.example.test/v1/ping = %s %s, want 200 {\"api\":\"a\"}", code, body)
						}
						return nil
					},
					func(*terraform.State) error {
						if n := p.Orders(); n != 1 {
							return fmt.Errorf("pebble received %d orders, want 1", n)
						}
						return nil
					},
				),
			},
			// ImportState, by the certificate's ARN as aws_acm_certificate.
			{ResourceName: "gatewayd_certificate.acme", ImportState: true, ImportStateVerify: true},
			{ResourceName: "gatewayd_domain_name.acme", ImportState: true, ImportStateVerify: true, ImportStateId: "acme.example.test",
				ImportStateVerifyIgnore: []string{"endpoint_configuration"}},
			{ResourceName: "gatewayd_base_path_mapping.v1", ImportState: true, ImportStateVerify: true, ImportStateId: "acme.example.test/v1"},
		},
		CheckDestroy: func(*terraform.State) error {
			if _, err := c.GetCertificate(context.Background(), certificateID(arn)); !client.IsNotFound(err) {
				return fmt.Errorf("certificate %s after destroy: %v, want not found", arn, err)
			}
			return nil
		},
	})
}

// TestAccCertificate_ACMEFailed: when the CA cannot validate (pebble reaches nothing), apply fails
// with the CA's reason, and the certificate, FAILED, says it in failure_reason.
func TestAccCertificate_ACMEFailed(t *testing.T) {
	testAccACMEPreCheck(t)
	d, _, provider := acmeGatewayd(t, false)
	c, err := client.New(d.AdminURL, "acme-token", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: provider + `
resource "gatewayd_certificate" "acme" {
  domain_name       = "down.example.test"
  validation_method = "ACME"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Certificate Issuance Failed.*down\.example\.test.*Failed\s+to\s+connect\s+to\s+127\.0\.0\.1`),
		}},
		CheckDestroy: func(*terraform.State) error {
			certs, err := c.ListCertificates(context.Background())
			if err != nil {
				return err
			}
			if len(certs) != 0 {
				return errors.New("the failed certificate was not destroyed")
			}
			return nil
		},
	})
}
