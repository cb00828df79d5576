# An API key is imported by its ID.
#
# gatewayd keeps only a hash of a key's value and returns the value once, when
# it creates the key, so after import the value is unknown: `value` stays null
# in state. Leave `value` out of the configuration, or set it to the key's own
# value (gatewayd checks it against the hash and refuses any other).
terraform import gatewayd_api_key.example a1b2c3d4e5
