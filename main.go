// Command terraform-provider-gatewayd is the Terraform provider of gatewayd.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/gatewayd/terraform-provider-gatewayd/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/gatewayd/gatewayd",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
