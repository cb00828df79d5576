package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
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
	_ resource.ResourceWithConfigure      = (*stageResource)(nil)
	_ resource.ResourceWithImportState    = (*stageResource)(nil)
	_ resource.ResourceWithValidateConfig = (*stageResource)(nil)
)

// NewStageResource returns the gatewayd_stage resource.
func NewStageResource() resource.Resource { return &stageResource{} }

type stageResource struct {
	client *client.Client
}

type stageModel struct {
	ID           types.String `tfsdk:"id"`
	RestAPIID    types.String `tfsdk:"rest_api_id"`
	StageName    types.String `tfsdk:"stage_name"`
	DeploymentID types.String `tfsdk:"deployment_id"`
	AutoDeploy   types.Bool   `tfsdk:"auto_deploy"`
	Description  types.String `tfsdk:"description"`
	Variables    types.Map    `tfsdk:"variables"`
	Tags         types.Map    `tfsdk:"tags"`
	CacheEnabled types.Bool   `tfsdk:"cache_cluster_enabled"`
	CacheSize    types.String `tfsdk:"cache_cluster_size"`
	InvokeURL    types.String `tfsdk:"invoke_url"`
	ARN          types.String `tfsdk:"arn"`
	ExecutionARN types.String `tfsdk:"execution_arn"`
	CreatedDate  types.String `tfsdk:"created_date"`
	Canary       types.List   `tfsdk:"canary_settings"`
	AccessLog    types.List   `tfsdk:"access_log_settings"`
	ClientCert   types.String `tfsdk:"client_certificate_id"`
	DocVersion   types.String `tfsdk:"documentation_version"`
	Xray         types.Bool   `tfsdk:"xray_tracing_enabled"`
	WebACLARN    types.String `tfsdk:"web_acl_arn"`
}

func (r *stageResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stage"
}

func emptyStringMap() types.Map { return types.MapValueMust(types.StringType, map[string]attr.Value{}) }

