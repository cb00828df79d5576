# An IAM user is imported by its name.
terraform import gatewayd_iam_user.example reporting
