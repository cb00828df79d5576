package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
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
	_ resource.ResourceWithConfigure      = (*usagePlanResource)(nil)
	_ resource.ResourceWithImportState    = (*usagePlanResource)(nil)
	_ resource.ResourceWithValidateConfig = (*usagePlanResource)(nil)
)

// These mirror gatewayd/model's validation of usage plans so that mistakes fail at plan time.
var (
	// usagePlanMaxOffset is the largest quota offset of each period.
	usagePlanMaxOffset = map[string]int64{model.PeriodDay: 0, model.PeriodWeek: 6, model.PeriodMonth: 27}
)

// NewUsagePlanResource returns the gatewayd_usage_plan resource.
func NewUsagePlanResource() resource.Resource { return &usagePlanResource{} }

type usagePlanResource struct {
	client *client.Client
}

type usagePlanModel struct {
	ID          types.String `tfsdk:"id"`
	ARN         types.String `tfsdk:"arn"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	ProductCode types.String `tfsdk:"product_code"`
	Tags        types.Map    `tfsdk:"tags"`
	APIStages   types.Set    `tfsdk:"api_stages"`
	Quota       types.List   `tfsdk:"quota_settings"`
	Throttle    types.List   `tfsdk:"throttle_settings"`
}

// The nested objects, shared with the gatewayd_usage_plan data source.
type usagePlanStageModel struct {
	APIID    types.String `tfsdk:"api_id"`
	Stage    types.String `tfsdk:"stage"`
	Throttle types.Set    `tfsdk:"throttle"`
}

type usagePlanMethodThrottleModel struct {
	Path       types.String  `tfsdk:"path"`
	RateLimit  types.Float64 `tfsdk:"rate_limit"`
	BurstLimit types.Int64   `tfsdk:"burst_limit"`
}

type usagePlanQuotaModel struct {
	Limit  types.Int64  `tfsdk:"limit"`
	Period types.String `tfsdk:"period"`
	Offset types.Int64  `tfsdk:"offset"`
}

type usagePlanThrottleModel struct {
	RateLimit  types.Float64 `tfsdk:"rate_limit"`
	BurstLimit types.Int64   `tfsdk:"burst_limit"`
}

var (
	usagePlanMethodThrottleType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"path": types.StringType, "rate_limit": types.Float64Type, "burst_limit": types.Int64Type}}
	usagePlanStageType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"api_id": types.StringType, "stage": types.StringType, "throttle": types.SetType{ElemType: usagePlanMethodThrottleType}}}
	usagePlanQuotaType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"limit": types.Int64Type, "period": types.StringType, "offset": types.Int64Type}}
	usagePlanThrottleType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"rate_limit": types.Float64Type, "burst_limit": types.Int64Type}}
)

func (r *usagePlanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_usage_plan"
}

// usagePlanRateAttr and usagePlanBurstAttr are a token bucket's two numbers, optional with 0 as the AWS
// provider has them.
func usagePlanRateAttr(what string) schema.Float64Attribute {
	return schema.Float64Attribute{
		MarkdownDescription: "Steady-state rate " + what + ", in requests per second (a token bucket's refill rate). Defaults to `0`.",
		Optional:            true,
		Computed:            true,
		Default:             float64default.StaticFloat64(0),
		Validators:          []validator.Float64{float64validator.AtLeast(0)},
	}
}

func usagePlanBurstAttr(what string) schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: "Burst " + what + ": how many requests may arrive at once (a token bucket's size). " +
			"With `0`, no request is admitted. Defaults to `0`.",
		Optional:   true,
		Computed:   true,
		Default:    int64default.StaticInt64(0),
		Validators: []validator.Int64{int64validator.AtLeast(0)},
	}
}

func (r *usagePlanResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A usage plan meters and limits the API keys attached to it (with `gatewayd_usage_plan_key`) on the API stages it lists. " +
			"Limits apply in this order, each a token bucket: the plan's per-method `api_stages.throttle`, the plan's `throttle_settings`, " +
			"the stage's `gatewayd_method_settings`, then the account limit; `quota_settings` caps the requests of each key per period. " +
			"A throttled request gets `429 {\"message\":\"Too Many Requests\"}`, one over quota `429 {\"message\":\"Limit Exceeded\"}`. " +
			"A changed limit applies to the next request without resetting quota counts.\n\n" +
			"The blocks are the AWS provider's (`api_stages`, `quota_settings`, `throttle_settings`), so its configurations work unchanged; " +
			"`api_stages` is a set, so their order never causes a diff.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the plan, 1 to 1024 characters.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the plan. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"product_code": schema.StringAttribute{
				MarkdownDescription: "Accepted for compatibility, and stored: the AWS Marketplace product of the plan, as in API " +
					"Gateway. It has no effect here: gatewayd sells through no marketplace. Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(emptyStringMap()),
			},
			// Computed attributes
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the plan, `arn:aws:apigateway:REGION::/usageplans/ID` (REGION is gatewayd's `--region`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the plan, also its import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"api_stages": schema.SetNestedBlock{
				MarkdownDescription: "A stage of an API the plan applies to; one block per stage, in any order. The stage must exist: " +
					"reference the `gatewayd_stage` so that it is created first. Deleting the stage removes it from the plan. Defaults to none.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"api_id": schema.StringAttribute{
							MarkdownDescription: "ID of the REST API.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
						},
						"stage": schema.StringAttribute{
							MarkdownDescription: "Name of the stage.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
						},
					},
					Blocks: map[string]schema.Block{
						"throttle": schema.SetNestedBlock{
							MarkdownDescription: "A limit of the plan for one method of the stage, applied before `throttle_settings`. Defaults to none.",
							NestedObject: schema.NestedBlockObject{
								Attributes: map[string]schema.Attribute{
									"path": schema.StringAttribute{
										MarkdownDescription: "The method: `/RESOURCE_PATH/HTTP_METHOD`, such as `/pets/{petId}/GET`; `*` as the verb matches every verb.",
										Required:            true,
										Validators: []validator.String{stringvalidator.RegexMatches(model.PlanMethodPathPattern,
											"must look like /resource/path/VERB (e.g. /pets/{petId}/GET)")},
									},
									"rate_limit":  usagePlanRateAttr("of the method"),
									"burst_limit": usagePlanBurstAttr("of the method"),
								},
							},
						},
					},
				},
			},
			"quota_settings": schema.ListNestedBlock{
				MarkdownDescription: "How many requests each key may make per period (in UTC). At most one block; without it there is no quota.",
				Validators:          []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"limit": schema.Int64Attribute{
							MarkdownDescription: "Requests each key may make per period.",
							Required:            true,
							Validators:          []validator.Int64{int64validator.AtLeast(0)},
						},
						"period": schema.StringAttribute{
							MarkdownDescription: "The period: `DAY`, `WEEK` or `MONTH`, in UTC.",
							Required:            true,
							Validators:          []validator.String{stringvalidator.OneOf(model.QuotaPeriods...)},
						},
						"offset": schema.Int64Attribute{
							MarkdownDescription: "Shifts the start of the period: `0` for `DAY`; the weekday for `WEEK` (`0` = Sunday to `6` = Saturday); " +
								"the day of the month less one for `MONTH` (`0` to `27`). Defaults to `0`.",
							Optional:   true,
							Computed:   true,
							Default:    int64default.StaticInt64(0),
							Validators: []validator.Int64{int64validator.Between(0, 27)},
						},
					},
				},
			},
			"throttle_settings": schema.ListNestedBlock{
				MarkdownDescription: "The plan's token bucket for each key, over all its stages. At most one block; without it the plan does not throttle.",
				Validators:          []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"rate_limit":  usagePlanRateAttr("of each key"),
						"burst_limit": usagePlanBurstAttr("of each key"),
					},
				},
			},
		},
	}
}

