package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Canary settings, as a block of gatewayd_stage (with the canary's deployment_id) and of
// gatewayd_deployment (without: the canary is the new deployment).

var canaryAttrTypes = map[string]attr.Type{
	"deployment_id":            types.StringType,
	"percent_traffic":          types.Float64Type,
	"stage_variable_overrides": types.MapType{ElemType: types.StringType},
	"use_stage_cache":          types.BoolType,
	"sticky_header":            types.StringType,
	"sticky_cookie":            types.StringType,
}

const canaryDescription = "A canary: a share of the stage's requests served by another deployment, as in API Gateway. " +
	"At most one block. Each request is sent to the canary with probability `percent_traffic`/100 (drawn per request from a " +
	"cryptographically seeded generator), unless the canary is sticky. The canary's answers are labelled `canary=\"true\"` " +
	"in the metrics and carry its deployment in the access log (`deploymentId`, `canary`). Removing the block removes the canary."

// canaryAttributes are the block's attributes; withDeployment adds deployment_id (the stage's form).
func canaryAttributes(withDeployment bool) map[string]schema.Attribute {
	attrs := map[string]schema.Attribute{
		"percent_traffic": schema.Float64Attribute{
			MarkdownDescription: "Percentage of the stage's requests the canary serves, 0.0 to 100.0. Defaults to `0`.",
			Optional:            true,
			Computed:            true,
			Default:             float64default.StaticFloat64(0),
			Validators:          []validator.Float64{float64validator.Between(0, 100)},
		},
		"stage_variable_overrides": schema.MapAttribute{
			MarkdownDescription: "Stage variables that the canary's requests see instead of (or besides) the stage's. The stage's own requests never see them. Defaults to `{}`.",
			ElementType:         types.StringType,
			Optional:            true,
			Computed:            true,
			Default:             mapdefault.StaticValue(emptyStringMap()),
			Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(model.StageVariableNamePattern,
				"must be 1 to 64 letters, digits or underscores"))},
		},
		"use_stage_cache": schema.BoolAttribute{
			MarkdownDescription: "Whether the canary's methods are cached in the stage's cache (under keys of the canary's deployment, so " +
				"that neither deployment serves the other's answers). When false the canary's requests are not cached. Defaults to `false`.",
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(false),
		},
		"sticky_header": schema.StringAttribute{
			MarkdownDescription: "Makes the split sticky by this request header (API Gateway has no sticky canaries): every request with " +
				"the same value goes to the same side, and raising `percent_traffic` only moves more values to the canary. Requests " +
				"without the header are split at random. Conflicts with `sticky_cookie`. Defaults to `\"\"` (not sticky).",
			Optional: true,
			Computed: true,
			Default:  stringdefault.StaticString(""),
			Validators: []validator.String{
				stringvalidator.RegexMatches(model.TokenPattern, "must be a header name"),
				stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("sticky_cookie")),
			},
		},
		"sticky_cookie": schema.StringAttribute{
			MarkdownDescription: "Makes the split sticky by this cookie, as `sticky_header` does by a header. Defaults to `\"\"` (not sticky).",
			Optional:            true,
			Computed:            true,
			Default:             stringdefault.StaticString(""),
			Validators:          []validator.String{stringvalidator.RegexMatches(model.TokenPattern, "must be a cookie name")},
		},
	}
	if withDeployment {
		attrs["deployment_id"] = schema.StringAttribute{
			MarkdownDescription: "ID of the deployment the canary serves: any deployment of the API (it is not forced to the stage's, " +
				"the AWS provider's bug #27326).",
			Required: true,
		}
	}
	return attrs
}

func canaryBlock(withDeployment bool, description string) schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: description,
		Validators:          []validator.List{listvalidator.SizeAtMost(1)},
		NestedObject:        schema.NestedBlockObject{Attributes: canaryAttributes(withDeployment)},
	}
}

