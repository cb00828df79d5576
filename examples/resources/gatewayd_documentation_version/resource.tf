# A copy of the documentation parts as they are once they are all made.
resource "gatewayd_documentation_version" "v1" {
  rest_api_id = gatewayd_rest_api.example.id
  version     = "1.0.0"
  description = "First published documentation"
  depends_on  = [gatewayd_documentation_part.api, gatewayd_documentation_part.list_pets]
}

# The stage's OpenAPI exports carry that version's parts.
resource "gatewayd_stage" "prod" {
  rest_api_id           = gatewayd_rest_api.example.id
  stage_name            = "prod"
  deployment_id         = gatewayd_deployment.example.id
  documentation_version = gatewayd_documentation_version.v1.version
}
