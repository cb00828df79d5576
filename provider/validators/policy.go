package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

type policyDocument struct{ kind iampolicy.Kind }

// ResourcePolicy checks a REST API's resource policy as gatewayd reads it (an empty string is none).
func ResourcePolicy() validator.String { return policyDocument{iampolicy.Resource} }

// IdentityPolicy checks an IAM user's policy as gatewayd reads it.
func IdentityPolicy() validator.String { return policyDocument{iampolicy.Identity} }

func (policyDocument) Description(context.Context) string {
	return "must be an IAM policy document gatewayd can evaluate"
}

func (v policyDocument) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v policyDocument) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	_, err := iampolicy.Parse([]byte(req.ConfigValue.ValueString()), iampolicy.Options{Kind: v.kind,
		Region: model.DefaultRegion, APIID: "api", AccountID: model.AccountID})
	if err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Policy Document", fmt.Sprintf("The policy at %s cannot be used: %s.", req.Path, err))
	}
}
