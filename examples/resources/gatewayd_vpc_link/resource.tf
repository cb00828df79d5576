# A pool of three order services. gatewayd balances the requests of every integration that names the
# link, ejects a target that fails 5 requests in a row for 30 s, and checks /healthz every 10 s.
resource "gatewayd_vpc_link" "orders" {
  name        = "orders"
  description = "order service pool"
  target_arns = ["10.0.1.10:8080", "10.0.1.11:8080", "10.0.1.12:8080"]

  # gatewayd-specific (all optional):
  load_balancing_algorithm = "LEAST_REQUESTS"
  health_check_path        = "/healthz"

  tags = {
    team = "orders"
  }
}

# A target may also be a load balancer's ARN, as in API Gateway, when gatewayd's operator maps it to
# addresses: gatewayd serve --vpc-link-targets 'arn:aws:elasticloadbalancing:...:loadbalancer/net/orders/abc=10.0.1.10:8080,10.0.1.11:8080'
resource "gatewayd_vpc_link" "nlb" {
  name        = "orders-nlb"
  target_arns = ["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders/0123456789abcdef"]
}

resource "gatewayd_rest_api" "example" {
  name = "orders"
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_rest_api.example.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

# The uri's host only sets the Host header; the link's targets receive the request.
resource "gatewayd_integration" "get" {
  rest_api_id             = gatewayd_rest_api.example.id
  resource_id             = gatewayd_rest_api.example.root_resource_id
  http_method             = gatewayd_method.get.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://orders.internal/orders"
  connection_type         = "VPC_LINK"
  connection_id           = gatewayd_vpc_link.orders.id
}
