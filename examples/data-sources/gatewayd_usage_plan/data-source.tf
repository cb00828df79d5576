# Find a plan made elsewhere by its name, which must be unique, and attach a
# key to it.
data "gatewayd_usage_plan" "gold" {
  name = "gold"
}

resource "gatewayd_usage_plan_key" "partner_gold" {
  key_id        = gatewayd_api_key.partner.id
  key_type      = "API_KEY"
  usage_plan_id = data.gatewayd_usage_plan.gold.id
}

output "gold_monthly_quota" {
  value = one(data.gatewayd_usage_plan.gold.quota_settings[*].limit)
}
