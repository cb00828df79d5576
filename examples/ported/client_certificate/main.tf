# Ported from the AWS provider's documentation: website/docs/r/api_gateway_client_certificate.html.markdown
# (hashicorp/terraform-provider-aws at 018c196f1ce9), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

resource "gatewayd_client_certificate" "demo" {
  description = "My client certificate"
}
