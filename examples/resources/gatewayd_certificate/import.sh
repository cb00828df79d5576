# A certificate is imported by its ARN; an imported certificate's private key is not read back.
terraform import gatewayd_certificate.internal arn:aws:acm:us-east-1:000000000000:certificate/2b1f0c9e-4d6a-4c7e-9a51-0f8e3d2c1b7a
