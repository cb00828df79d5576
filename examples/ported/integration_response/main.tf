# Ported from the AWS provider's documentation: website/docs/r/api_gateway_integration_response.html.markdown
# (hashicorp/terraform-provider-aws at 0714b2274718), Example Usage, with aws_api_gateway_ renamed to
# gatewayd_.
# A stage is added so that the method can be called.

terraform {
  required_providers {
    # Every module that uses gatewayd_* resources declares this itself: without it Terraform looks for
    # hashicorp/gatewayd, which does not exist ("could not be found" at terraform init).
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

# The endpoint and token come from GATEWAYD_ENDPOINT and GATEWAYD_TOKEN.
provider "gatewayd" {}

resource "gatewayd_rest_api" "MyDemoAPI" {
  name        = "MyDemoAPI"
  description = "This is my API for demonstration purposes"
}

resource "gatewayd_resource" "MyDemoResource" {
  rest_api_id = gatewayd_rest_api.MyDemoAPI.id
  parent_id   = gatewayd_rest_api.MyDemoAPI.root_resource_id
  path_part   = "mydemoresource"
}

resource "gatewayd_method" "MyDemoMethod" {
  rest_api_id   = gatewayd_rest_api.MyDemoAPI.id
  resource_id   = gatewayd_resource.MyDemoResource.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "MyDemoIntegration" {
  rest_api_id = gatewayd_rest_api.MyDemoAPI.id
  resource_id = gatewayd_resource.MyDemoResource.id
  http_method = gatewayd_method.MyDemoMethod.http_method
  type        = "MOCK"
}

resource "gatewayd_method_response" "response_200" {
  rest_api_id = gatewayd_rest_api.MyDemoAPI.id
  resource_id = gatewayd_resource.MyDemoResource.id
  http_method = gatewayd_method.MyDemoMethod.http_method
  status_code = "200"
}

resource "gatewayd_integration_response" "MyDemoIntegrationResponse" {
  rest_api_id = gatewayd_rest_api.MyDemoAPI.id
  resource_id = gatewayd_resource.MyDemoResource.id
  http_method = gatewayd_method.MyDemoMethod.http_method
  status_code = gatewayd_method_response.response_200.status_code

  # Transforms the backend JSON response to XML
  response_templates = {
    "application/xml" = <<EOF
#set($inputRoot = $input.path('$'))
<?xml version="1.0" encoding="UTF-8"?>
<message>
    $inputRoot.body
</message>
EOF
  }
}

# Added: a stage that serves the API.
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.MyDemoAPI.id
  stage_name  = "test"
  auto_deploy = true
  depends_on  = [gatewayd_integration_response.MyDemoIntegrationResponse]
}
