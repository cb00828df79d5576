# A model is imported as REST_API_ID/NAME.
terraform import gatewayd_model.example abc123defg/Pet
