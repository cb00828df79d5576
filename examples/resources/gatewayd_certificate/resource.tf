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

# Issued by an ACME CA (Let's Encrypt unless gatewayd is started with another --acme-directory-url):
# gatewayd must be started with --acme-accept-tos, and the names' DNS records must point at it.
# `terraform apply` waits until the certificate is ISSUED (or fails with the CA's reason).
resource "gatewayd_certificate" "acme" {
  domain_name               = "api.example.com"
  subject_alternative_names = ["www.api.example.com"]
  validation_method         = "ACME"
}
