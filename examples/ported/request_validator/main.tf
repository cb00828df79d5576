# Ported from the AWS provider's documentation: website/docs/r/api_gateway_request_validator.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page shows the validator alone; the REST API it names is added.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: the REST API the page's example refers to.
resource "gatewayd_rest_api" "example" {
  name = "example"
}

resource "gatewayd_request_validator" "example" {
  name                        = "example"
  rest_api_id                 = gatewayd_rest_api.example.id
  validate_request_body       = true
  validate_request_parameters = true
}
