# A usage plan key is imported as USAGE_PLAN_ID/KEY_ID.
terraform import gatewayd_usage_plan_key.example a1b2c3d4e5/f6g7h8i9j0
