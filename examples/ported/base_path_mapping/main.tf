# Ported from the AWS provider's documentation: website/docs/r/api_gateway_base_path_mapping.html.markdown
# (hashicorp/terraform-provider-aws at 0ca78c11b5ec), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the page's domain gives its certificate inline
# (certificate_name, certificate_body, certificate_chain, certificate_private_key from files), which
# gatewayd_domain_name refuses; the certificate is a gatewayd_certificate issued by gatewayd's own CA and
# named by certificate_arn. The page elides the REST API and deployment; those of the aws_api_gateway_stage
# page are added.
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

# Added: the certificate the page gives inline.
resource "gatewayd_certificate" "example" {
  domain_name       = "example.com"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "example" {
  domain_name = "example.com"

  certificate_arn = gatewayd_certificate.example.arn
}

resource "gatewayd_base_path_mapping" "example" {
  api_id      = gatewayd_rest_api.example.id
  stage_name  = gatewayd_stage.example.stage_name
  domain_name = gatewayd_domain_name.example.domain_name
}
