# gatewayd generates the key pair and a self-signed certificate; the key never
# leaves gatewayd.
resource "gatewayd_client_certificate" "backend" {
  description = "gatewayd towards the orders service"
}

# The stage presents it to https backends that ask for a client certificate.
resource "gatewayd_stage" "prod" {
  rest_api_id           = gatewayd_rest_api.example.id
  stage_name            = "prod"
  deployment_id         = gatewayd_deployment.example.id
  client_certificate_id = gatewayd_client_certificate.backend.id
}

# The backend trusts this PEM (for example nginx's ssl_client_certificate).
output "client_certificate_pem" {
  value = gatewayd_client_certificate.backend.pem_encoded_certificate
}
