# A documentation part is imported as REST_API_ID/DOCUMENTATION_PART_ID.
terraform import gatewayd_documentation_part.list_pets abc123defg/xyz987
