# A plan for the stage "prod": 10,000 requests a month per key, counted from
# the 1st (UTC), at 100 requests per second with bursts of 200, and a tighter
# limit on one method. The blocks are the AWS provider's.
resource "gatewayd_usage_plan" "gold" {
  name        = "gold"
  description = "Paying customers"

  api_stages {
    api_id = gatewayd_rest_api.example.id
    stage  = gatewayd_stage.prod.stage_name

    throttle {
      path        = "/pets/{petId}/GET"
      rate_limit  = 10
      burst_limit = 20
    }
  }

  quota_settings {
    limit  = 10000
    offset = 0
    period = "MONTH"
  }

  throttle_settings {
    burst_limit = 200
    rate_limit  = 100
  }
}
