# Ported from the AWS provider's documentation: website/docs/r/api_gateway_integration.html.markdown
# (hashicorp/terraform-provider-aws at 0015017ad405), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# The page's second example, "Lambda integration". Changed beyond the rename:
# aws_lambda_function.lambda.invoke_arn is var.function_uri (the Invoke URL of any server speaking the
# Lambda Invoke API; an arn:aws:apigateway:...:lambda:path/... ARN works too, see the README's "AWS
# integrations and Lambda ARNs"), and the aws_lambda_function, aws_lambda_permission and aws_iam_role
# resources, which are AWS's, are left out. A stage is added so that the method can be called.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

# Variables
variable "myregion" {
  default = "us-east-1"
}

variable "accountId" {
  default = "000000000000"
}

variable "function_uri" {
  description = "The function's Invoke URL (or Lambda ARN URI), for aws_lambda_function.lambda.invoke_arn."
  type        = string
}

# API Gateway
resource "gatewayd_rest_api" "api" {
  name = "myapi"
}

resource "gatewayd_resource" "resource" {
  path_part   = "resource"
  parent_id   = gatewayd_rest_api.api.root_resource_id
  rest_api_id = gatewayd_rest_api.api.id
}

resource "gatewayd_method" "method" {
  rest_api_id   = gatewayd_rest_api.api.id
  resource_id   = gatewayd_resource.resource.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "integration" {
  rest_api_id             = gatewayd_rest_api.api.id
  resource_id             = gatewayd_resource.resource.id
  http_method             = gatewayd_method.method.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = var.function_uri
}

# Added: a stage that serves the API (auto_deploy: each change is deployed by the apply that makes it).
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.api.id
  stage_name  = "test"
  auto_deploy = true
  depends_on  = [gatewayd_integration.integration]
}
