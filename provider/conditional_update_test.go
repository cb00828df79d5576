package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestSameAttributes(t *testing.T) {
	scopes := func(s ...string) types.Set {
		vs := make([]attr.Value, 0, len(s))
		for _, v := range s {
			vs = append(vs, types.StringValue(v))
		}
		return types.SetValueMust(types.StringType, vs)
	}
	base := methodModel{ID: types.StringValue("a/b/GET"), Authorization: types.StringValue("NONE"), AuthorizationScopes: scopes("x", "y")}
	for name, tc := range map[string]struct {
		want, got func(m *methodModel)
		ignore    []string
		same      bool
	}{
		"equal":                {func(*methodModel) {}, func(*methodModel) {}, nil, true},
		"changed":              {func(*methodModel) {}, func(m *methodModel) { m.Authorization = types.StringValue("CUSTOM") }, nil, false},
		"changed but ignored":  {func(*methodModel) {}, func(m *methodModel) { m.Authorization = types.StringValue("CUSTOM") }, []string{"authorization"}, true},
		"set in another order": {func(*methodModel) {}, func(m *methodModel) { m.AuthorizationScopes = scopes("y", "x") }, nil, true},
		"set changed":          {func(*methodModel) {}, func(m *methodModel) { m.AuthorizationScopes = scopes("x") }, nil, false},
		"unknown wanted":       {func(m *methodModel) { m.Authorization = types.StringUnknown() }, func(m *methodModel) { m.Authorization = types.StringValue("CUSTOM") }, nil, true},
		"unknown got":          {func(*methodModel) {}, func(m *methodModel) { m.Authorization = types.StringUnknown() }, nil, false},
		"null against value":   {func(m *methodModel) { m.OperationName = types.StringNull() }, func(m *methodModel) { m.OperationName = types.StringValue("op") }, nil, false},
	} {
		t.Run(name, func(t *testing.T) {
			want, got := base, base
			tc.want(&want)
			tc.got(&got)
			if same := sameAttributes(&want, &got, tc.ignore); same != tc.same {
				t.Errorf("sameAttributes = %t, want %t", same, tc.same)
			}
		})
	}
}
