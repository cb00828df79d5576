// Package planmodifiers holds the provider's own plan modifiers.
package planmodifiers

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
)

// UseStateUnlessChanged returns a plan modifier that keeps a computed string's prior state value
// unless one of the given sibling attributes changes; then the value stays unknown, because the
// server derives it from them (a resource's path from its parent and path part).
func UseStateUnlessChanged(attrs ...path.Path) planmodifier.String {
	return useStateUnlessChanged{attrs: attrs}
}

type useStateUnlessChanged struct {
	attrs []path.Path
}

func (m useStateUnlessChanged) names() string {
	names := make([]string, len(m.attrs))
	for i, p := range m.attrs {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

func (m useStateUnlessChanged) Description(_ context.Context) string {
	return fmt.Sprintf("Once set, the value does not change unless one of %s changes.", m.names())
}

func (m useStateUnlessChanged) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m useStateUnlessChanged) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	// Nothing to keep on create, and nothing to do when the plan already knows the value or the
	// configuration leaves it unknown.
	if req.StateValue.IsNull() || !req.PlanValue.IsUnknown() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, p := range m.attrs {
		var planned, prior attr.Value
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, p, &planned)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, p, &prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if !planned.Equal(prior) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}
