# A user policy is imported as USER:POLICY_NAME.
terraform import gatewayd_iam_user_policy.example reporting:read-reports
