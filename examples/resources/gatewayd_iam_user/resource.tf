# An identity that calls AWS_IAM methods with SigV4-signed requests.
resource "gatewayd_iam_user" "reporting" {
  name = "reporting"
  path = "/services/"
  tags = { team = "data" }
}
