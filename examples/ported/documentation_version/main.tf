# Ported from the AWS provider's documentation: website/docs/r/api_gateway_documentation_version.html.markdown
# (hashicorp/terraform-provider-aws at 1b95a29b5b1e), Example Usage, with aws_api_gateway_ renamed to
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

resource "gatewayd_documentation_version" "example" {
  version     = "example_version"
  rest_api_id = gatewayd_rest_api.example.id
  description = "Example description"
  depends_on  = [gatewayd_documentation_part.example]
}

resource "gatewayd_rest_api" "example" {
  name = "example_api"
}

resource "gatewayd_documentation_part" "example" {
  location {
    type = "API"
  }

  properties  = "{\"description\":\"Example\"}"
  rest_api_id = gatewayd_rest_api.example.id
}
