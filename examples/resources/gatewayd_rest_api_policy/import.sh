# A resource policy is imported by its REST API's id.
terraform import gatewayd_rest_api_policy.example abc123defg
