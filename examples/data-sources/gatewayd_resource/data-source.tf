data "gatewayd_rest_api" "pets" {
  name = "pets"
}

# Find a resource by its full path; "/" is the root resource.
data "gatewayd_resource" "pet" {
  rest_api_id = data.gatewayd_rest_api.pets.id
  path        = "/pets/{petId}"
}

resource "gatewayd_method" "get_pet" {
  rest_api_id   = data.gatewayd_rest_api.pets.id
  resource_id   = data.gatewayd_resource.pet.id
  http_method   = "GET"
  authorization = "NONE"
}
