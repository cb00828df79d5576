# A gateway response is imported as REST_API_ID/RESPONSE_TYPE.
terraform import gatewayd_gateway_response.example abc123defg/UNAUTHORIZED
