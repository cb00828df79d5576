// Command terraform-provider-gatewayd is the Terraform provider of gatewayd.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/gatewayd/terraform-provider-gatewayd/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	if !debug {
		quietSDKLogs(os.LookupEnv, os.Setenv)
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/gatewayd/gatewayd",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// sdkLogVars are the log levels of the plugin SDK's loggers. Unset, each defaults to TRACE.
var sdkLogVars = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"}

// quietSDKLogs turns the plugin SDK's logs off when terraform would throw them away. Unset, the SDK
// logs every RPC at TRACE as JSON on stderr, and terraform parses each line before dropping it unless
// TF_LOG or TF_LOG_PROVIDER is set (terraform passes its environment to the provider). With 1,000
// objects that was a third of a no-change plan's time. A level the user set is kept.
func quietSDKLogs(lookup func(string) (string, bool), set func(string, string) error) {
	if v, _ := lookup("TF_LOG"); v != "" {
		return
	}
	if v, _ := lookup("TF_LOG_PROVIDER"); v != "" {
		return
	}
	for _, k := range sdkLogVars {
		if v, ok := lookup(k); !ok || v == "" {
			_ = set(k, "OFF")
		}
	}
}
