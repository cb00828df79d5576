# The account has one ID, as in the AWS provider.
terraform import gatewayd_account.this api-gateway-account