// canaryDataSourceAttribute is the stage data source's read-only view of the block.
func canaryDataSourceAttribute() dsschema.ListNestedAttribute {
	return dsschema.ListNestedAttribute{
		MarkdownDescription: "The stage's canary, if it has one (at most one element).",
		Computed:            true,
		NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
			"deployment_id":            dsschema.StringAttribute{MarkdownDescription: "Deployment the canary serves.", Computed: true},
			"percent_traffic":          dsschema.Float64Attribute{MarkdownDescription: "Percentage of requests the canary serves.", Computed: true},
			"stage_variable_overrides": dsschema.MapAttribute{MarkdownDescription: "Stage variables the canary's requests see instead.", ElementType: types.StringType, Computed: true},
			"use_stage_cache":          dsschema.BoolAttribute{MarkdownDescription: "Whether the canary uses the stage cache.", Computed: true},
			"sticky_header":            dsschema.StringAttribute{MarkdownDescription: "Header the split is sticky by, if any.", Computed: true},
			"sticky_cookie":            dsschema.StringAttribute{MarkdownDescription: "Cookie the split is sticky by, if any.", Computed: true},
		}},
	}
}

// canaryToAPI reads the block (a list of at most one object, with or without deployment_id); nil when
// it is absent.
func canaryToAPI(ctx context.Context, l types.List, diags *diag.Diagnostics) *model.CanarySettings {
	if l.IsNull() || l.IsUnknown() || len(l.Elements()) == 0 {
		return nil
	}
	obj, ok := l.Elements()[0].(types.Object)
	if !ok {
		diags.AddError("Unexpected Canary Settings Type", fmt.Sprintf("Expected an object, got: %T. Please report this issue to the provider developers.", l.Elements()[0]))
		return nil
	}
	a := obj.Attributes()
	str := func(name string) string {
		v, _ := a[name].(types.String)
		return v.ValueString()
	}
	pct, _ := a["percent_traffic"].(types.Float64)
	cache, _ := a["use_stage_cache"].(types.Bool)
	overrides, _ := a["stage_variable_overrides"].(types.Map)
	return &model.CanarySettings{
		DeploymentID:           str("deployment_id"),
		PercentTraffic:         pct.ValueFloat64(),
		StageVariableOverrides: toStringMap(ctx, overrides, diags),
		UseStageCache:          cache.ValueBool(),
		StickyHeader:           str("sticky_header"),
		StickyCookie:           str("sticky_cookie"),
	}
}

// canaryValue is the block's value for c: null when there is no canary. withDeployment tells whether
// the block has deployment_id (the deployment's form has not).
func canaryValue(c *model.CanarySettings, withDeployment bool) types.List {
	types_ := canaryAttrTypes
	if !withDeployment {
		types_ = deploymentCanaryAttrTypes
	}
	objType := types.ObjectType{AttrTypes: types_}
	if c == nil {
		return types.ListNull(objType)
	}
	vals := map[string]attr.Value{
		"percent_traffic":          types.Float64Value(c.PercentTraffic),
		"stage_variable_overrides": stringMapValue(c.StageVariableOverrides),
		"use_stage_cache":          types.BoolValue(c.UseStageCache),
		"sticky_header":            types.StringValue(c.StickyHeader),
		"sticky_cookie":            types.StringValue(c.StickyCookie),
	}
	if withDeployment {
		vals["deployment_id"] = types.StringValue(c.DeploymentID)
	}
	return types.ListValueMust(objType, []attr.Value{types.ObjectValueMust(types_, vals)})
}

var deploymentCanaryAttrTypes = func() map[string]attr.Type {
	out := map[string]attr.Type{}
	for k, v := range canaryAttrTypes {
		if k != "deployment_id" {
			out[k] = v
		}
	}
	return out
}()

// deploymentCanaryBlock is gatewayd_deployment's canary_settings: the stage form without deployment_id,
// every attribute replacing the deployment when changed.
func deploymentCanaryBlock() schema.ListNestedBlock {
	b := canaryBlock(false, "Makes the new deployment the canary of `stage_name`, with these settings. At most one block. "+
		"Changing it replaces the deployment.")
	b.PlanModifiers = []planmodifier.List{listplanmodifier.RequiresReplace()}
	return b
}
