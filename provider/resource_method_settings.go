package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
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
	_ resource.ResourceWithConfigure   = (*methodSettingsResource)(nil)
	_ resource.ResourceWithImportState = (*methodSettingsResource)(nil)
)

// methodPathWait is how long Create waits for the method that method_path names to exist.
const methodPathWait = time.Minute

// missingMethodPath reports gatewayd's refusal of a method_path that names no method of the API.
func missingMethodPath(err error) bool {
	var e *client.Error
	return errors.As(err, &e) && e.StatusCode == http.StatusUnprocessableEntity && e.Field == "method_path"
}

// NewMethodSettingsResource returns the gatewayd_method_settings resource.
func NewMethodSettingsResource() resource.Resource { return &methodSettingsResource{} }

type methodSettingsResource struct {
	client *client.Client
}

type methodSettingsModel struct {
	ID         types.String `tfsdk:"id"`
	RestAPIID  types.String `tfsdk:"rest_api_id"`
	StageName  types.String `tfsdk:"stage_name"`
	MethodPath types.String `tfsdk:"method_path"`
	Settings   types.List   `tfsdk:"settings"`
}

type methodSettingModel struct {
	ThrottlingRateLimit                    types.Float64 `tfsdk:"throttling_rate_limit"`
	ThrottlingBurstLimit                   types.Int64   `tfsdk:"throttling_burst_limit"`
	CachingEnabled                         types.Bool    `tfsdk:"caching_enabled"`
	CacheTTLInSeconds                      types.Int64   `tfsdk:"cache_ttl_in_seconds"`
	RequireAuthorizationForCacheControl    types.Bool    `tfsdk:"require_authorization_for_cache_control"`
	UnauthorizedCacheControlHeaderStrategy types.String  `tfsdk:"unauthorized_cache_control_header_strategy"`
	MetricsEnabled                         types.Bool    `tfsdk:"metrics_enabled"`
	LoggingLevel                           types.String  `tfsdk:"logging_level"`
	DataTraceEnabled                       types.Bool    `tfsdk:"data_trace_enabled"`
	CacheDataEncrypted                     types.Bool    `tfsdk:"cache_data_encrypted"`
}

var methodSettingType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"throttling_rate_limit":                      types.Float64Type,
	"throttling_burst_limit":                     types.Int64Type,
	"caching_enabled":                            types.BoolType,
	"cache_ttl_in_seconds":                       types.Int64Type,
	"require_authorization_for_cache_control":    types.BoolType,
	"unauthorized_cache_control_header_strategy": types.StringType,
	"metrics_enabled":                            types.BoolType,
	"logging_level":                              types.StringType,
	"data_trace_enabled":                         types.BoolType,
	"cache_data_encrypted":                       types.BoolType,
}}

func (r *methodSettingsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_method_settings"
}

