# Ported from the AWS provider's documentation: website/docs/r/api_gateway_rest_api.html.markdown
# (hashicorp/terraform-provider-aws at 9192406bcd60), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_. The page's second example, "Regional Endpoint Type",
# is not ported: endpoint_configuration is not an attribute of gatewayd_rest_api (see README.md here).

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

resource "gatewayd_rest_api" "MyDemoAPI" {
  name        = "MyDemoAPI"
  description = "This is my API for demonstration purposes"
}
