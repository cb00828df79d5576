package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// tls_config of gatewayd_integration, as in aws_api_gateway_integration.

var integrationTLSAttrTypes = map[string]attr.Type{"insecure_skip_verification": types.BoolType}

func integrationTLSBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "TLS settings of an `HTTP` or `HTTP_PROXY` integration's https backend; refused with other types. At most " +
			"one block; without it the backend's certificate must be issued by a CA the gatewayd host trusts.",
		Validators: []validator.List{listvalidator.SizeAtMost(1)},
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"insecure_skip_verification": schema.BoolAttribute{
				MarkdownDescription: "Accept a backend certificate that no trusted CA issued (self-signed, or a private CA's). As in API " +
					"Gateway, the certificate must still be valid now and name the backend's host. Defaults to `false`.",
				Optional: true,
			},
		}},
	}
}

func integrationTLSToAPI(l types.List, diags *diag.Diagnostics) *model.IntegrationTLSConfig {
	if l.IsNull() || l.IsUnknown() || len(l.Elements()) == 0 {
		return nil
	}
	obj, ok := l.Elements()[0].(types.Object)
	if !ok {
		diags.AddError("Unexpected TLS Config Type", fmt.Sprintf("Expected an object, got: %T. Please report this issue to the provider developers.", l.Elements()[0]))
		return nil
	}
	skip, _ := obj.Attributes()["insecure_skip_verification"].(types.Bool)
	return &model.IntegrationTLSConfig{InsecureSkipVerification: skip.ValueBool()}
}

func integrationTLSValue(c *model.IntegrationTLSConfig) types.List {
	objType := types.ObjectType{AttrTypes: integrationTLSAttrTypes}
	if c == nil {
		return types.ListNull(objType)
	}
	return types.ListValueMust(objType, []attr.Value{types.ObjectValueMust(integrationTLSAttrTypes, map[string]attr.Value{
		"insecure_skip_verification": types.BoolValue(c.InsecureSkipVerification),
	})})
}
