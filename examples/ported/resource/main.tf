# Ported from the AWS provider's documentation: website/docs/r/api_gateway_resource.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
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

resource "gatewayd_resource" "MyDemoResource" {
  rest_api_id = gatewayd_rest_api.MyDemoAPI.id
  parent_id   = gatewayd_rest_api.MyDemoAPI.root_resource_id
  path_part   = "mydemoresource"
}
