resource "gatewayd_rest_api" "guarded" {
  name = "guarded"
  body = jsonencode({
    openapi = "3.0.1"
    info    = { title = "guarded", version = "1.0" }
    components = {
      securitySchemes = {
        # The authorizer is named after its scheme; a token authorizer reads the scheme's header.
        token = {
          type                         = "apiKey"
          name                         = "Authorization"
          in                           = "header"
          x-amazon-apigateway-authtype = "custom"
          x-amazon-apigateway-authorizer = {
            type                         = "token"
            authorizerUri                = "http://127.0.0.1:3001/2015-03-31/functions/authorizer/invocations"
            authorizerResultTtlInSeconds = 300
          }
        }
      }
    }
    # CORS headers on the 401 a caller without a token gets.
    x-amazon-apigateway-gateway-responses = {
      UNAUTHORIZED = {
        responseParameters = {
          "gatewayresponse.header.Access-Control-Allow-Origin" = "'https://app.example'"
        }
      }
    }
    paths = {
      "/pets" = {
        get = {
          security = [{ token = [] }]
          x-amazon-apigateway-integration = {
            type       = "HTTP_PROXY"
            httpMethod = "GET"
            uri        = "http://127.0.0.1:3000/pets"
          }
        }
      }
    }
  })
}
