# A method response is imported as REST_API_ID/RESOURCE_ID/HTTP_METHOD/STATUS_CODE.
terraform import gatewayd_method_response.example abc123defg/hij456klmn/GET/200
