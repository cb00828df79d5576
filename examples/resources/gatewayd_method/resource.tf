resource "gatewayd_rest_api" "example" {
  name = "pets"
}

resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "{petId}"
}

resource "gatewayd_method" "get_pet" {
  rest_api_id      = gatewayd_rest_api.example.id
  resource_id      = gatewayd_resource.pet.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
  operation_name   = "GetPet"

  request_parameters = {
    "method.request.path.petId"       = true
    "method.request.querystring.lang" = false
  }
}

# A method behind a custom authorizer.
resource "gatewayd_method" "delete_pet" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.pet.id
  http_method   = "DELETE"
  authorization = "CUSTOM"
  authorizer_id = "abc123"
}

# An existing method can also be imported with an import block:
#
# import {
#   to = gatewayd_method.get_pet
#   id = "abc123defg/hij456klmn/GET" # REST_API_ID/RESOURCE_ID/HTTP_METHOD
# }