func (r *methodSettingsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	def := model.DefaultMethodSetting()
	resp.Schema = schema.Schema{
		MarkdownDescription: "A stage's settings for one method, or for all of them (`method_path = \"*/*\"`, the stage default): " +
			"throttling, which applies after a usage plan's limits and before the account limit, and caching. " +
			"A change reaches the stage at once, with no new deployment. It may be created in the same apply as its " +
			"`gatewayd_stage`: reference the stage's `rest_api_id` and `stage_name` so that the stage is created first.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the settings.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"stage_name": schema.StringAttribute{
				MarkdownDescription: "Name of the stage. Changing it replaces the settings.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(model.StageNamePattern, "must be 1 to 128 letters, digits, hyphens or underscores")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"method_path": schema.StringAttribute{
				MarkdownDescription: "The method: `RESOURCE_PATH/HTTP_METHOD` without a leading slash, such as `pets/{petId}/GET`, " +
					"with `*` as the verb for every verb; or `*/*` for every method of the stage. It must name a method the API " +
					"has (an `ANY` method is `path/ANY`), as in API Gateway; a method made in the same apply is waited for up to a " +
					"minute. Changing it replaces the settings.",
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(model.MethodSettingsPathPattern,
					`must be "*/*" or resource/path/VERB without a leading slash (e.g. pets/{petId}/GET)`)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`REST_API_ID/STAGE_NAME/METHOD_PATH`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"settings": schema.ListNestedBlock{
				MarkdownDescription: "The settings: exactly one block, as in the AWS provider. Attributes left out take their defaults.",
				Validators:          []validator.List{listvalidator.IsRequired(), listvalidator.SizeBetween(1, 1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"throttling_rate_limit": schema.Float64Attribute{
							MarkdownDescription: "Steady-state rate of the method in requests per second (a token bucket's refill rate), " +
								"or `-1` for not set: the method then takes the stage default (`*/*`), then the account limit. Defaults to `-1`.",
							Optional: true,
							Computed: true,
							Default:  float64default.StaticFloat64(def.ThrottlingRateLimit),
							Validators: []validator.Float64{float64validator.Any(float64validator.OneOf(-1),
								float64validator.AtLeast(0))},
						},
						"throttling_burst_limit": schema.Int64Attribute{
							MarkdownDescription: "Burst of the method: how many requests may arrive at once (a token bucket's size), " +
								"or `-1` for not set. Defaults to `-1`.",
							Optional:   true,
							Computed:   true,
							Default:    int64default.StaticInt64(int64(def.ThrottlingBurstLimit)),
							Validators: []validator.Int64{int64validator.AtLeast(-1)},
						},
						"caching_enabled": schema.BoolAttribute{
							MarkdownDescription: "Whether responses of the method are cached (the stage needs `cache_cluster_enabled`). Defaults to `false`.",
							Optional:            true,
							Computed:            true,
							Default:             booldefault.StaticBool(def.CachingEnabled),
						},
						"cache_ttl_in_seconds": schema.Int64Attribute{
							MarkdownDescription: "How long a cached response is served, 0 to 3600 seconds. Defaults to `300`.",
							Optional:            true,
							Computed:            true,
							Default:             int64default.StaticInt64(int64(def.CacheTTLInSeconds)),
							Validators:          []validator.Int64{int64validator.Between(0, 3600)},
						},
						"require_authorization_for_cache_control": schema.BoolAttribute{
							MarkdownDescription: "Whether a caller needs authorization to bypass the cache with `Cache-Control: max-age=0`. Defaults to `true`.",
							Optional:            true,
							Computed:            true,
							Default:             booldefault.StaticBool(def.RequireAuthorizationForCacheControl),
						},
						"unauthorized_cache_control_header_strategy": schema.StringAttribute{
							MarkdownDescription: "What happens to an unauthorized `Cache-Control: max-age=0`: one of `" +
								strings.Join(model.CacheControlStrategies, "`, `") + "`. Defaults to `\"" + def.UnauthorizedCacheControlHeaderStrategy + "\"`.",
							Optional:   true,
							Computed:   true,
							Default:    stringdefault.StaticString(def.UnauthorizedCacheControlHeaderStrategy),
							Validators: []validator.String{stringvalidator.OneOf(model.CacheControlStrategies...)},
						},
						"metrics_enabled": schema.BoolAttribute{
							MarkdownDescription: "Detailed metrics, as in API Gateway: when true, the methods these settings apply to get Prometheus series of their own " +
								"(labels `resource` and `method`); otherwise they count in the stage's series (empty `resource` and `method`). Stage-level " +
								"series are always exported. Defaults to `false`.",
							Optional: true,
							Computed: true,
							Default:  booldefault.StaticBool(false),
						},
						"logging_level": schema.StringAttribute{
							MarkdownDescription: "Execution logging, as in API Gateway: `INFO` writes each request's steps (method request, authorization, cache, " +
								"endpoint request URI and headers, backend status and latency, errors, completion) to " +
								"`DATA_DIR/logs/API-Gateway-Execution-Logs_{rest_api_id}/{stage_name}.log` on the gatewayd node, `ERROR` only for " +
								"requests answered 4xx or 5xx, `OFF` nothing. Secrets in headers are masked. Defaults to `\"OFF\"`.",
							Optional:   true,
							Computed:   true,
							Default:    stringdefault.StaticString(def.LoggingLevel),
							Validators: []validator.String{stringvalidator.OneOf(model.LoggingLevels...)},
						},
						"data_trace_enabled": schema.BoolAttribute{
							MarkdownDescription: "With `logging_level` `ERROR` or `INFO`, adds the method request's body and the method response's body to the " +
								"execution log, each cut at 1 KiB (bodies are written as they are: they may hold secrets). Defaults to `false`.",
							Optional: true,
							Computed: true,
							Default:  booldefault.StaticBool(false),
						},
						"cache_data_encrypted": schema.BoolAttribute{
							MarkdownDescription: "Accepted for compatibility with the AWS provider; gatewayd's cache lives in process memory and is never written out. Defaults to `false`.",
							Optional:            true,
							Computed:            true,
							Default:             booldefault.StaticBool(false),
						},
					},
				},
			},
		},
	}
}

func (r *methodSettingsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *methodSettingsModel) importID() string {
	return m.RestAPIID.ValueString() + "/" + m.StageName.ValueString() + "/" + m.MethodPath.ValueString()
}

