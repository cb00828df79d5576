# The quickstart `make demo` applies: one REST API with a MOCK method, an HTTP_PROXY method, a
# Lambda-proxy method and a metered method behind an API key, served by a stage that deploys every
# change by itself and caches GET answers.
terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this, shared modules included: without it
    # Terraform looks for hashicorp/gatewayd, which does not exist (see the modules guide).
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
  # Each pet is its own cache entry; query strings don't split the key.
  cache_key_parameters = ["method.request.path.proxy"]
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

# GET /premium needs an API key of the "gold" plan: 5 calls a day.
resource "gatewayd_resource" "premium" {
  rest_api_id = gatewayd_rest_api.pets.id
  parent_id   = gatewayd_rest_api.pets.root_resource_id
  path_part   = "premium"
}

resource "gatewayd_method" "premium" {
  rest_api_id      = gatewayd_rest_api.pets.id
  resource_id      = gatewayd_resource.premium.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "gatewayd_integration" "premium" {
  rest_api_id = gatewayd_rest_api.pets.id
  resource_id = gatewayd_resource.premium.id
  http_method = gatewayd_method.premium.http_method
  type        = "MOCK"
}

resource "gatewayd_integration_response" "premium" {
  rest_api_id = gatewayd_rest_api.pets.id
  resource_id = gatewayd_resource.premium.id
  http_method = gatewayd_integration.premium.http_method
  status_code = "200"
  response_templates = {
    "application/json" = jsonencode({ tier = "gold" })
  }
}

# The stage deploys every change above in the same apply: no gatewayd_deployment, no trigger hash.
# Its cache answers repeated GETs for 60 seconds without calling the backend.
resource "gatewayd_stage" "prod" {
  rest_api_id           = gatewayd_rest_api.pets.id
  stage_name            = "prod"
  auto_deploy           = true
  description           = "production"
  cache_cluster_enabled = true
  cache_cluster_size    = "0.5"
  variables = {
    owner = "platform"
  }
}

# HTTPS on a domain name: a certificate from gatewayd's own CA, the domain on gatewayd's TLS listener
# (--tls-listen), and https://pets.example.test/v1/... reaching the stage. Clients trust the CA's root
# (GET /v1/ca/certificate on the admin API); make demo shows the curl line.
resource "gatewayd_certificate" "pets" {
  domain_name       = "pets.example.test"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "pets" {
  domain_name              = "pets.example.test"
  regional_certificate_arn = gatewayd_certificate.pets.arn
  security_policy          = "TLS_1_2"
}

resource "gatewayd_base_path_mapping" "v1" {
  domain_name = gatewayd_domain_name.pets.domain_name
  api_id      = gatewayd_rest_api.pets.id
  stage_name  = gatewayd_stage.prod.stage_name
  base_path   = "v1"
}

resource "gatewayd_method_settings" "all" {
  rest_api_id = gatewayd_stage.prod.rest_api_id
  stage_name  = gatewayd_stage.prod.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = 100
    throttling_burst_limit = 50
    caching_enabled        = true
    cache_ttl_in_seconds   = 60
  }
}

resource "gatewayd_usage_plan" "gold" {
  name = "gold"

  api_stages {
    api_id = gatewayd_rest_api.pets.id
    stage  = gatewayd_stage.prod.stage_name
  }

  quota_settings {
    limit  = 5
    period = "DAY"
  }

  throttle_settings {
    rate_limit  = 10
    burst_limit = 20
  }
}

resource "gatewayd_api_key" "demo" {
  name = "demo-customer"
}

resource "gatewayd_usage_plan_key" "demo" {
  key_id        = gatewayd_api_key.demo.id
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.gold.id
}

output "rest_api_id" {
  value = gatewayd_rest_api.pets.id
}

output "invoke_url" {
  value = gatewayd_stage.prod.invoke_url
}

output "domain_url" {
  value = "https://${gatewayd_base_path_mapping.v1.domain_name}/${gatewayd_base_path_mapping.v1.base_path}"
}

output "usage_plan_id" {
  value = gatewayd_usage_plan.gold.id
}

output "api_key_id" {
  value = gatewayd_api_key.demo.id
}

output "api_key" {
  value     = gatewayd_api_key.demo.value
  sensitive = true
}
