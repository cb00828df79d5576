resource "gatewayd_rest_api" "example" {
  name               = "pets"
  description        = "The pet store"
  binary_media_types = ["image/png"]
  tags = {
    team = "platform"
  }
}
