# A resource is imported as REST_API_ID/RESOURCE_ID.
terraform import gatewayd_resource.example abc123defg/hij456klmn
