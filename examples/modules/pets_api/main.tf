# A shared module: an API that proxies /pets/{proxy+} to a backend, on an auto-deploying stage.

terraform {
  required_providers {
    # Required in every module that uses gatewayd_* resources, shared ones included.
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

variable "name" {
  description = "Name of the REST API."
  type        = string
}

variable "backend_url" {
  description = "Base URL of the pets service."
  type        = string
}

resource "gatewayd_rest_api" "this" {
  name = var.name
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.this.id
  parent_id   = gatewayd_rest_api.this.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_method" "pets" {
  rest_api_id   = gatewayd_rest_api.this.id
  resource_id   = gatewayd_resource.pets.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "pets" {
  rest_api_id             = gatewayd_rest_api.this.id
  resource_id             = gatewayd_resource.pets.id
  http_method             = gatewayd_method.pets.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "${var.backend_url}/pets"
}

resource "gatewayd_stage" "live" {
  rest_api_id = gatewayd_rest_api.this.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration.pets]
}

output "invoke_url" {
  value = gatewayd_stage.live.invoke_url
}
