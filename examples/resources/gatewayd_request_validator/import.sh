# A request validator is imported as REST_API_ID/VALIDATOR_ID.
terraform import gatewayd_request_validator.example abc123defg/xyz987wvut
