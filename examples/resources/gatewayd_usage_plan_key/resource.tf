resource "gatewayd_api_key" "partner" {
  name = "partner-acme"
}

# The key may now call the plan's stages, metered and limited by the plan.
resource "gatewayd_usage_plan_key" "partner_gold" {
  key_id        = gatewayd_api_key.partner.id
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.gold.id
}