func (r *stageResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A stage publishes one deployment of a REST API at `invoke_url`.\n\n" +
			"Release or roll back by changing `deployment_id`; every change is kept in the stage's history " +
			"(`GET /v1/restapis/{id}/stages/{name}/history`). Or set `auto_deploy = true`: gatewayd then deploys " +
			"every change to the API's resources, methods, integrations and responses to this stage in the same " +
			"transaction as the change, so one `terraform apply` releases it with no trigger hash, and reapplying " +
			"an earlier configuration rolls the stage back.\n\n" +
			"**Rolling back in one call.** An operator can move a stage back without Terraform: " +
			"`gatewayd rollback API_ID STAGE [DEPLOYMENT_ID]`, `POST /v1/restapis/{id}/stages/{name}/rollback` or " +
			"`client.RollbackStage`. Without a deployment the stage goes back to the one it served before. The rollback " +
			"turns `auto_deploy` off (so that the next change of the API does not undo it) and removes the canary. " +
			"The next `terraform plan` shows the stage drifted and offers to move it back. To keep the rollback, " +
			"either set `deployment_id` to the deployment rolled back to (with `auto_deploy = false` for an auto-deploy " +
			"stage), which needs that deployment to stay in the configuration (a `gatewayd_deployment` per release, " +
			"rather than one replaced through `triggers`), or give the stage " +
			"`lifecycle { ignore_changes = [deployment_id] }` and leave releasing to the operators.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the stage.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"stage_name": schema.StringAttribute{
				MarkdownDescription: "Name of the stage, 1 to 128 letters, digits, `-` or `_`; it is part of `invoke_url`. Changing it replaces the stage.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.RegexMatches(model.StageNamePattern, "must be 1 to 128 letters, digits, hyphens or underscores")},
			},
			// Optional attributes
			"deployment_id": schema.StringAttribute{
				MarkdownDescription: "ID of the deployment the stage serves. Required unless `auto_deploy` is true, in which case gatewayd sets it (and it must not be set).",
				Optional:            true,
				Computed:            true,
			},
			"auto_deploy": schema.BoolAttribute{
				MarkdownDescription: "Whether gatewayd deploys every change of the API to this stage by itself, in the same transaction as the change. Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the stage. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(4096)},
			},
			"variables": schema.MapAttribute{
				MarkdownDescription: "Stage variables, usable as `${stageVariables.NAME}` in integration URIs and as `stageVariables.NAME` in parameter mappings. Names are letters, digits and `_`; values at most 512 characters of letters, digits and `-._~:/?#&=,`. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(emptyStringMap()),
				Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(model.StageVariableNamePattern,
					"must be 1 to 64 letters, digits or underscores"))},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(emptyStringMap()),
			},
			"cache_cluster_enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the stage caches responses (GET by default; other methods where `gatewayd_method_settings` enable caching). Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"cache_cluster_size": schema.StringAttribute{
				MarkdownDescription: "Size of the stage's cache in GB, one of API Gateway's sizes: " + quotedList(model.CacheClusterSizes) +
					". gatewayd caps the byte budget with its `--cache-max-bytes` flag, so a small machine is never asked for 237 GB. Changing it empties the cache. Defaults to `\"0.5\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString("0.5"),
				Validators: []validator.String{stringvalidator.OneOf(model.CacheClusterSizes...)},
			},
			"client_certificate_id": schema.StringAttribute{
				MarkdownDescription: "ID of a `gatewayd_client_certificate` the stage presents to the https backends of its `HTTP` and " +
					"`HTTP_PROXY` integrations when they ask for a client certificate (mutual TLS to the backend); the backend " +
					"trusts that certificate's `pem_encoded_certificate`. A change takes effect for the next request, on new " +
					"connections. Defaults to `\"\"`: no client certificate.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"documentation_version": schema.StringAttribute{
				MarkdownDescription: "Version of the API's documentation (a `gatewayd_documentation_version`) the stage's OpenAPI " +
					"exports carry as `x-amazon-apigateway-documentation`; it must exist (refused otherwise). It does not change " +
					"how requests are served. Defaults to `\"\"`: exports carry the API's current documentation parts.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"xray_tracing_enabled": schema.BoolAttribute{
				MarkdownDescription: "Accepted for compatibility, and stored: whether API Gateway traces the stage's requests with AWS " +
					"X-Ray. It has no effect here: gatewayd exports no traces yet (its metrics and access logs are described in the " +
					"monitoring guide). Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"web_acl_arn": schema.StringAttribute{
				MarkdownDescription: "Accepted for compatibility, and stored: the ARN of an AWS WAF web ACL for the stage. It has no " +
					"effect here: gatewayd has no web application firewall (use the API's `policy` for IP and header conditions). " +
					"Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`REST_API_ID/STAGE_NAME`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"invoke_url": schema.StringAttribute{
				MarkdownDescription: "URL that serves the stage, such as `http://127.0.0.1:8080/abc123defg/prod`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the stage, `arn:aws:apigateway:REGION::/restapis/REST_API_ID/stages/STAGE_NAME`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"execution_arn": schema.StringAttribute{
				MarkdownDescription: "Prefix of the stage's method ARNs, `arn:aws:execute-api:REGION:000000000000:REST_API_ID/STAGE_NAME`: " +
					"what policies name (`\"${gatewayd_stage.example.execution_arn}/GET/*\"`).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_date": schema.StringAttribute{
				MarkdownDescription: "When the stage was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"canary_settings": canaryBlock(true, canaryDescription+" Promote the canary in one apply by setting `deployment_id` "+
				"to the canary's deployment and removing the block (or with `POST /v1/restapis/{id}/stages/{name}/canary/promote`)."),
			"access_log_settings": accessLogBlock(),
		},
	}
}

