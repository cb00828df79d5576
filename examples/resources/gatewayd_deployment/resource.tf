# The AWS provider's way: a deployment replaced when a hand-written trigger changes.
# (A stage with auto_deploy = true needs neither the deployment nor the trigger.)
resource "gatewayd_deployment" "example" {
  rest_api_id = gatewayd_rest_api.example.id
  description = "release"

  triggers = {
    redeploy = sha1(jsonencode([
      gatewayd_method.example,
      gatewayd_integration.example,
    ]))
  }
}

resource "gatewayd_stage" "example" {
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "prod"
  deployment_id = gatewayd_deployment.example.id
  # No create_before_destroy needed: the replaced deployment is retired
  # and removed once the stage points at the new one.
}
