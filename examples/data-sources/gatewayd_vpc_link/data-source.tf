# Find a VPC link managed in another configuration by its name, which must be
# unique, and send an integration through it.
data "gatewayd_vpc_link" "orders" {
  name = "orders"
}

resource "gatewayd_integration" "orders" {
  rest_api_id             = gatewayd_rest_api.shop.id
  resource_id             = gatewayd_resource.orders.id
  http_method             = gatewayd_method.orders.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://orders.internal/orders"
  connection_type         = "VPC_LINK"
  connection_id           = data.gatewayd_vpc_link.orders.id
}
