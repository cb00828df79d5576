# A key whose value gatewayd generates: 40 random letters and digits, kept
# in state (sensitive) because gatewayd returns it only once.
resource "gatewayd_api_key" "partner" {
  name        = "partner-acme"
  description = "Acme's integration"
  tags = {
    customer = "acme"
  }
}

# A key with a value chosen elsewhere (20 to 128 printable characters).
# Changing the value replaces the key.
resource "gatewayd_api_key" "legacy" {
  name  = "legacy-client"
  value = var.legacy_api_key
}

variable "legacy_api_key" {
  type      = string
  sensitive = true
}

output "partner_api_key" {
  value     = gatewayd_api_key.partner.value
  sensitive = true
}
