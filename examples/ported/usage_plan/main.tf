# Ported from the AWS provider's documentation: website/docs/r/api_gateway_usage_plan.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the integration's public URL
# (https://ip-ranges.amazonaws.com/ip-ranges.json) is var.backend_url + the same path, so that the
# example runs without the internet (the test points it at its own HTTP server).
# Changed beyond the rename: product_code = "MYCODE" is left out. It is an AWS Marketplace product
# code, which gatewayd does not have; terraform refuses the attribute ("An argument named
# \"product_code\" is not expected here").

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "backend_url" {
  description = "Base URL of the HTTP backend standing for https://ip-ranges.amazonaws.com."
  type        = string
}

resource "gatewayd_rest_api" "example" {
  body = jsonencode({
    openapi = "3.0.1"
    info = {
      title   = "example"
      version = "1.0"
    }
    paths = {
      "/path1" = {
        get = {
          x-amazon-apigateway-integration = {
            httpMethod           = "GET"
            payloadFormatVersion = "1.0"
            type                 = "HTTP_PROXY"
            uri                  = "${var.backend_url}/ip-ranges.json"
          }
        }
      }
    }
  })

  name = "example"
}

resource "gatewayd_deployment" "example" {
  rest_api_id = gatewayd_rest_api.example.id

  triggers = {
    redeployment = sha1(jsonencode(gatewayd_rest_api.example.body))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "gatewayd_stage" "development" {
  deployment_id = gatewayd_deployment.example.id
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "development"
}

resource "gatewayd_stage" "production" {
  deployment_id = gatewayd_deployment.example.id
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "production"
}

resource "gatewayd_usage_plan" "example" {
  name        = "my-usage-plan"
  description = "my description"

  api_stages {
    api_id = gatewayd_rest_api.example.id
    stage  = gatewayd_stage.development.stage_name
  }

  api_stages {
    api_id = gatewayd_rest_api.example.id
    stage  = gatewayd_stage.production.stage_name
  }

  quota_settings {
    limit  = 20
    offset = 2
    period = "WEEK"
  }

  throttle_settings {
    burst_limit = 5
    rate_limit  = 10
  }
}
