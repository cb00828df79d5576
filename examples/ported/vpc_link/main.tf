# Ported from the AWS provider's documentation: website/docs/r/api_gateway_vpc_link.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the network load balancer (resource "aws_lb" "example", an AWS resource) is
# left out, and target_arns = [aws_lb.example.arn] is [var.backend_address]: gatewayd takes a backend
# address host:port as a target directly (an NLB's ARN works too when gatewayd's operator maps it with
# --vpc-link-targets). The test points it at its own HTTP server.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "backend_address" {
  description = "host:port of the HTTP backend standing for the network load balancer."
  type        = string
}

resource "gatewayd_vpc_link" "example" {
  name        = "example"
  description = "example description"
  target_arns = [var.backend_address]
}
