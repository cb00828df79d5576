# Ported from the AWS provider's documentation: website/docs/d/api_gateway_api_key.html.markdown
# (hashicorp/terraform-provider-aws at 076f8c080e70), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the page looks up the key "ru3mpjgse6", which exists in
# its author's account; here the key is created and looked up by its id.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: the key the page looks up.
resource "gatewayd_api_key" "my_api_key" {
  name = "my-api-key"
}

data "gatewayd_api_key" "my_api_key" {
  id = gatewayd_api_key.my_api_key.id
}

output "name" {
  value = data.gatewayd_api_key.my_api_key.name
}
