# An authorizer is imported as REST_API_ID/AUTHORIZER_ID.
terraform import gatewayd_authorizer.example abc123defg/xyz987wvut
