# A REST API is imported by its ID.
terraform import gatewayd_rest_api.example abc123defg
