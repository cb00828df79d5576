# Ported from the AWS provider's documentation: website/docs/r/api_gateway_integration.html.markdown
# (hashicorp/terraform-provider-aws at 0015017ad405), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page's third example ("VPC Link"); its first is integration here, its second integration_lambda.
# Changed beyond the rename: the network load balancer (resource "aws_lb" "test", an AWS resource) and
# the variable subnet_id it alone used are left out, and target_arns = [aws_lb.test.arn] is
# [var.backend_address]: gatewayd takes a backend address host:port as a target directly. The test
# points it at its own HTTP server. As in API Gateway, the uri's host (www.google.de) only sets the
# Host header of the requests the link's targets receive, so nothing is sent to the internet.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "name" {
  default = "example"
}

variable "backend_address" {
  description = "host:port of the HTTP backend standing for the network load balancer."
  type        = string
}

resource "gatewayd_vpc_link" "test" {
  name        = var.name
  target_arns = [var.backend_address]
}

resource "gatewayd_rest_api" "test" {
  name = var.name
}

resource "gatewayd_resource" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "test"
}

resource "gatewayd_method" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.test.id
  http_method   = "GET"
  authorization = "NONE"

  request_models = {
    "application/json" = "Error"
  }
}

resource "gatewayd_integration" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.test.id
  http_method = gatewayd_method.test.http_method

  request_templates = {
    "application/json" = ""
    "application/xml"  = "#set($inputRoot = $input.path('$'))\n{ }"
  }

  request_parameters = {
    "integration.request.header.X-Authorization" = "'static'"
    "integration.request.header.X-Foo"           = "'Bar'"
  }

  type                    = "HTTP"
  uri                     = "https://www.google.de"
  integration_http_method = "GET"
  passthrough_behavior    = "WHEN_NO_MATCH"
  content_handling        = "CONVERT_TO_TEXT"

  connection_type = "VPC_LINK"
  connection_id   = gatewayd_vpc_link.test.id
}
