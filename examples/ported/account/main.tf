# Ported from the AWS provider's documentation: website/docs/r/api_gateway_account.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the IAM role and its policy (aws_iam_role.cloudwatch,
# aws_iam_role_policy.cloudwatch, AWS resources) are left out, and cloudwatch_role_arn =
# aws_iam_role.cloudwatch.arn is var.cloudwatch_role_arn. gatewayd stores the ARN and assumes no role
# (it writes access logs itself). As in the AWS provider, destroying the resource leaves the account's
# settings as they are.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "cloudwatch_role_arn" {
  description = "For aws_iam_role.cloudwatch.arn."
  type        = string
  default     = "arn:aws:iam::123456789012:role/api_gateway_cloudwatch_global"
}

resource "gatewayd_account" "demo" {
  cloudwatch_role_arn = var.cloudwatch_role_arn
}