func (m *methodSettingsModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.MethodSetting {
	out := model.DefaultMethodSetting()
	var s []methodSettingModel
	diags.Append(m.Settings.ElementsAs(ctx, &s, false)...)
	if len(s) == 0 {
		return out
	}
	out.ThrottlingRateLimit = s[0].ThrottlingRateLimit.ValueFloat64()
	out.ThrottlingBurstLimit = int(s[0].ThrottlingBurstLimit.ValueInt64())
	out.CachingEnabled = s[0].CachingEnabled.ValueBool()
	out.CacheTTLInSeconds = int(s[0].CacheTTLInSeconds.ValueInt64())
	out.RequireAuthorizationForCacheControl = s[0].RequireAuthorizationForCacheControl.ValueBool()
	out.UnauthorizedCacheControlHeaderStrategy = s[0].UnauthorizedCacheControlHeaderStrategy.ValueString()
	out.MetricsEnabled = s[0].MetricsEnabled.ValueBool()
	out.LoggingLevel = s[0].LoggingLevel.ValueString()
	out.DataTraceEnabled = s[0].DataTraceEnabled.ValueBool()
	out.CacheDataEncrypted = s[0].CacheDataEncrypted.ValueBool()
	return out
}

func (m *methodSettingsModel) fromAPI(in model.MethodSettings) {
	m.RestAPIID = types.StringValue(in.RestAPIID)
	m.StageName = types.StringValue(in.StageName)
	m.MethodPath = types.StringValue(in.MethodPath)
	m.ID = types.StringValue(m.importID())
	s := in.Settings
	m.Settings = types.ListValueMust(methodSettingType, []attr.Value{types.ObjectValueMust(methodSettingType.AttrTypes, map[string]attr.Value{
		"throttling_rate_limit":                      types.Float64Value(s.ThrottlingRateLimit),
		"throttling_burst_limit":                     types.Int64Value(int64(s.ThrottlingBurstLimit)),
		"caching_enabled":                            types.BoolValue(s.CachingEnabled),
		"cache_ttl_in_seconds":                       types.Int64Value(int64(s.CacheTTLInSeconds)),
		"require_authorization_for_cache_control":    types.BoolValue(s.RequireAuthorizationForCacheControl),
		"unauthorized_cache_control_header_strategy": types.StringValue(s.UnauthorizedCacheControlHeaderStrategy),
		"metrics_enabled":                            types.BoolValue(s.MetricsEnabled),
		"logging_level":                              types.StringValue(s.LoggingLevel),
		"data_trace_enabled":                         types.BoolValue(s.DataTraceEnabled),
		"cache_data_encrypted":                       types.BoolValue(s.CacheDataEncrypted),
	})})
}

func (r *methodSettingsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan methodSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// Create only: a plain PUT would silently take over settings made outside this configuration.
	put := func() (model.MethodSettings, error) {
		return r.client.PutMethodSettings(ctx, plan.RestAPIID.ValueString(), plan.StageName.ValueString(), plan.MethodPath.ValueString(), in, client.IfNoneMatch())
	}
	out, err := put()
	// gatewayd refuses settings for a method the API does not have. The method may be made by this
	// same apply, in parallel (settings usually depend on the stage only): wait for it a while.
	for deadline := time.Now().Add(methodPathWait); missingMethodPath(err) && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			resp.Diagnostics.Append(diagnostics.ClientError("create method settings "+plan.importID(), ctx.Err()))
			return
		case <-time.After(500 * time.Millisecond):
		}
		out, err = put()
	}
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		resp.Diagnostics.Append(methodExistsError("Method Settings", "gatewayd_method_settings", plan.importID()))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create method settings "+plan.importID(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *methodSettingsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state methodSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetMethodSettings(ctx, state.RestAPIID.ValueString(), state.StageName.ValueString(), state.MethodPath.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read method settings "+state.importID(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *methodSettingsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state methodSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.MethodSettings, methodSettingsModel]{
		what: "method settings " + plan.importID(), state: state, plan: plan,
		fromAPI: (*methodSettingsModel).fromAPI,
		version: func(o model.MethodSettings) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.MethodSettings, error) {
			return r.client.PutMethodSettings(ctx, plan.RestAPIID.ValueString(), plan.StageName.ValueString(), plan.MethodPath.ValueString(), in, opts...)
		},
		get: func() (model.MethodSettings, error) {
			return r.client.GetMethodSettings(ctx, plan.RestAPIID.ValueString(), plan.StageName.ValueString(), plan.MethodPath.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *methodSettingsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state methodSettingsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteMethodSettings(ctx, state.RestAPIID.ValueString(), state.StageName.ValueString(), state.MethodPath.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete method settings "+state.importID(), err))
	}
}

// ImportState takes REST_API_ID/STAGE_NAME/METHOD_PATH; the method path keeps its own slashes.
func (r *methodSettingsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 3, true)
	if !ok || !model.MethodSettingsPathPattern.MatchString(parts[2]) {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/STAGE_NAME/METHOD_PATH", "a1b2c3d4e5/prod/pets/{petId}/GET"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("stage_name"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("method_path"), parts[2])...)
}
