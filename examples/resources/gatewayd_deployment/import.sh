# A deployment is imported as REST_API_ID/DEPLOYMENT_ID.
terraform import gatewayd_deployment.example abc123defg/xyz987wvut
