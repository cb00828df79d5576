# A stage is imported as REST_API_ID/STAGE_NAME.
terraform import gatewayd_stage.example abc123defg/prod
