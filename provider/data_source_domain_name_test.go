package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki/pkitest"
)

// testAccDataDomainsConfig: two domains of this test's own (the test gatewayd is shared): "full" with a
// regional certificate, TLS 1.0, EDGE, tags and mutual TLS, "plain" with an edge-form certificate and
// every default.
func testAccDataDomainsConfig(prefix, truststore string) string {
	return fmt.Sprintf(`
resource "gatewayd_certificate" "full" {
  domain_name       = "%[1]s-full.example.test"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "full" {
  domain_name              = "%[1]s-full.example.test"
  regional_certificate_arn = gatewayd_certificate.full.arn
  security_policy          = "TLS_1_0"
  tags                     = { team = "edge" }

  endpoint_configuration {
    types = ["EDGE"]
  }

  mutual_tls_authentication {
    truststore_uri     = "file://%[2]s"
    truststore_version = "7"
  }
}

resource "gatewayd_certificate" "plain" {
  domain_name       = "%[1]s-plain.example.test"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "plain" {
  domain_name     = "%[1]s-plain.example.test"
  certificate_arn = gatewayd_certificate.plain.arn
}
`, prefix, truststore)
}

// TestAccDataSourceDomainName_Basic: the data source finds each of two domains by name (and by name and
// domain_name_id), its values are the resource's, a recorded default endpoint type is shown; an unknown
// name and a domain_name_id that is not the domain's are refused, naming them.
func TestAccDataSourceDomainName_Basic(t *testing.T) {
	t.Parallel()
	prefix := acctest.RandomWithPrefix("ds-domain")
	trust := writeTemp(t, "truststore.pem", pkitest.NewCA(t, "users").PEM)
	config := testAccDataDomainsConfig(prefix, trust) + `
data "gatewayd_domain_name" "full" {
  domain_name = gatewayd_domain_name.full.domain_name
}

data "gatewayd_domain_name" "plain" {
  domain_name    = gatewayd_domain_name.plain.domain_name
  domain_name_id = gatewayd_domain_name.plain.domain_name_id
}
`
	var checks []statecheck.StateCheck
	for _, which := range []string{"full", "plain"} {
		data, res := "data.gatewayd_domain_name."+which, "gatewayd_domain_name."+which
		for _, attr := range []string{"id", "arn", "domain_name", "domain_name_id", "certificate_arn", "regional_certificate_arn",
			"certificate_upload_date", "security_policy", "regional_domain_name", "cloudfront_domain_name", "tags", "mutual_tls_authentication"} {
			checks = append(checks, statecheck.CompareValuePairs(data, tfjsonpath.New(attr), res, tfjsonpath.New(attr), compare.ValuesSame()))
		}
	}
	const full, plain = "data.gatewayd_domain_name.full", "data.gatewayd_domain_name.plain"
	types := func(t string) knownvalue.Check {
		return knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
			"types": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(t)})})})
	}
	checks = append(checks,
		statecheck.CompareValuePairs(full, tfjsonpath.New("regional_certificate_arn"), "gatewayd_certificate.full", tfjsonpath.New("arn"), compare.ValuesSame()),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("certificate_arn"), knownvalue.Null()),
		statecheck.CompareValuePairs(plain, tfjsonpath.New("certificate_arn"), "gatewayd_certificate.plain", tfjsonpath.New("arn"), compare.ValuesSame()),
		statecheck.ExpectKnownValue(plain, tfjsonpath.New("regional_certificate_arn"), knownvalue.Null()),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("id"), knownvalue.StringExact(prefix+"-full.example.test")),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:[a-z0-9-]+::/domainnames/`+regexp.QuoteMeta(prefix)+`-full\.example\.test$`))),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("security_policy"), knownvalue.StringExact("TLS_1_0")),
		statecheck.ExpectKnownValue(plain, tfjsonpath.New("security_policy"), knownvalue.StringExact("TLS_1_2")),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("edge")})),
		statecheck.ExpectKnownValue(plain, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{})),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("endpoint_configuration"), types("EDGE")),
		// The resource leaves the block out; the data source says what gatewayd recorded.
		statecheck.ExpectKnownValue(plain, tfjsonpath.New("endpoint_configuration"), types("REGIONAL")),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("mutual_tls_authentication"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectExact(map[string]knownvalue.Check{
				"truststore_uri": knownvalue.StringExact("file://" + trust), "truststore_version": knownvalue.StringExact("7")})})),
		statecheck.ExpectKnownValue(plain, tfjsonpath.New("mutual_tls_authentication"), knownvalue.ListExact([]knownvalue.Check{})),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("regional_domain_name"), knownvalue.StringExact("127.0.0.1")),
		statecheck.ExpectKnownValue(full, tfjsonpath.New("certificate_upload_date"), knownvalue.StringRegexp(rfc3339RE)),
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigPlanChecks:  emptyPlanAfterApply,
				ConfigStateChecks: checks,
			},
			{
				Config: testAccDataDomainsConfig(prefix, trust) + `
data "gatewayd_domain_name" "other_id" {
  domain_name    = gatewayd_domain_name.plain.domain_name
  domain_name_id = "not-its-id"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Domain Name ID Does Not Match.*"not-its-id"`),
			},
			{
				Config: testAccDataDomainsConfig(prefix, trust) + fmt.Sprintf(`
data "gatewayd_domain_name" "missing" {
  domain_name = "%s-missing.example.test"
}
`, prefix),
				ExpectError: regexp.MustCompile(`(?s)No Domain Name Found.*-missing\.example\.test"`),
			},
		},
	})
}
