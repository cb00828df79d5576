# The reporting user may GET anything under /reports on every stage of the API.
resource "gatewayd_iam_user_policy" "reporting" {
  name = "read-reports"
  user = gatewayd_iam_user.reporting.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "execute-api:Invoke"
      Resource = "arn:aws:execute-api:*:*:${gatewayd_rest_api.example.id}/*/GET/reports*"
    }]
  })
}
