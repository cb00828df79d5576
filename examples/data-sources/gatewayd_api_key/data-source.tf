# Look up a key by its ID. Its value is never available here: gatewayd returns
# it only to the gatewayd_api_key that creates the key.
data "gatewayd_api_key" "partner" {
  id = var.partner_key_id
}

variable "partner_key_id" {
  type = string
}

output "partner_key_enabled" {
  value = data.gatewayd_api_key.partner.enabled
}
