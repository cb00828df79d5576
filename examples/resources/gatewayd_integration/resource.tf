resource "gatewayd_rest_api" "example" {
  name = "pets"
}

resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "{petId}"
}

resource "gatewayd_method" "get_pet" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.pet.id
  http_method   = "GET"
  authorization = "NONE"
  request_parameters = {
    "method.request.path.petId" = true
  }
}

# GET /{petId} is passed through to the backend named by the stage variable
# "backend" ($${...} keeps Terraform from interpolating it).
resource "gatewayd_integration" "get_pet" {
  rest_api_id             = gatewayd_rest_api.example.id
  resource_id             = gatewayd_resource.pet.id
  http_method             = gatewayd_method.get_pet.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://$${stageVariables.backend}/pets/{id}"
  timeout_milliseconds    = 5000
  request_parameters = {
    "integration.request.path.id" = "method.request.path.petId"
  }
  cache_key_parameters = ["method.request.path.petId"]
}
