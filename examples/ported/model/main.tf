# Ported from the AWS provider's documentation: website/docs/r/api_gateway_model.html.markdown
# (hashicorp/terraform-provider-aws at 03e6d7c4c8d3), Example Usage, with aws_api_gateway_ renamed to
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

resource "gatewayd_rest_api" "MyDemoAPI" {
  name        = "MyDemoAPI"
  description = "This is my API for demonstration purposes"
}

resource "gatewayd_model" "MyDemoModel" {
  rest_api_id  = gatewayd_rest_api.MyDemoAPI.id
  name         = "user"
  description  = "a JSON schema"
  content_type = "application/json"

  schema = <<EOF
{
  "type": "object"
}
EOF
}
