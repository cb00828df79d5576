# A root module that uses a shared module. Both declare the provider's source: a module's
# required_providers block does not reach into the modules it calls, and a module that leaves it out
# makes Terraform look for hashicorp/gatewayd, which does not exist (see the modules guide).

terraform {
  required_providers {
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "backend_url" {
  description = "Base URL of the pets service."
  type        = string
}

module "pets" {
  source = "./pets_api"

  name        = "pets-from-module"
  backend_url = var.backend_url
}

output "invoke_url" {
  value = module.pets.invoke_url
}