func (r *usagePlanResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks, before anything is sent, the quota offset against its period and that no stage
// or method path is listed twice.
func (r *usagePlanResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg usagePlanModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.Quota.IsNull() && !cfg.Quota.IsUnknown() {
		var quotas []usagePlanQuotaModel
		resp.Diagnostics.Append(cfg.Quota.ElementsAs(ctx, &quotas, false)...)
		for i, q := range quotas {
			if q.Period.IsNull() || q.Period.IsUnknown() || q.Offset.IsNull() || q.Offset.IsUnknown() {
				continue
			}
			max, ok := usagePlanMaxOffset[q.Period.ValueString()]
			if off := q.Offset.ValueInt64(); ok && (off < 0 || off > max) {
				resp.Diagnostics.AddAttributeError(path.Root("quota_settings").AtListIndex(i).AtName("offset"), "Invalid Quota Offset",
					fmt.Sprintf("Attribute quota_settings.offset must be between 0 and %d for period %s, got %d. "+
						"DAY takes 0, WEEK the weekday (0 = Sunday to 6 = Saturday), MONTH the day of the month less one (0 to 27).",
						max, q.Period.ValueString(), off))
			}
		}
	}
	if cfg.APIStages.IsNull() || cfg.APIStages.IsUnknown() {
		return
	}
	var stages []usagePlanStageModel
	resp.Diagnostics.Append(cfg.APIStages.ElementsAs(ctx, &stages, false)...)
	seen := map[string]bool{}
	for _, st := range stages {
		if st.APIID.IsUnknown() || st.Stage.IsUnknown() || st.APIID.IsNull() || st.Stage.IsNull() {
			continue
		}
		key := st.APIID.ValueString() + "/" + st.Stage.ValueString()
		if seen[key] {
			resp.Diagnostics.AddAttributeError(path.Root("api_stages"), "Duplicate Usage Plan Stage",
				fmt.Sprintf("Block api_stages lists stage %q of API %q twice; give each stage one block, with all its throttle blocks.",
					st.Stage.ValueString(), st.APIID.ValueString()))
		}
		seen[key] = true
		if st.Throttle.IsNull() || st.Throttle.IsUnknown() {
			continue
		}
		var throttles []usagePlanMethodThrottleModel
		resp.Diagnostics.Append(st.Throttle.ElementsAs(ctx, &throttles, false)...)
		paths := map[string]bool{}
		for _, t := range throttles {
			if t.Path.IsNull() || t.Path.IsUnknown() {
				continue
			}
			if paths[t.Path.ValueString()] {
				resp.Diagnostics.AddAttributeError(path.Root("api_stages"), "Duplicate Usage Plan Throttle Path",
					fmt.Sprintf("The throttle blocks of stage %q list path %q twice; give each method one throttle block.",
						st.Stage.ValueString(), t.Path.ValueString()))
			}
			paths[t.Path.ValueString()] = true
		}
	}
}

func (m *usagePlanModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.UsagePlan {
	p := model.UsagePlan{
		Name:        m.Name.ValueString(),
		Description: m.Description.ValueString(),
		ProductCode: m.ProductCode.ValueString(),
		Tags:        toStringMap(ctx, m.Tags, diags),
		APIStages:   []model.UsagePlanStage{},
	}
	if !m.Throttle.IsNull() && !m.Throttle.IsUnknown() {
		var ts []usagePlanThrottleModel
		diags.Append(m.Throttle.ElementsAs(ctx, &ts, false)...)
		if len(ts) > 0 {
			p.Throttle = &model.ThrottleSettings{RateLimit: ts[0].RateLimit.ValueFloat64(), BurstLimit: int(ts[0].BurstLimit.ValueInt64())}
		}
	}
	if !m.Quota.IsNull() && !m.Quota.IsUnknown() {
		var qs []usagePlanQuotaModel
		diags.Append(m.Quota.ElementsAs(ctx, &qs, false)...)
		if len(qs) > 0 {
			p.Quota = &model.QuotaSettings{Limit: qs[0].Limit.ValueInt64(), Period: qs[0].Period.ValueString(), Offset: int(qs[0].Offset.ValueInt64())}
		}
	}
	if !m.APIStages.IsNull() && !m.APIStages.IsUnknown() {
		var stages []usagePlanStageModel
		diags.Append(m.APIStages.ElementsAs(ctx, &stages, false)...)
		for _, st := range stages {
			out := model.UsagePlanStage{APIID: st.APIID.ValueString(), Stage: st.Stage.ValueString(), Throttle: []model.MethodThrottle{}}
			if !st.Throttle.IsNull() && !st.Throttle.IsUnknown() {
				var ts []usagePlanMethodThrottleModel
				diags.Append(st.Throttle.ElementsAs(ctx, &ts, false)...)
				for _, t := range ts {
					out.Throttle = append(out.Throttle, model.MethodThrottle{Path: t.Path.ValueString(),
						RateLimit: t.RateLimit.ValueFloat64(), BurstLimit: int(t.BurstLimit.ValueInt64())})
				}
			}
			p.APIStages = append(p.APIStages, out)
		}
	}
	return p
}

// usagePlanBlockValues turns a plan's throttle, quota and stages into the values of the resource's
// blocks and the data source's nested attributes. Nil settings become empty lists: no block.
func usagePlanBlockValues(p model.UsagePlan) (throttle, quota types.List, stages types.Set) {
	var tv, qv []attr.Value
	if p.Throttle != nil {
		tv = append(tv, types.ObjectValueMust(usagePlanThrottleType.AttrTypes, map[string]attr.Value{
			"rate_limit": types.Float64Value(p.Throttle.RateLimit), "burst_limit": types.Int64Value(int64(p.Throttle.BurstLimit))}))
	}
	if p.Quota != nil {
		qv = append(qv, types.ObjectValueMust(usagePlanQuotaType.AttrTypes, map[string]attr.Value{
			"limit": types.Int64Value(p.Quota.Limit), "period": types.StringValue(p.Quota.Period), "offset": types.Int64Value(int64(p.Quota.Offset))}))
	}
	sv := make([]attr.Value, 0, len(p.APIStages))
	for _, st := range p.APIStages {
		mv := make([]attr.Value, 0, len(st.Throttle))
		for _, t := range st.Throttle {
			mv = append(mv, types.ObjectValueMust(usagePlanMethodThrottleType.AttrTypes, map[string]attr.Value{
				"path": types.StringValue(t.Path), "rate_limit": types.Float64Value(t.RateLimit), "burst_limit": types.Int64Value(int64(t.BurstLimit))}))
		}
		sv = append(sv, types.ObjectValueMust(usagePlanStageType.AttrTypes, map[string]attr.Value{
			"api_id": types.StringValue(st.APIID), "stage": types.StringValue(st.Stage),
			"throttle": types.SetValueMust(usagePlanMethodThrottleType, mv)}))
	}
	return types.ListValueMust(usagePlanThrottleType, tv), types.ListValueMust(usagePlanQuotaType, qv), types.SetValueMust(usagePlanStageType, sv)
}

func (m *usagePlanModel) fromAPI(p model.UsagePlan) {
	m.ID = types.StringValue(p.ID)
	m.ARN = types.StringValue(p.ARN)
	m.Name = types.StringValue(p.Name)
	m.Description = types.StringValue(p.Description)
	m.ProductCode = types.StringValue(p.ProductCode)
	m.Tags = stringMapValue(p.Tags)
	m.Throttle, m.Quota, m.APIStages = usagePlanBlockValues(p)
}

func (r *usagePlanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan usagePlanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateUsagePlan(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create usage plan "+in.Name, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *usagePlanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state usagePlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetUsagePlan(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read usage plan "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *usagePlanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state usagePlanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	in.ID = plan.ID.ValueString()
	out, ok := conditionalUpdate[model.UsagePlan, usagePlanModel]{
		what: "usage plan " + in.ID, state: state, plan: plan,
		fromAPI: (*usagePlanModel).fromAPI,
		version: func(o model.UsagePlan) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.UsagePlan, error) {
			return r.client.UpdateUsagePlan(ctx, in.ID, in, opts...)
		},
		get: func() (model.UsagePlan, error) { return r.client.GetUsagePlan(ctx, in.ID) },
		// Deleting a stage drops it from the plans that list it.
		forget: func(last *usagePlanModel) {
			var diags diag.Diagnostics
			p := last.toAPI(ctx, &diags)
			kept := p.APIStages[:0]
			for _, st := range p.APIStages {
				if _, err := r.client.GetStage(ctx, st.APIID, st.Stage); !client.IsNotFound(err) {
					kept = append(kept, st)
				}
			}
			if !diags.HasError() && len(kept) < len(p.APIStages) {
				p.APIStages = kept
				_, _, last.APIStages = usagePlanBlockValues(p)
			}
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *usagePlanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state usagePlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteUsagePlan(ctx, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete usage plan "+state.ID.ValueString(), err))
	}
}

func (r *usagePlanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if _, ok := splitImportID(req.ID, 1, false); !ok || strings.TrimSpace(req.ID) != req.ID {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "USAGE_PLAN_ID", "a1b2c3d4e5"))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
