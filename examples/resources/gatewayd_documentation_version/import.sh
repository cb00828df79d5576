# A documentation version is imported as REST_API_ID/VERSION.
terraform import gatewayd_documentation_version.v1 abc123defg/1.0.0
