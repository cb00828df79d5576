# https://api.example.internal/v1/... reaches stage prod of the orders API.
resource "gatewayd_base_path_mapping" "v1" {
  domain_name = gatewayd_domain_name.api.domain_name
  api_id      = gatewayd_rest_api.orders.id
  stage_name  = gatewayd_stage.orders_prod.stage_name
  base_path   = "v1"
}

# Every other path of the domain reaches the pets API's prod stage.
resource "gatewayd_base_path_mapping" "rest" {
  domain_name = gatewayd_domain_name.api.domain_name
  api_id      = gatewayd_rest_api.pets.id
  stage_name  = gatewayd_stage.pets_prod.stage_name
}
