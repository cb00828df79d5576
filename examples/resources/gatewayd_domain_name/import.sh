# A domain name is imported by its name.
terraform import gatewayd_domain_name.api api.example.internal
