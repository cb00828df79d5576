resource "gatewayd_iam_access_key" "reporting" {
  user = gatewayd_iam_user.reporting.name
}

# Sign with the key, for example with curl:
#   curl --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$ACCESS_KEY_ID:$SECRET" "$INVOKE_URL/reports"
output "reporting_access_key_id" {
  value = gatewayd_iam_access_key.reporting.id
}

output "reporting_secret" {
  value     = gatewayd_iam_access_key.reporting.secret
  sensitive = true
}
