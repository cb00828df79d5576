# Find a domain name managed in another configuration and map a base path of it
# to this configuration's stage.
data "gatewayd_domain_name" "api" {
  domain_name = "api.example.com"
}

resource "gatewayd_base_path_mapping" "orders" {
  domain_name = data.gatewayd_domain_name.api.domain_name
  api_id      = gatewayd_rest_api.orders.id
  stage_name  = gatewayd_stage.prod.stage_name
  base_path   = "orders"
}

# Where the domain's DNS record should point.
output "dns_target" {
  value = data.gatewayd_domain_name.api.regional_domain_name
}
