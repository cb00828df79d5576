# List one customer's keys, for instance to attach each to a usage plan. The
# keys' values are never available here: gatewayd stores them hashed.
data "gatewayd_api_keys" "acme" {
  customer_id = "acme"
}

resource "gatewayd_usage_plan_key" "acme" {
  for_each = { for k in data.gatewayd_api_keys.acme.items : k.id => k if k.enabled }

  key_id        = each.key
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.partners.id
}
