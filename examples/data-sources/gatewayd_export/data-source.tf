# The OpenAPI 3.0 document of what the stage serves, with every API Gateway
# extension: import it into another API, or generate a client SDK from it.
data "gatewayd_export" "example" {
  rest_api_id = gatewayd_stage.prod.rest_api_id
  stage_name  = gatewayd_stage.prod.stage_name
  export_type = "oas30"
  parameters  = { extensions = "apigateway" }
}

output "openapi" {
  value = data.gatewayd_export.example.body
}
