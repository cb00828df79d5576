# Ported from the AWS provider's documentation: website/docs/d/api_gateway_domain_name.html.markdown
# (hashicorp/terraform-provider-aws at 03ffdb07e03f), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page looks up a domain name that exists already; the domain and its certificate (issued by
# gatewayd's own CA) are added. Changed beyond the rename: the domain is lookup.example.com, not
# api.example.com, which the domain_name directory, run beside this one, creates (domain names are
# unique in a gatewayd).

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: the certificate and the domain name the page looks up.
resource "gatewayd_certificate" "example" {
  domain_name       = "lookup.example.com"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "example" {
  domain_name              = "lookup.example.com"
  regional_certificate_arn = gatewayd_certificate.example.arn
}

data "gatewayd_domain_name" "example" {
  domain_name = "lookup.example.com"

  depends_on = [gatewayd_domain_name.example]
}

output "regional_domain_name" {
  value = data.gatewayd_domain_name.example.regional_domain_name
}
