resource "gatewayd_request_validator" "body_and_params" {
  rest_api_id                 = gatewayd_rest_api.example.id
  name                        = "body-and-params"
  validate_request_body       = true
  validate_request_parameters = true
}

# POST /pets needs an X-Tenant header and a body that matches the Pet model;
# gatewayd answers 400 otherwise, without calling the integration.
resource "gatewayd_method" "create_pet" {
  rest_api_id          = gatewayd_rest_api.example.id
  resource_id          = gatewayd_resource.pets.id
  http_method          = "POST"
  authorization        = "NONE"
  request_validator_id = gatewayd_request_validator.body_and_params.id
  request_models       = { "application/json" = gatewayd_model.pet.name }
  request_parameters = {
    "method.request.header.X-Tenant" = true
  }
}
