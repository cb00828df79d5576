# An integration is imported as REST_API_ID/RESOURCE_ID/HTTP_METHOD.
terraform import gatewayd_integration.example abc123defg/hij456klmn/GET
