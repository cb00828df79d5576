# Find an authorizer managed in another configuration by its id and protect a
# method with it.
data "gatewayd_authorizer" "tokens" {
  rest_api_id   = var.rest_api_id
  authorizer_id = var.authorizer_id
}

resource "gatewayd_method" "orders" {
  rest_api_id   = var.rest_api_id
  resource_id   = var.orders_resource_id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = data.gatewayd_authorizer.tokens.id
}

output "authorizer_type" {
  value = data.gatewayd_authorizer.tokens.type
}

variable "rest_api_id" {
  type = string
}

variable "authorizer_id" {
  type = string
}

variable "orders_resource_id" {
  type = string
}
