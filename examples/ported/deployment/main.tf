# Ported from the AWS provider's documentation: website/docs/r/api_gateway_deployment.html.markdown
# (hashicorp/terraform-provider-aws at 12753f8d359f), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page's "Terraform Resources" example; "OpenAPI Specification" is deployment_openapi here.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

resource "gatewayd_rest_api" "example" {
  name = "example"
}

resource "gatewayd_resource" "example" {
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "example"
  rest_api_id = gatewayd_rest_api.example.id
}

resource "gatewayd_method" "example" {
  authorization = "NONE"
  http_method   = "GET"
  resource_id   = gatewayd_resource.example.id
  rest_api_id   = gatewayd_rest_api.example.id
}

resource "gatewayd_integration" "example" {
  http_method = gatewayd_method.example.http_method
  resource_id = gatewayd_resource.example.id
  rest_api_id = gatewayd_rest_api.example.id
  type        = "MOCK"
}

resource "gatewayd_deployment" "example" {
  rest_api_id = gatewayd_rest_api.example.id

  triggers = {
    # NOTE: The configuration below will satisfy ordering considerations,
    #       but not pick up all future REST API changes. More advanced patterns
    #       are possible, such as using the filesha1() function against the
    #       Terraform configuration file(s) or removing the .id references to
    #       calculate a hash against whole resources. Be aware that using whole
    #       resources will show a difference after the initial implementation.
    #       It will stabilize to only change when resources change afterwards.
    redeployment = sha1(jsonencode([
      gatewayd_resource.example.id,
      gatewayd_method.example.id,
      gatewayd_integration.example.id,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "gatewayd_stage" "example" {
  deployment_id = gatewayd_deployment.example.id
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "example"
}
