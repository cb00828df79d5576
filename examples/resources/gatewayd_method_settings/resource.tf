# Stage defaults for every method of the stage.
resource "gatewayd_method_settings" "all" {
  rest_api_id = gatewayd_stage.prod.rest_api_id
  stage_name  = gatewayd_stage.prod.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = 500
    throttling_burst_limit = 1000
  }
}

# One method: the resource path without its leading slash, then the verb.
# Referencing the stage's attributes creates the stage first, so both can be
# made in the same apply.
resource "gatewayd_method_settings" "get_pet" {
  rest_api_id = gatewayd_stage.prod.rest_api_id
  stage_name  = gatewayd_stage.prod.stage_name
  method_path = "pets/{petId}/GET"

  settings {
    throttling_rate_limit  = 50
    throttling_burst_limit = 100
    caching_enabled        = true
    cache_ttl_in_seconds   = 60
  }
}
