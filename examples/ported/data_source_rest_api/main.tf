# Ported from the AWS provider's documentation: website/docs/d/api_gateway_rest_api.html.markdown
# (hashicorp/terraform-provider-aws at 076f8c080e70), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page looks up an API that exists already; the API is added (and the data source
# waits for it with depends_on), with an output to show what it found.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: the API the page looks up.
resource "gatewayd_rest_api" "my_rest_api" {
  name = "my-rest-api"
}

data "gatewayd_rest_api" "my_rest_api" {
  name = "my-rest-api"

  depends_on = [gatewayd_rest_api.my_rest_api]
}

output "root_resource_id" {
  value = data.gatewayd_rest_api.my_rest_api.root_resource_id
}
