# Ported from the AWS provider's documentation: website/docs/d/api_gateway_authorizer.html.markdown
# (hashicorp/terraform-provider-aws at 06b540fba1eb), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page looks up the first authorizer that data.aws_api_gateway_authorizers lists for an API that
# exists already; the API, its authorizer (var.function_uri for aws_lambda_function's invoke_arn) and
# the list are added.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "function_uri" {
  description = "The authorizer function's Invoke URL (or Lambda ARN URI), for aws_lambda_function.authorizer.invoke_arn."
  type        = string
}

# Added: the API, its authorizer and the list the page takes the id from.
resource "gatewayd_rest_api" "example" {
  name = "authorizer-lookup"
}

resource "gatewayd_authorizer" "example" {
  name           = "example"
  rest_api_id    = gatewayd_rest_api.example.id
  authorizer_uri = var.function_uri
}

data "gatewayd_authorizers" "example" {
  rest_api_id = gatewayd_rest_api.example.id

  depends_on = [gatewayd_authorizer.example]
}

data "gatewayd_authorizer" "example" {
  rest_api_id   = gatewayd_rest_api.example.id
  authorizer_id = data.gatewayd_authorizers.example.ids[0]
}

output "authorizer_name" {
  value = data.gatewayd_authorizer.example.name
}
