terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this, shared modules included: without it
    # Terraform looks for hashicorp/gatewayd, which does not exist (see the modules guide).
    gatewayd = {
      source = "gatewayd/gatewayd"
    }
  }
}

# endpoint and token may also come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {
  endpoint = "http://127.0.0.1:9080"
  token    = var.gatewayd_token
}

variable "gatewayd_token" {
  type      = string
  sensitive = true
}
