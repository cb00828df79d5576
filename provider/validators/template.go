// Package validators holds the provider's attribute validators that check gatewayd's own rules at plan
// time, with the same code gatewayd runs, so that a mistake fails before an apply starts.
package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

type mappingTemplate struct{}

// MappingTemplate checks a mapping template's syntax (Velocity, as gatewayd parses it): an error names
// the line and the column.
func MappingTemplate() validator.String { return mappingTemplate{} }

func (mappingTemplate) Description(ctx context.Context) string {
	return "must be a valid mapping template"
}

func (v mappingTemplate) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (mappingTemplate) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := vtl.Parse(req.Path.String(), req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Mapping Template",
			fmt.Sprintf("The mapping template at %s does not parse: %s.", req.Path, err))
	}
}
