data "gatewayd_stage" "prod" {
  rest_api_id = "abc123defg"
  stage_name  = "prod"
}

output "prod_url" {
  value = data.gatewayd_stage.prod.invoke_url
}
