package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

type iamRoleARN struct{}

// IAMRoleARN checks the ARN of a role gatewayd assumes (an empty string is none), with the admin API's rule.
func IAMRoleARN() validator.String { return iamRoleARN{} }

func (iamRoleARN) Description(context.Context) string {
	return "must be an IAM role ARN, arn:aws:iam::ACCOUNT_ID:role/NAME"
}

func (v iamRoleARN) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (iamRoleARN) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	if err := model.ValidateIAMRoleARN(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IAM Role ARN", fmt.Sprintf("Attribute %s %s.", req.Path, err))
	}
}