func (r *stageResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig ties deployment_id to auto_deploy: exactly one of them decides what the stage serves.
func (r *stageResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg stageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.AutoDeploy.IsUnknown() || cfg.DeploymentID.IsUnknown() {
		return
	}
	auto := cfg.AutoDeploy.ValueBool()
	switch {
	case auto && !cfg.DeploymentID.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("deployment_id"), "Conflicting Stage Deployment",
			"deployment_id must not be set when auto_deploy is true: gatewayd picks the deployment of an auto-deploy stage.")
	case !auto && cfg.DeploymentID.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("deployment_id"), "Missing Stage Deployment",
			"deployment_id is required unless auto_deploy is true.")
	}
}

func (m *stageModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.Stage {
	return model.Stage{
		StageName:           m.StageName.ValueString(),
		DeploymentID:        m.DeploymentID.ValueString(),
		AutoDeploy:          m.AutoDeploy.ValueBool(),
		Description:         m.Description.ValueString(),
		Variables:           toStringMap(ctx, m.Variables, diags),
		Tags:                toStringMap(ctx, m.Tags, diags),
		CacheClusterEnabled: m.CacheEnabled.ValueBool(),
		CacheClusterSize:    m.CacheSize.ValueString(),
		CanarySettings:      canaryToAPI(ctx, m.Canary, diags),
		AccessLogSettings:   accessLogToAPI(m.AccessLog, diags),
		ClientCertificateID: m.ClientCert.ValueString(),

		DocumentationVersion: m.DocVersion.ValueString(),
		XrayTracingEnabled:   m.Xray.ValueBool(),
		WebACLARN:            m.WebACLARN.ValueString(),
	}
}

func (m *stageModel) fromAPI(s model.Stage) {
	m.ID = types.StringValue(s.RestAPIID + "/" + s.StageName)
	m.RestAPIID = types.StringValue(s.RestAPIID)
	m.StageName = types.StringValue(s.StageName)
	m.DeploymentID = types.StringValue(s.DeploymentID)
	m.AutoDeploy = types.BoolValue(s.AutoDeploy)
	m.Description = types.StringValue(s.Description)
	m.Variables = stringMapValue(s.Variables)
	m.Tags = stringMapValue(s.Tags)
	m.CacheEnabled = types.BoolValue(s.CacheClusterEnabled)
	m.CacheSize = types.StringValue(s.CacheClusterSize)
	m.InvokeURL = types.StringValue(s.InvokeURL)
	m.ARN = types.StringValue(s.ARN)
	m.ExecutionARN = types.StringValue(s.ExecutionARN)
	m.CreatedDate = types.StringValue(s.CreatedDate.Format(time.RFC3339))
	m.Canary = canaryValue(s.CanarySettings, true)
	m.AccessLog = accessLogValue(s.AccessLogSettings)
	m.ClientCert = types.StringValue(s.ClientCertificateID)
	m.DocVersion = types.StringValue(s.DocumentationVersion)
	m.Xray = types.BoolValue(s.XrayTracingEnabled)
	m.WebACLARN = types.StringValue(s.WebACLARN)
}

func (r *stageResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan stageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateStage(ctx, plan.RestAPIID.ValueString(), in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create stage "+in.StageName, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *stageResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state stageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetStage(ctx, state.RestAPIID.ValueString(), state.StageName.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read stage "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *stageResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state stageModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// gatewayd moves an auto-deploy stage to a new deployment on every change of its API.
	var ignore []string
	if state.AutoDeploy.ValueBool() {
		ignore = []string{"deployment_id"}
	}
	out, ok := conditionalUpdate[model.Stage, stageModel]{
		what: "stage " + plan.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*stageModel).fromAPI,
		version: func(o model.Stage) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.Stage, error) {
			return r.client.UpdateStage(ctx, plan.RestAPIID.ValueString(), plan.StageName.ValueString(), in, opts...)
		},
		get: func() (model.Stage, error) {
			return r.client.GetStage(ctx, plan.RestAPIID.ValueString(), plan.StageName.ValueString())
		},
		ignore: ignore,
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *stageResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state stageModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteStage(ctx, state.RestAPIID.ValueString(), state.StageName.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete stage "+state.ID.ValueString(), err))
	}
}

func (r *stageResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/STAGE_NAME", "abc123defg/prod"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("stage_name"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
