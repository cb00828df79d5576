# An access key is imported by its id; its secret is not (it is returned only when created).
terraform import gatewayd_iam_access_key.example AKIAABCDEFGHIJKLMNOP
