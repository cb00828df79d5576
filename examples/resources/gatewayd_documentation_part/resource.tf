resource "gatewayd_documentation_part" "api" {
  rest_api_id = gatewayd_rest_api.example.id
  location {
    type = "API"
  }
  properties = jsonencode({
    info = { description = "The pet store." }
  })
}

resource "gatewayd_documentation_part" "list_pets" {
  rest_api_id = gatewayd_rest_api.example.id
  location {
    type   = "METHOD"
    method = "GET"
    path   = "/pets"
  }
  properties = jsonencode({ summary = "Lists the pets." })
}
