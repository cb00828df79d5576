package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// mtlsBackend is an https backend that requires a client certificate and trusts only the ones
// given to trust.
type mtlsBackend struct {
	*httptest.Server
	pool atomic.Pointer[x509.CertPool]
}

func newMTLSBackend(t *testing.T) *mtlsBackend {
	t.Helper()
	b := &mtlsBackend{}
	b.pool.Store(x509.NewCertPool())
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"client":%q}`, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	b.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		return &tls.Config{Certificates: b.TLS.Certificates, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: b.pool.Load()}, nil
	}}
	b.StartTLS()
	t.Cleanup(b.Close)
	return b
}

// trust makes the backend accept the certificate (PEM) and nothing else.
func (b *mtlsBackend) trust(pemCert string) error {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pemCert)) {
		return fmt.Errorf("pem_encoded_certificate %.60q is not a PEM certificate", pemCert)
	}
	b.pool.Store(pool)
	return nil
}

func testAccClientCertificateConfig(backend, description string, present bool) string {
	clientCert := `""`
	if present {
		clientCert = "gatewayd_client_certificate.test.id"
	}
	return fmt.Sprintf(`
resource "gatewayd_client_certificate" "test" {
  description = %[2]q
  tags        = { team = "edge" }
}

resource "gatewayd_rest_api" "test" {
  name = "acc-client-certificate"
}

resource "gatewayd_resource" "hello" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "hello"
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.hello.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.hello.id
  http_method             = gatewayd_method.get.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "%[1]s/hello"
  tls_config {
    insecure_skip_verification = true
  }
}

resource "gatewayd_stage" "test" {
  rest_api_id           = gatewayd_rest_api.test.id
  stage_name            = "live"
  auto_deploy           = true
  client_certificate_id = %[3]s
  depends_on            = [gatewayd_integration.get]
}

output "pem" {
  value = gatewayd_client_certificate.test.pem_encoded_certificate
}
`, backend, description, clientCert)
}

// checkStageStatus GETs /hello on the stage and compares the status.
func checkStageStatus(want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + "/hello"
		c := &http.Client{Timeout: 30 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			return fmt.Errorf("GET %s = %d %s, want %d", url, resp.StatusCode, body, want)
		}
		return nil
	}
}

// TestAccClientCertificate_MutualTLSToBackend: a backend that requires a client certificate and
// trusts only the generated certificate's PEM (read from the Terraform output) answers through the
// stage that names the certificate, and refuses the same stage without it.
func TestAccClientCertificate_MutualTLSToBackend(t *testing.T) {
	t.Parallel()
	backend := newMTLSBackend(t)
	const addr = "gatewayd_client_certificate.test"
	var id string
	trustOutput := func(s *terraform.State) error {
		out, ok := s.RootModule().Outputs["pem"]
		if !ok {
			return fmt.Errorf("no output pem")
		}
		pemCert, _ := out.Value.(string)
		return backend.trust(pemCert)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create: the stage presents the certificate, which the backend trusts.
			{
				Config:           testAccClientCertificateConfig(backend.URL, "to the backend", true),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]{6}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/clientcertificates/[a-z0-9]{6}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("pem_encoded_certificate"), knownvalue.StringRegexp(regexp.MustCompile(`^-----BEGIN CERTIFICATE-----\n`))),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "id", &id),
					resource.TestCheckResourceAttrPair("gatewayd_stage.test", "client_certificate_id", addr, "id"),
					func(s *terraform.State) error {
						attrs := s.RootModule().Resources[addr].Primary.Attributes
						created, err1 := time.Parse(time.RFC3339, attrs["created_date"])
						expires, err2 := time.Parse(time.RFC3339, attrs["expiration_date"])
						if err1 != nil || err2 != nil || expires.Sub(created) != 365*24*time.Hour {
							return fmt.Errorf("created_date %q, expiration_date %q: want a year apart", attrs["created_date"], attrs["expiration_date"])
						}
						return nil
					},
					trustOutput,
					checkStageStatus(http.StatusOK),
				),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// The certificate is in use: deleting it behind Terraform's back is refused.
			{
				PreConfig: func() {
					err := testClient.DeleteClientCertificate(context.Background(), id)
					if err == nil || !regexp.MustCompile(`in use by stage live`).MatchString(err.Error()) {
						t.Errorf("DeleteClientCertificate(in use) = %v, want a conflict naming the stage", err)
					}
				},
				Config:   testAccClientCertificateConfig(backend.URL, "to the backend", true),
				PlanOnly: true,
			},
			// Without client_certificate_id the backend refuses the handshake: 502.
			{
				Config:           testAccClientCertificateConfig(backend.URL, "to the backend", false),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("gatewayd_stage.test", "client_certificate_id", ""),
					checkStageStatus(http.StatusBadGateway),
				),
			},
			// Back, and a new description updates in place, keeping the key pair.
			{
				Config: testAccClientCertificateConfig(backend.URL, "renamed", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					checkStageStatus(http.StatusOK),
				),
			},
		},
	})
}

// TestAccClientCertificate_UnknownOnStage: a stage naming no client certificate is refused.
func TestAccClientCertificate_UnknownOnStage(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "gatewayd_rest_api" "test" {
  name = "acc-client-certificate-unknown"
}

resource "gatewayd_stage" "test" {
  rest_api_id           = gatewayd_rest_api.test.id
  stage_name            = "live"
  auto_deploy           = true
  client_certificate_id = "nosuch"
}
`,
			ExpectError: wrappedRE(`client_certificate_id "nosuch" is not a client certificate`),
		}},
	})
}
