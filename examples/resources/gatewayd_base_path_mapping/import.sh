# A mapping is imported as DOMAIN/BASE_PATH; DOMAIN/ is the empty base path.
terraform import gatewayd_base_path_mapping.v1 api.example.internal/v1
terraform import gatewayd_base_path_mapping.rest api.example.internal/
