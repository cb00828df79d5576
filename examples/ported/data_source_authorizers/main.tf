# Ported from the AWS provider's documentation: website/docs/d/api_gateway_authorizers.html.markdown
# (hashicorp/terraform-provider-aws at 052335b75465), Example Usage (Basic Usage), with aws_api_gateway_
# renamed to gatewayd_.
# The page lists the authorizers of an API that exists already; the API and two authorizers
# (var.function_uri for aws_lambda_function's invoke_arn) are added.

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

# Added: the API and the authorizers the page lists.
resource "gatewayd_rest_api" "test" {
  name = "authorizers-list"
}

resource "gatewayd_authorizer" "token" {
  name           = "token"
  rest_api_id    = gatewayd_rest_api.test.id
  authorizer_uri = var.function_uri
}

resource "gatewayd_authorizer" "request" {
  name            = "request"
  rest_api_id     = gatewayd_rest_api.test.id
  type            = "REQUEST"
  authorizer_uri  = var.function_uri
  identity_source = "method.request.header.X-Tenant"
}

data "gatewayd_authorizers" "example" {
  rest_api_id = gatewayd_rest_api.test.id

  depends_on = [gatewayd_authorizer.token, gatewayd_authorizer.request]
}

output "authorizer_ids" {
  value = data.gatewayd_authorizers.example.ids
}
