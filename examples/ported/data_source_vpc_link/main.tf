# Ported from the AWS provider's documentation: website/docs/d/api_gateway_vpc_link.html.markdown
# (hashicorp/terraform-provider-aws at 06bfec1f09e5), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page looks up a VPC link that exists already; the link is added, its target the backend address
# var.backend_address (gatewayd takes host:port directly; see the vpc_link directory), and the data
# source waits for it with depends_on.

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

# Added: the link the page looks up.
resource "gatewayd_vpc_link" "my_vpc_link" {
  name        = "my-vpc-link"
  target_arns = [var.backend_address]
}

data "gatewayd_vpc_link" "my_api_gateway_vpc_link" {
  name = "my-vpc-link"

  depends_on = [gatewayd_vpc_link.my_vpc_link]
}

output "vpc_link_id" {
  value = data.gatewayd_vpc_link.my_api_gateway_vpc_link.id
}
