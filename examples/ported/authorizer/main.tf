# Ported from the AWS provider's documentation: website/docs/r/api_gateway_authorizer.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: aws_lambda_function.authorizer.invoke_arn is
# var.function_uri (any server speaking the Lambda Invoke API, or a Lambda ARN URI), and
# aws_iam_role.invocation_role.arn is var.invocation_role_arn; the aws_iam_role, aws_iam_role_policy and
# aws_lambda_function resources, which are AWS's, are left out. With an Invoke URL the role has no
# effect (gatewayd calls the URL unsigned); with a Lambda ARN gatewayd assumes it through STS.

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

variable "invocation_role_arn" {
  description = "For aws_iam_role.invocation_role.arn."
  type        = string
  default     = "arn:aws:iam::123456789012:role/api_gateway_auth_invocation"
}

resource "gatewayd_authorizer" "demo" {
  name                   = "demo"
  rest_api_id            = gatewayd_rest_api.demo.id
  authorizer_uri         = var.function_uri
  authorizer_credentials = var.invocation_role_arn
}

resource "gatewayd_rest_api" "demo" {
  name = "auth-demo"
}
