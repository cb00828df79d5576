# Ported from the AWS provider's documentation: website/docs/r/api_gateway_integration.html.markdown
# (hashicorp/terraform-provider-aws at 0015017ad405), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page's first example; its second is integration_lambda here. Its third
# ("VPC Link") is integration_vpc_link here.

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

resource "gatewayd_method" "MyDemoMethod" {
  rest_api_id   = gatewayd_rest_api.MyDemoAPI.id
  resource_id   = gatewayd_resource.MyDemoResource.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "MyDemoIntegration" {
  rest_api_id          = gatewayd_rest_api.MyDemoAPI.id
  resource_id          = gatewayd_resource.MyDemoResource.id
  http_method          = gatewayd_method.MyDemoMethod.http_method
  type                 = "MOCK"
  cache_key_parameters = ["method.request.path.param"]
  cache_namespace      = "foobar"
  timeout_milliseconds = 29000

  request_parameters = {
    "integration.request.header.X-Authorization" = "'static'"
  }

  # Transforms the incoming XML request to JSON
  request_templates = {
    "application/xml" = <<EOF
{
   "body" : $input.json('$')
}
EOF
  }
}
