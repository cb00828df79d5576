resource "gatewayd_account" "this" {
  # Stored so that AWS configurations apply; no meaning in gatewayd.
  cloudwatch_role_arn = "arn:aws:iam::123456789012:role/api-gateway-cloudwatch"

  # gatewayd-specific: the account-level throttle of every stage, replacing
  # the daemon's --account-rate-limit and --account-burst-limit live.
  throttle_rate_limit  = 2000
  throttle_burst_limit = 1000

  # Put the daemon's limits back on destroy.
  reset_on_delete = true
}

output "account_limits" {
  value = gatewayd_account.this.throttle_settings
}
