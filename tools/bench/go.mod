module github.com/gatewayd/terraform-provider-gatewayd/tools/bench

go 1.26.8

require (
	github.com/gatewayd/terraform-provider-gatewayd v0.0.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/valyala/fasthttp v1.69.0
)

require (
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/klauspost/compress v1.20.1 // indirect
	github.com/ohler55/ojg v1.28.5 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
)

replace github.com/gatewayd/terraform-provider-gatewayd => ../..
