# A VPC link is imported by its id.
terraform import gatewayd_vpc_link.orders a1b2c3d4e5
