resource "gatewayd_rest_api" "petstore" {
  # Set beside body, it wins over info.title.
  name = "petstore"
  body = jsonencode({
    openapi = "3.0.1"
    info    = { title = "PetStore", version = "1.0" }
    paths = {
      "/pets/{petId}" = {
        get = {
          parameters = [{ name = "petId", in = "path", required = true, schema = { type = "string" } }]
          x-amazon-apigateway-integration = {
            type              = "HTTP_PROXY"
            httpMethod        = "GET"
            uri               = "http://127.0.0.1:3000/pets/{petId}"
            requestParameters = { "integration.request.path.petId" = "method.request.path.petId" }
          }
        }
      }
    }
  })
}

# Every change of body is served by this stage after the same apply.
resource "gatewayd_stage" "live" {
  rest_api_id = gatewayd_rest_api.petstore.id
  stage_name  = "live"
  auto_deploy = true
}
