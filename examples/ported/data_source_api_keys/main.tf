# Ported from the AWS provider's documentation: website/docs/d/api_gateway_api_keys.html.markdown
# (hashicorp/terraform-provider-aws at 29907104cd84), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page lists the keys of an account that has some; a key is added, and the list is narrowed to its
# customer_id (an argument of the AWS data source too) so that keys other configurations of the same
# account create or delete meanwhile do not change it.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: a key for the page to list.
resource "gatewayd_api_key" "example" {
  name        = "listed-api-key"
  customer_id = "ported-api-keys-example"
}

data "gatewayd_api_keys" "example" {
  customer_id = gatewayd_api_key.example.customer_id
}

output "api_key_names" {
  value = [for k in data.gatewayd_api_keys.example.items : k.name]
}
