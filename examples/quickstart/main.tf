# The quickstart `make demo` applies: one REST API with a MOCK method, an HTTP_PROXY method and a
# Lambda-proxy method, served by a stage that deploys every change by itself.
terraform {
  required_providers {
    gatewayd = {
      source = "gatewayd/gatewayd"
    }
  }
}

# Endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

variable "backend_url" {
  description = "Base URL of the HTTP backend."
  type        = string
  default     = "http://127.0.0.1:3000"
}

variable "function_url" {
  description = "Invocation URL of the Lambda-compatible function."
  type        = string
  default     = "http://127.0.0.1:3001/2015-03-31/functions/hello/invocations"
}

resource "gatewayd_rest_api" "pets" {
  name        = "pets"
  description = "gatewayd quickstart"
}

# GET /health answers from the gateway itself (MOCK).
resource "gatewayd_resource" "health" {
  rest_api_id = gatewayd_rest_api.pets.id
  parent_id   = gatewayd_rest_api.pets.root_resource_id
  path_part   = "health"
}

resource "gatewayd_method" "health" {
  rest_api_id   = gatewayd_rest_api.pets.id
  resource_id   = gatewayd_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "health" {
  rest_api_id = gatewayd_rest_api.pets.id
  resource_id = gatewayd_resource.health.id
  http_method = gatewayd_method.health.http_method
  type        = "MOCK"
}

resource "gatewayd_method_response" "health" {
  rest_api_id = gatewayd_rest_api.pets.id
  resource_id = gatewayd_resource.health.id
  http_method = gatewayd_method.health.http_method
  status_code = "200"
}

resource "gatewayd_integration_response" "health" {
  rest_api_id = gatewayd_rest_api.pets.id
  resource_id = gatewayd_resource.health.id
  http_method = gatewayd_integration.health.http_method
  status_code = gatewayd_method_response.health.status_code
  response_templates = {
    "application/json" = jsonencode({ status = "ok" })
  }
}

# ANY /pets/{proxy+} goes to the HTTP backend (HTTP_PROXY).
resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.pets.id
  parent_id   = gatewayd_rest_api.pets.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_resource" "pets_proxy" {
  rest_api_id = gatewayd_rest_api.pets.id
  parent_id   = gatewayd_resource.pets.id
  path_part   = "{proxy+}"
}

resource "gatewayd_method" "pets_proxy" {
  rest_api_id   = gatewayd_rest_api.pets.id
  resource_id   = gatewayd_resource.pets_proxy.id
  http_method   = "ANY"
  authorization = "NONE"
  request_parameters = {
    "method.request.path.proxy" = true
  }
}

resource "gatewayd_integration" "pets_proxy" {
  rest_api_id             = gatewayd_rest_api.pets.id
  resource_id             = gatewayd_resource.pets_proxy.id
  http_method             = gatewayd_method.pets_proxy.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "ANY"
  uri                     = "${var.backend_url}/pets/{proxy}"
  timeout_milliseconds    = 5000
  request_parameters = {
    "integration.request.path.proxy" = "method.request.path.proxy"
  }
}

# GET /hello/{name} calls a function through the Lambda Invoke API (AWS_PROXY).
resource "gatewayd_resource" "hello" {
  rest_api_id = gatewayd_rest_api.pets.id
  parent_id   = gatewayd_rest_api.pets.root_resource_id
  path_part   = "hello"
}

resource "gatewayd_resource" "hello_name" {
  rest_api_id = gatewayd_rest_api.pets.id
  parent_id   = gatewayd_resource.hello.id
  path_part   = "{name}"
}

resource "gatewayd_method" "hello" {
  rest_api_id   = gatewayd_rest_api.pets.id
  resource_id   = gatewayd_resource.hello_name.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "hello" {
  rest_api_id             = gatewayd_rest_api.pets.id
  resource_id             = gatewayd_resource.hello_name.id
  http_method             = gatewayd_method.hello.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_url
}

# The stage deploys every change above in the same apply: no gatewayd_deployment, no trigger hash.
resource "gatewayd_stage" "prod" {
  rest_api_id = gatewayd_rest_api.pets.id
  stage_name  = "prod"
  auto_deploy = true
  description = "production"
  variables = {
    owner = "platform"
  }
}

output "rest_api_id" {
  value = gatewayd_rest_api.pets.id
}

output "invoke_url" {
  value = gatewayd_stage.prod.invoke_url
}
