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

  # One JSON line per request in DATA_DIR/logs/api-gateway/prod.log on the
  # gatewayd node (rotated by size), in API Gateway's $context variables.
  access_log_settings {
    destination_arn = "arn:aws:logs:us-east-1:123456789012:log-group:api-gateway/prod"
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
    })
  }
}

# A canary release: 10% of the stage's requests go to the new deployment, with
# their own stage variables. Promote it in one apply by setting deployment_id
# to gatewayd_deployment.next.id and removing the block; remove the block to
# drop the canary.
resource "gatewayd_stage" "shop" {
  rest_api_id   = gatewayd_rest_api.example.id
  stage_name    = "shop"
  deployment_id = gatewayd_deployment.example.id
  variables = {
    backend = "127.0.0.1:3000"
  }

  canary_settings {
    deployment_id            = gatewayd_deployment.next.id
    percent_traffic          = 10
    stage_variable_overrides = { backend = "127.0.0.1:3001" }
    # Optional: the same caller always lands on the same side.
    sticky_header = "X-User-Id"
  }
}

output "invoke_url" {
  value = gatewayd_stage.live.invoke_url
}
