resource "gatewayd_certificate" "api" {
  domain_name       = "api.example.internal"
  validation_method = "INTERNAL"
}

resource "gatewayd_domain_name" "api" {
  domain_name              = "api.example.internal"
  regional_certificate_arn = gatewayd_certificate.api.arn
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  # Optional: only clients with a certificate signed by these CAs get through the handshake.
  mutual_tls_authentication {
    truststore_uri     = "file:///etc/gatewayd/clients-ca.pem"
    truststore_version = "2026-12"
  }
}
