resource "gatewayd_rest_api" "example" {
  name = "pets"
}

# /pets
resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "pets"
}

# /pets/{petId}: path is "/pets/{petId}"
resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_resource.pets.id
  path_part   = "{petId}"
}

# /files/{proxy+}: a greedy parameter matches the rest of the path.
resource "gatewayd_resource" "files" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_rest_api.example.root_resource_id
  path_part   = "files"
}

resource "gatewayd_resource" "file" {
  rest_api_id = gatewayd_rest_api.example.id
  parent_id   = gatewayd_resource.files.id
  path_part   = "{proxy+}"
}

# An existing resource can also be imported with an import block:
#
# import {
#   to = gatewayd_resource.pets
#   id = "abc123defg/hij456klmn" # REST_API_ID/RESOURCE_ID
# }
