# Ported from the AWS provider's documentation: website/docs/d/api_gateway_resource.html.markdown
# (hashicorp/terraform-provider-aws at 0b7aab212c92), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page looks up an API and a resource that exist already; they are added (and
# the data sources wait for them with depends_on).

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Added: the API and the resource the page looks up.
resource "gatewayd_rest_api" "my_rest_api" {
  name = "my-rest-api-with-resource"
}

resource "gatewayd_resource" "endpoint" {
  rest_api_id = gatewayd_rest_api.my_rest_api.id
  parent_id   = gatewayd_rest_api.my_rest_api.root_resource_id
  path_part   = "endpoint"
}

resource "gatewayd_resource" "path" {
  rest_api_id = gatewayd_rest_api.my_rest_api.id
  parent_id   = gatewayd_resource.endpoint.id
  path_part   = "path"
}

data "gatewayd_rest_api" "my_rest_api" {
  name = "my-rest-api-with-resource"

  depends_on = [gatewayd_rest_api.my_rest_api]
}

data "gatewayd_resource" "my_resource" {
  rest_api_id = data.gatewayd_rest_api.my_rest_api.id
  path        = "/endpoint/path"

  depends_on = [gatewayd_resource.path]
}

output "resource_id" {
  value = data.gatewayd_resource.my_resource.id
}
