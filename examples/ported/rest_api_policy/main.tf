# Ported from the AWS provider's documentation: website/docs/r/api_gateway_rest_api_policy.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_. Changed beyond the rename: gatewayd_rest_api has no execution_arn attribute yet, so the
# policy's Resource spells the API's execution ARN out (region us-east-1, gatewayd's --region default,
# account 000000000000) and adds "/*" (every stage, verb and path), the form gatewayd's policies take.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

resource "gatewayd_rest_api" "test" {
  name = "example-rest-api"
}

resource "gatewayd_rest_api_policy" "test" {
  rest_api_id = gatewayd_rest_api.test.id

  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "*"
      },
      "Action": "execute-api:Invoke",
      "Resource": "arn:aws:execute-api:us-east-1:000000000000:${gatewayd_rest_api.test.id}/*",
      "Condition": {
        "IpAddress": {
          "aws:SourceIp": "123.123.123.123/32"
        }
      }
    }
  ]
}
EOF
}
