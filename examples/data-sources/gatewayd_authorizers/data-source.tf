# List the authorizers of an API and look each one up.
data "gatewayd_authorizers" "shop" {
  rest_api_id = var.rest_api_id
}

data "gatewayd_authorizer" "shop" {
  for_each = toset(data.gatewayd_authorizers.shop.ids)

  rest_api_id   = var.rest_api_id
  authorizer_id = each.value
}

variable "rest_api_id" {
  type = string
}

output "authorizer_names" {
  value = [for a in data.gatewayd_authorizer.shop : a.name]
}
