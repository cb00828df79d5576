# Issued by gatewayd's own CA: clients trust the root that `GET /v1/ca/certificate` serves.
resource "gatewayd_certificate" "internal" {
  domain_name               = "api.example.internal"
  subject_alternative_names = ["www.api.example.internal"]
  validation_method         = "INTERNAL"
}

# Imported: a certificate and its key from elsewhere (a file, the tls provider, a vault).
resource "gatewayd_certificate" "imported" {
  certificate_body  = file("certs/api.example.com.pem")
  certificate_chain = file("certs/intermediate.pem")
  private_key       = file("certs/api.example.com-key.pem")
}
