# Ported from the AWS provider's documentation: website/docs/r/api_gateway_domain_name.html.markdown
# (hashicorp/terraform-provider-aws at 10723bb4528b), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page's "Regional (ACM Certificate)" example. Changed beyond the rename: the
# certificate is a gatewayd_certificate issued by gatewayd's own CA (the shape of aws_acm_certificate;
# aws_acm_certificate_validation.example.certificate_arn is its arn), and the aws_route53_record, an
# AWS resource, is left out (point your DNS at regional_domain_name). The "IAM Certificate" examples
# give the certificate inline (certificate_body, certificate_private_key...), which gatewayd_domain_name
# refuses: import it with gatewayd_certificate instead. The "Edge Optimized" examples are the same
# with certificate_arn.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: the certificate, for aws_acm_certificate_validation.example.
resource "gatewayd_certificate" "example" {
  domain_name       = "api.example.com"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "example" {
  domain_name              = "api.example.com"
  regional_certificate_arn = gatewayd_certificate.example.arn

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

output "regional_domain_name" {
  value = gatewayd_domain_name.example.regional_domain_name
}
