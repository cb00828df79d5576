# A TOKEN authorizer: a function that gets the Authorization header's token and answers with a
# principal and a policy, as an API Gateway Lambda authorizer does. Any HTTP server speaking the
# Lambda Invoke API serves (examples/backends has one).
resource "gatewayd_authorizer" "token" {
  name                             = "token"
  rest_api_id                      = gatewayd_rest_api.example.id
  authorizer_uri                   = "http://127.0.0.1:3001/2015-03-31/functions/authorizer/invocations"
  identity_validation_expression   = "Bearer [A-Za-z0-9._-]+"
  authorizer_result_ttl_in_seconds = 300
}

# A REQUEST authorizer keyed by a header and a query string parameter.
resource "gatewayd_authorizer" "tenant" {
  name            = "tenant"
  rest_api_id     = gatewayd_rest_api.example.id
  type            = "REQUEST"
  authorizer_uri  = "http://127.0.0.1:3001/2015-03-31/functions/tenant-authorizer/invocations"
  identity_source = "method.request.header.X-Tenant, method.request.querystring.key"
}

# JSON Web Tokens of a Cognito user pool...
resource "gatewayd_authorizer" "cognito" {
  name          = "cognito"
  rest_api_id   = gatewayd_rest_api.example.id
  type          = "COGNITO_USER_POOLS"
  provider_arns = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI"]
}

# ...or of any OpenID Connect issuer (Keycloak, Dex, Auth0, Okta), for the listed client ids.
resource "gatewayd_authorizer" "keycloak" {
  name          = "keycloak"
  rest_api_id   = gatewayd_rest_api.example.id
  type          = "COGNITO_USER_POOLS"
  provider_arns = ["https://sso.example.com/realms/main"]
  audiences     = ["pets-app"]
}

resource "gatewayd_method" "list_pets" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.pets.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = gatewayd_authorizer.token.id
}
