# A stage that serves the API's latest configuration: every change applied
# to its resources, methods and integrations is deployed in the same apply.
resource "gatewayd_stage" "live" {
  rest_api_id = gatewayd_rest_api.example.id
  stage_name  = "live"
  auto_deploy = true
  variables = {
    backend = "127.0.0.1:3000"
  }
}

# A stage released by hand: change deployment_id to release or roll back.
resource "gatewayd_stage" "prod" {
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "prod"
  deployment_id = gatewayd_deployment.example.id
  description   = "production"
}

output "invoke_url" {
  value = gatewayd_stage.live.invoke_url
}
