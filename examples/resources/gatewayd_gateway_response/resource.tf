# Browsers see a 401 from the authorizer only with CORS headers on it.
resource "gatewayd_gateway_response" "unauthorized" {
  rest_api_id   = gatewayd_rest_api.example.id
  response_type = "UNAUTHORIZED"
  response_parameters = {
    "gatewayresponse.header.Access-Control-Allow-Origin"  = "'https://app.example.com'"
    "gatewayresponse.header.Access-Control-Allow-Headers" = "'Authorization,Content-Type'"
  }
}

# Every other 4xx answer of the gateway in a shape of the API's own.
resource "gatewayd_gateway_response" "default_4xx" {
  rest_api_id   = gatewayd_rest_api.example.id
  response_type = "DEFAULT_4XX"
  response_templates = {
    "application/json" = "{\"error\": {\"message\": $context.error.messageString, \"type\": \"$context.error.responseType\", \"requestId\": \"$context.requestId\"}}"
  }
}
