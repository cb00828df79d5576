# Find an API made elsewhere by its name, which must be unique.
data "gatewayd_rest_api" "pets" {
  name = "pets"
}

resource "gatewayd_resource" "health" {
  rest_api_id = data.gatewayd_rest_api.pets.id
  parent_id   = data.gatewayd_rest_api.pets.root_resource_id
  path_part   = "health"
}
