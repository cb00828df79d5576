# A client certificate is imported by its id; its private key stays in gatewayd.
terraform import gatewayd_client_certificate.backend ab3cde
