package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

// configureClient returns the client the provider configured, or nil before configuration.
func configureClient(providerData any, diags *diag.Diagnostics) *client.Client {
	if providerData == nil {
		return nil
	}
	c, ok := providerData.(*client.Client)
	if !ok {
		diags.Append(diagnostics.UnexpectedConfigure(providerData))
		return nil
	}
	return c
}

// splitImportID splits an import ID into n non-empty parts separated by "/". The last part may itself
// contain "/" when lastMayHaveSlash is set (method settings paths do).
func splitImportID(id string, n int, lastMayHaveSlash bool) ([]string, bool) {
	var parts []string
	if lastMayHaveSlash {
		parts = strings.SplitN(id, "/", n)
	} else {
		parts = strings.Split(id, "/")
	}
	if len(parts) != n || slices.Contains(parts, "") {
		return nil, false
	}
	return parts, true
}

func stringMapValue(m map[string]string) types.Map {
	vals := make(map[string]attr.Value, len(m))
	for k, v := range m {
		vals[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, vals)
}

func boolMapValue(m map[string]bool) types.Map {
	vals := make(map[string]attr.Value, len(m))
	for k, v := range m {
		vals[k] = types.BoolValue(v)
	}
	return types.MapValueMust(types.BoolType, vals)
}

func stringListValue(s []string) types.List {
	vals := make([]attr.Value, 0, len(s))
	for _, v := range s {
		vals = append(vals, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, vals)
}

func stringSetValue(s []string) types.Set {
	vals := make([]attr.Value, 0, len(s))
	for _, v := range s {
		vals = append(vals, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, vals)
}

// toStringMap reads a map attribute; null and unknown read as empty.
func toStringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

func toBoolMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]bool {
	out := map[string]bool{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

func toStrings(ctx context.Context, v interface {
	IsNull() bool
	IsUnknown() bool
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) []string {
	out := []string{}
	if v.IsNull() || v.IsUnknown() {
		return out
	}
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

// readGone handles a read of an object that no longer exists: it leaves state quietly, so that the
// next plan creates the object again. It reports whether err was such a 404.
func readGone(ctx context.Context, err error, resp *resource.ReadResponse) bool {
	if client.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return true
	}
	return false
}

// quotedList renders values as `a`, `b` for descriptions.
func quotedList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "`\"" + v + "\"`"
	}
	return strings.Join(q, ", ")
}

// oneNamed picks the only item called name, for the data sources that look objects up by name: none or
// several is an error on the name attribute. kind names the object in the diagnostics' Title Case
// summaries ("Usage Plan"), noun in their sentences ("usage plan").
func oneNamed[T any](items []T, name, kind, noun string, nameOf, idOf func(T) string, diags *diag.Diagnostics) (T, bool) {
	var found T
	var ids []string
	for _, it := range items {
		if nameOf(it) == name {
			found = it
			ids = append(ids, idOf(it))
		}
	}
	switch len(ids) {
	case 1:
		return found, true
	case 0:
		diags.AddAttributeError(path.Root("name"), "No "+kind+" Found",
			fmt.Sprintf("gatewayd has no %s named %q. Check the name, which is case-sensitive.", noun, name))
	default:
		diags.AddAttributeError(path.Root("name"), "Multiple "+kind+"s Found",
			fmt.Sprintf("gatewayd has %d %ss named %q (ids %s), so the data source cannot choose one. "+
				"Give them distinct names.", len(ids), noun, name, strings.Join(ids, ", ")))
	}
	return found, false
}
