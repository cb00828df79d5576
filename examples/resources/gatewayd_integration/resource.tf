resource "gatewayd_rest_api" "example" {
  name = "pets"
}

resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "{petId}"
}

resource "gatewayd_method" "get_pet" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.pet.id
  http_method   = "GET"
  authorization = "NONE"
  request_parameters = {
    "method.request.path.petId" = true
  }
}

# GET /{petId} is passed through to the backend named by the stage variable
# "backend" ($${...} keeps Terraform from interpolating it).
resource "gatewayd_integration" "get_pet" {
  rest_api_id             = gatewayd_rest_api.example.id
  resource_id             = gatewayd_resource.pet.id
  http_method             = gatewayd_method.get_pet.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "http://$${stageVariables.backend}/pets/{id}"
  timeout_milliseconds    = 5000
  request_parameters = {
    "integration.request.path.id" = "method.request.path.petId"
  }
  cache_key_parameters = ["method.request.path.petId"]
}

resource "gatewayd_method" "put_pet" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.pet.id
  http_method   = "PUT"
  authorization = "NONE"
}

# PUT /{petId} writes the body to DynamoDB, signed with the credentials of a role
# gatewayd assumes (--aws-endpoint-url-dynamodb points it at a local DynamoDB).
resource "gatewayd_integration" "put_pet" {
  rest_api_id             = gatewayd_rest_api.example.id
  resource_id             = gatewayd_resource.pet.id
  http_method             = gatewayd_method.put_pet.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
  credentials             = "arn:aws:iam::123456789012:role/pets-writer"
  request_templates = {
    "application/json" = jsonencode({
      TableName = "pets"
      Item = {
        id   = { S = "$input.params('petId')" }
        name = { S = "$input.path('$.name')" }
      }
    })
  }
}

resource "gatewayd_method" "delete_pet" {
  rest_api_id   = gatewayd_rest_api.example.id
  resource_id   = gatewayd_resource.pet.id
  http_method   = "DELETE"
  authorization = "NONE"
}

# DELETE /{petId} invokes a Lambda function by its ARN, as written for AWS
# (aws_lambda_function.x.invoke_arn).
resource "gatewayd_integration" "delete_pet" {
  rest_api_id             = gatewayd_rest_api.example.id
  resource_id             = gatewayd_resource.pet.id
  http_method             = gatewayd_method.delete_pet.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:delete-pet/invocations"
}
