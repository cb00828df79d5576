# A usage plan is imported by its ID.
terraform import gatewayd_usage_plan.example a1b2c3d4e5
