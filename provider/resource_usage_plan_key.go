package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure   = (*usagePlanKeyResource)(nil)
	_ resource.ResourceWithImportState = (*usagePlanKeyResource)(nil)
)

// usagePlanKeyTypes are the accepted key types; gatewayd has API keys only.
var usagePlanKeyTypes = []string{"API_KEY"}

// NewUsagePlanKeyResource returns the gatewayd_usage_plan_key resource.
func NewUsagePlanKeyResource() resource.Resource { return &usagePlanKeyResource{} }

type usagePlanKeyResource struct {
	client *client.Client
}

type usagePlanKeyModel struct {
	ID          types.String `tfsdk:"id"`
	KeyID       types.String `tfsdk:"key_id"`
	KeyType     types.String `tfsdk:"key_type"`
	UsagePlanID types.String `tfsdk:"usage_plan_id"`
	Name        types.String `tfsdk:"name"`
	Value       types.String `tfsdk:"value"`
}

func (r *usagePlanKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_usage_plan_key"
}

func (r *usagePlanKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Attaches a `gatewayd_api_key` to a `gatewayd_usage_plan`: the key may then call the plan's API stages, " +
			"metered and limited by the plan. Deleting the key or the plan detaches it. " +
			"Every attribute replaces the attachment when it changes.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"key_id": schema.StringAttribute{
				MarkdownDescription: "ID of the API key. Changing it replaces the attachment.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"usage_plan_id": schema.StringAttribute{
				MarkdownDescription: "ID of the usage plan. Changing it replaces the attachment.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional attributes
			"key_type": schema.StringAttribute{
				MarkdownDescription: "Type of the key: only `API_KEY`. Changing it replaces the attachment. Defaults to `\"API_KEY\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("API_KEY"),
				Validators:          []validator.String{stringvalidator.OneOf(usagePlanKeyTypes...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`USAGE_PLAN_ID/KEY_ID`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the API key, read from the key (a renamed key shows here at the next refresh).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "Always null: gatewayd returns a key's value only when it creates the key, so read it from the " +
					"`gatewayd_api_key`'s `value` instead. Kept so that configurations ported from the AWS provider that mention it still plan.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *usagePlanKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *usagePlanKeyModel) fromAPI(k model.UsagePlanKey) {
	m.ID = types.StringValue(k.UsagePlanID + "/" + k.KeyID)
	m.KeyID = types.StringValue(k.KeyID)
	m.KeyType = types.StringValue(k.KeyType)
	m.UsagePlanID = types.StringValue(k.UsagePlanID)
	m.Name = types.StringValue(k.Name)
	m.Value = types.StringNull()
}

func (r *usagePlanKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan usagePlanKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planID, keyID := plan.UsagePlanID.ValueString(), plan.KeyID.ValueString()
	out, err := r.client.CreateUsagePlanKey(ctx, planID, keyID, plan.KeyType.ValueString())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("attach api key "+keyID+" to usage plan "+planID, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *usagePlanKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state usagePlanKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetUsagePlanKey(ctx, state.UsagePlanID.ValueString(), state.KeyID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read usage plan key "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never planned: every configurable attribute replaces the attachment. It rereads it.
func (r *usagePlanKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan usagePlanKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetUsagePlanKey(ctx, plan.UsagePlanID.ValueString(), plan.KeyID.ValueString())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read usage plan key "+plan.ID.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *usagePlanKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state usagePlanKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteUsagePlanKey(ctx, state.UsagePlanID.ValueString(), state.KeyID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("detach usage plan key "+state.ID.ValueString(), err))
	}
}

func (r *usagePlanKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "USAGE_PLAN_ID/KEY_ID", "a1b2c3d4e5/f6g7h8i9j0"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("usage_plan_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("key_id"), parts[1])...)
}
