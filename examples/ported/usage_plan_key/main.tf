# Ported from the AWS provider's documentation: website/docs/r/api_gateway_usage_plan_key.html.markdown
# (hashicorp/terraform-provider-aws at 05389d465b6e), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# Changed beyond the rename: the page elides the API ("# ...") and names its stage
# through aws_api_gateway_deployment.foo.stage_name, a stage the deployment creates. gatewayd_deployment
# does not create stages (its stage_name only names a canary's stage), so the elided part is a MOCK method
# and a gatewayd_stage named "foo", which the usage plan names.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

resource "gatewayd_rest_api" "test" {
  name = "MyDemoAPI"
}

# Added for the page's "# ...": a method, and a stage that serves it.
resource "gatewayd_method" "root" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_rest_api.test.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "root" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_rest_api.test.root_resource_id
  http_method = gatewayd_method.root.http_method
  type        = "MOCK"
}

resource "gatewayd_stage" "foo" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "foo"
  auto_deploy = true
  depends_on  = [gatewayd_integration.root]
}

resource "gatewayd_usage_plan" "myusageplan" {
  name = "my_usage_plan"

  api_stages {
    api_id = gatewayd_rest_api.test.id
    stage  = gatewayd_stage.foo.stage_name
  }
}

resource "gatewayd_api_key" "mykey" {
  name = "my_key"
}

resource "gatewayd_usage_plan_key" "main" {
  key_id        = gatewayd_api_key.mykey.id
  key_type      = "API_KEY"
  usage_plan_id = gatewayd_usage_plan.myusageplan.id
}
