resource "gatewayd_rest_api" "example" {
  name = "pets"
}

resource "gatewayd_method" "get_root" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_rest_api.example.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_method_response" "ok" {
  rest_api_id = gatewayd_rest_api.example.id
  resource_id = gatewayd_rest_api.example.root_resource_id
  http_method = gatewayd_method.get_root.http_method
  status_code = "200"

  response_parameters = {
    "method.response.header.X-Request-Id" = true
  }

  response_models = {
    "application/json" = "Empty"
  }
}

# An existing method response can also be imported with an import block:
#
# import {
#   to = gatewayd_method_response.ok
#   id = "abc123defg/hij456klmn/GET/200" # REST_API_ID/RESOURCE_ID/HTTP_METHOD/STATUS_CODE
# }
