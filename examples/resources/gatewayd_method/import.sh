# A method is imported as REST_API_ID/RESOURCE_ID/HTTP_METHOD.
terraform import gatewayd_method.example abc123defg/hij456klmn/GET
