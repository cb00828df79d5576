//go:build generate

// Package tools pins the tools `make docs` runs, in a module of its own so that they do not enter the
// provider's dependency graph.
package tools

import (
	// Documentation generation
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format Terraform code for use in documentation.
//go:generate terraform fmt -recursive ../examples/

// The monitoring guide's template and Grafana dashboard, from gatewayd's metric catalog.
//go:generate go -C .. run ./gatewayd/dataplane/telemetry/monitoringdoc

// Generate documentation.
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name gatewayd
