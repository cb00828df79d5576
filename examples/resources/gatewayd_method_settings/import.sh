# Method settings are imported as REST_API_ID/STAGE_NAME/METHOD_PATH; the
# method path keeps its slashes.
terraform import gatewayd_method_settings.example 'abc123defg/prod/pets/{petId}/GET'
