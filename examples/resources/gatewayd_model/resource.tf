resource "gatewayd_model" "pet" {
  rest_api_id  = gatewayd_rest_api.example.id
  name         = "Pet"
  description  = "A pet for sale"
  content_type = "application/json"
  schema = jsonencode({
    "$schema" = "http://json-schema.org/draft-04/schema#"
    title     = "Pet"
    type      = "object"
    required  = ["type", "price"]
    properties = {
      type  = { type = "string", enum = ["dog", "cat", "fish"] }
      price = { type = "number", minimum = 0 }
    }
  })
}

# A model refers to another model of the same API by its URL.
resource "gatewayd_model" "pets" {
  rest_api_id = gatewayd_rest_api.example.id
  name        = "Pets"
  schema = jsonencode({
    type  = "array"
    items = { "$ref" = "https://apigateway.amazonaws.com/restapis/${gatewayd_rest_api.example.id}/models/${gatewayd_model.pet.name}" }
  })
}
