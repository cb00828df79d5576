package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
	"github.com/gatewayd/terraform-provider-gatewayd/provider/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*accountResource)(nil)
	_ resource.ResourceWithImportState    = (*accountResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*accountResource)(nil)
	_ resource.ResourceWithValidateConfig = (*accountResource)(nil)
)

// accountID is the account's one ID, the AWS provider's.
const accountID = "api-gateway-account"

// NewAccountResource returns the gatewayd_account resource.
func NewAccountResource() resource.Resource { return &accountResource{} }

type accountResource struct {
	client *client.Client
}

type accountModel struct {
	ID                 types.String  `tfsdk:"id"`
	CloudwatchRoleARN  types.String  `tfsdk:"cloudwatch_role_arn"`
	ResetOnDelete      types.Bool    `tfsdk:"reset_on_delete"`
	ThrottleRateLimit  types.Float64 `tfsdk:"throttle_rate_limit"`
	ThrottleBurstLimit types.Int64   `tfsdk:"throttle_burst_limit"`
	ThrottleSettings   types.List    `tfsdk:"throttle_settings"`
}

var accountThrottleAttrTypes = map[string]attr.Type{"burst_limit": types.Int64Type, "rate_limit": types.Float64Type}

func (r *accountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_account"
}

func (r *accountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The gateway's account-level settings, as `aws_api_gateway_account`: one per gateway (per cluster of " +
			"nodes sharing a store), which always exists. Creating the resource adopts it; destroying it leaves the settings " +
			"as they are unless `reset_on_delete` is true.\n\n" +
			"**The account throttle.** `throttle_settings` shows the account-level token bucket every request of every stage " +
			"meets last, as API Gateway shows its account limits. They are gatewayd's `--account-rate-limit` and " +
			"`--account-burst-limit` flags, unless `throttle_rate_limit` / `throttle_burst_limit` replace them: these two are " +
			"**gatewayd-specific** (API Gateway's account limits are set by AWS) and change the account throttle of every " +
			"node live, from the next request on, without a restart.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"cloudwatch_role_arn": schema.StringAttribute{
				MarkdownDescription: "Accepted for compatibility, and stored: the ARN of the IAM role API Gateway uses to write " +
					"CloudWatch logs. It has no effect here: gatewayd writes access logs itself (see " +
					"`gatewayd_stage.access_log_settings`) and assumes no role for them. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{validators.IAMRoleARN()},
			},
			"reset_on_delete": schema.BoolAttribute{
				MarkdownDescription: "Whether destroying the resource puts the account back to its defaults: no `cloudwatch_role_arn` " +
					"and the daemon's `--account-*` limits. As in the AWS provider, without it (the default, null) destroying " +
					"leaves the settings as they are.",
				Optional: true,
			},
			"throttle_rate_limit": schema.Float64Attribute{
				MarkdownDescription: "gatewayd-specific: the account's steady rate, requests per second across all stages (above 0), " +
					"replacing `--account-rate-limit` live. Defaults to null: the flag's value (10000 unless set).",
				Optional: true,
			},
			"throttle_burst_limit": schema.Int64Attribute{
				MarkdownDescription: "gatewayd-specific: the account's burst (token bucket size, at least 1), replacing " +
					"`--account-burst-limit` live. Defaults to null: the flag's value (5000 unless set).",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "Always `api-gateway-account`, also the import ID (the AWS provider's).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"throttle_settings": schema.ListNestedAttribute{
				MarkdownDescription: "The account limits in force (one element), as API Gateway shows them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"burst_limit": schema.Int64Attribute{MarkdownDescription: "Burst: the token bucket's size.", Computed: true},
					"rate_limit":  schema.Float64Attribute{MarkdownDescription: "Steady rate, requests per second.", Computed: true},
				}},
			},
		},
	}
}

func (r *accountResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (r *accountResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg accountModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.ThrottleRateLimit.IsNull() || cfg.ThrottleRateLimit.IsUnknown() {
		return
	}
	if v := cfg.ThrottleRateLimit.ValueFloat64(); !(v > 0) {
		resp.Diagnostics.AddAttributeError(path.Root("throttle_rate_limit"), "Invalid Account Rate Limit",
			fmt.Sprintf("Attribute throttle_rate_limit must be a number of requests per second above 0, got %v.", v))
	}
}

// ModifyPlan keeps throttle_settings while the limits set here do not change; when they do, gatewayd
// computes them (a limit left null is the daemon's flag).
func (r *accountResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var plan, state accountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.ThrottleRateLimit.Equal(state.ThrottleRateLimit) && plan.ThrottleBurstLimit.Equal(state.ThrottleBurstLimit) {
		plan.ThrottleSettings = state.ThrottleSettings
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
}

func (m *accountModel) toAPI() model.Account {
	a := model.Account{CloudwatchRoleARN: m.CloudwatchRoleARN.ValueString()}
	if !m.ThrottleRateLimit.IsNull() {
		v := m.ThrottleRateLimit.ValueFloat64()
		a.ThrottleRateLimit = &v
	}
	if !m.ThrottleBurstLimit.IsNull() {
		v := int(m.ThrottleBurstLimit.ValueInt64())
		a.ThrottleBurstLimit = &v
	}
	return a
}

// fromAPI sets the model from the account; reset_on_delete is Terraform's alone.
func (m *accountModel) fromAPI(a model.Account) {
	m.ID = types.StringValue(accountID)
	m.CloudwatchRoleARN = types.StringValue(a.CloudwatchRoleARN)
	m.ThrottleRateLimit = types.Float64Null()
	if a.ThrottleRateLimit != nil {
		m.ThrottleRateLimit = types.Float64Value(*a.ThrottleRateLimit)
	}
	m.ThrottleBurstLimit = types.Int64Null()
	if a.ThrottleBurstLimit != nil {
		m.ThrottleBurstLimit = types.Int64Value(int64(*a.ThrottleBurstLimit))
	}
	m.ThrottleSettings = types.ListValueMust(types.ObjectType{AttrTypes: accountThrottleAttrTypes}, []attr.Value{
		types.ObjectValueMust(accountThrottleAttrTypes, map[string]attr.Value{
			"burst_limit": types.Int64Value(int64(a.ThrottleSettings.BurstLimit)),
			"rate_limit":  types.Float64Value(a.ThrottleSettings.RateLimit),
		}),
	})
}

func (r *accountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan accountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The account always exists: creating the resource adopts it with these settings.
	out, err := r.client.UpdateAccount(ctx, plan.toAPI())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("update the account", err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *accountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state accountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetAccount(ctx)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read the account", err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *accountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state accountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI()
	out, ok := conditionalUpdate[model.Account, accountModel]{
		what: "the account", state: state, plan: plan,
		fromAPI: (*accountModel).fromAPI,
		version: func(a model.Account) int64 { return a.Version },
		put: func(opts ...client.WriteOption) (model.Account, error) {
			return r.client.UpdateAccount(ctx, in, opts...)
		},
		get:    func() (model.Account, error) { return r.client.GetAccount(ctx) },
		ignore: []string{"reset_on_delete", "throttle_settings"},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *accountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state accountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !state.ResetOnDelete.ValueBool() {
		return
	}
	if err := r.client.ResetAccount(ctx); err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("reset the account", err))
	}
}

// ImportState takes api-gateway-account, the AWS provider's ID of the account.
func (r *accountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != accountID {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "the account's one ID", accountID))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
