resource "gatewayd_rest_api" "example" {
  name = "pets"
}

resource "gatewayd_resource" "health" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "health"
}

resource "gatewayd_method" "health" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

# An HTTP (non-proxy) integration: the backend's answers go through the
# integration responses below.
resource "gatewayd_integration" "health" {
  rest_api_id             = gatewayd_rest_api.example.id
  resource_id             = gatewayd_resource.health.id
  http_method             = gatewayd_method.health.http_method
  type                    = "HTTP"
  integration_http_method = "GET"
  uri                     = "http://127.0.0.1:3000/health"
}

# The default response (no selection_pattern): a header and a JSON body.
resource "gatewayd_integration_response" "ok" {
  rest_api_id = gatewayd_rest_api.example.id
  resource_id = gatewayd_resource.health.id
  http_method = gatewayd_integration.health.http_method
  status_code = "200"
  response_parameters = {
    "method.response.header.Cache-Control" = "'no-store'"
  }
  response_templates = {
    "application/json" = jsonencode({ status = "ok" })
  }
}

# Any 5xx from the backend becomes a 503. The pattern is RE2 syntax and must
# match the whole status code.
resource "gatewayd_integration_response" "unavailable" {
  rest_api_id       = gatewayd_rest_api.example.id
  resource_id       = gatewayd_resource.health.id
  http_method       = gatewayd_integration.health.http_method
  status_code       = "503"
  selection_pattern = "5\\d{2}"
  response_templates = {
    "application/json" = jsonencode({ status = "unavailable" })
  }
}
