# Ported from the AWS provider's documentation: website/docs/r/api_gateway_method_settings.html.markdown
# (hashicorp/terraform-provider-aws at 0464e3a797c0), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the integration's public URL
# (https://ip-ranges.amazonaws.com/ip-ranges.json) is var.backend_url + the same path, so that the
# example runs without the internet (the test points it at its own HTTP server).

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

resource "gatewayd_stage" "example" {
  deployment_id = gatewayd_deployment.example.id
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "example"
}

resource "gatewayd_method_settings" "all" {
  rest_api_id = gatewayd_rest_api.example.id
  stage_name  = gatewayd_stage.example.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled = true
    logging_level   = "ERROR"
  }
}

resource "gatewayd_method_settings" "path_specific" {
  rest_api_id = gatewayd_rest_api.example.id
  stage_name  = gatewayd_stage.example.stage_name
  method_path = "path1/GET"

  settings {
    metrics_enabled = true
    logging_level   = "INFO"
  }
}
