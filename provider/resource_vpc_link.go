package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.ResourceWithConfigure      = (*vpcLinkResource)(nil)
	_ resource.ResourceWithImportState    = (*vpcLinkResource)(nil)
	_ resource.ResourceWithValidateConfig = (*vpcLinkResource)(nil)
)

// NewVPCLinkResource returns the gatewayd_vpc_link resource.
func NewVPCLinkResource() resource.Resource { return &vpcLinkResource{} }

type vpcLinkResource struct {
	client *client.Client
}

type vpcLinkModel struct {
	ID                         types.String `tfsdk:"id"`
	ARN                        types.String `tfsdk:"arn"`
	Name                       types.String `tfsdk:"name"`
	Description                types.String `tfsdk:"description"`
	TargetARNs                 types.List   `tfsdk:"target_arns"`
	Tags                       types.Map    `tfsdk:"tags"`
	Status                     types.String `tfsdk:"status"`
	StatusMessage              types.String `tfsdk:"status_message"`
	LoadBalancingAlgorithm     types.String `tfsdk:"load_balancing_algorithm"`
	HealthCheckPath            types.String `tfsdk:"health_check_path"`
	HealthCheckIntervalSeconds types.Int64  `tfsdk:"health_check_interval_seconds"`
	UnhealthyThreshold         types.Int64  `tfsdk:"unhealthy_threshold"`
	EjectionSeconds            types.Int64  `tfsdk:"ejection_seconds"`
}

func (r *vpcLinkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vpc_link"
}

func (r *vpcLinkResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A VPC link, in the shape of `aws_api_gateway_vpc_link`: where API Gateway's VPC link reaches a Network " +
			"Load Balancer, gatewayd's **is** the load balancer. Integrations with `connection_type = \"VPC_LINK\"` and " +
			"`connection_id` set to this link's `id` (or to `${stageVariables.NAME}`) send each request to one of its targets: " +
			"by round robin or least requests, skipping a target that failed `unhealthy_threshold` requests in a row (a " +
			"connection refused or reset, a timeout, a 5xx answer) for `ejection_seconds`, and, with `health_check_path`, " +
			"one that fails its active health check. A request whose connection a target refuses, or one of an idempotent method " +
			"(`GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE`) whose connection broke before an answer, goes to another target. The integration's `uri` then only gives the scheme, the `Host` header, the path and the query, as " +
			"in API Gateway. Changes reach the data plane at once, without a redeployment; requests in flight finish on the " +
			"target they picked. Attributes marked *gatewayd-specific* do not exist in the AWS provider.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the link. Changes in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, model.MaxNameLength)},
			},
			"target_arns": schema.ListAttribute{
				MarkdownDescription: "The link's targets, at least one: each a backend address `host:port` (the integration's `uri` " +
					"gives the scheme), `http://host:port` or `https://host:port`, or an ARN (such as a load balancer's " +
					"`arn:aws:elasticloadbalancing:...`) that gatewayd's operator maps to addresses with `gatewayd serve " +
					"--vpc-link-targets 'ARN=HOST:PORT,HOST:PORT'`; an ARN the operator did not map is refused. Where API Gateway " +
					"takes one load balancer, gatewayd takes up to 100 targets. Changes in place.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  []validator.List{listvalidator.SizeBetween(1, model.MaxVPCLinkTargets)},
			},
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the link. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
			},
			"load_balancing_algorithm": schema.StringAttribute{
				MarkdownDescription: "*gatewayd-specific.* How a target is chosen for each request: `ROUND_ROBIN` (each healthy target in " +
					"turn) or `LEAST_REQUESTS` (the one with fewer requests in flight of two healthy targets picked at random). " +
					"Defaults to `\"ROUND_ROBIN\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(model.BalanceRoundRobin),
				Validators: []validator.String{stringvalidator.OneOf(model.LoadBalancingAlgorithms...)},
			},
			"health_check_path": schema.StringAttribute{
				MarkdownDescription: "*gatewayd-specific.* When set (such as `/healthz`), gatewayd sends `GET` to this path on every target " +
					"each `health_check_interval_seconds` (over `http`, or the scheme the target names) and takes a target that " +
					"does not answer 2xx or 3xx within the interval (at most 5 seconds) out of the pool until a check passes. " +
					"Empty: passive checks only. Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"health_check_interval_seconds": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("*gatewayd-specific.* Seconds between active health checks (1 to %d); no effect without "+
					"`health_check_path`. Defaults to `%d`.", model.MaxHealthCheckIntervalSeconds, model.DefaultHealthCheckIntervalSeconds),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(model.DefaultHealthCheckIntervalSeconds),
				Validators: []validator.Int64{int64validator.Between(1, model.MaxHealthCheckIntervalSeconds)},
			},
			"unhealthy_threshold": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("*gatewayd-specific.* Failed requests in a row (connection failed, timeout, 5xx answer) "+
					"that eject a target (passive health check; 1 to %d). Defaults to `%d`.", model.MaxUnhealthyThreshold, model.DefaultUnhealthyThreshold),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(model.DefaultUnhealthyThreshold),
				Validators: []validator.Int64{int64validator.Between(1, model.MaxUnhealthyThreshold)},
			},
			"ejection_seconds": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("*gatewayd-specific.* Seconds an ejected target gets no requests; then it is tried "+
					"again, and ejected again after `unhealthy_threshold` more failures (1 to %d). When every target is out, "+
					"requests still go to the one ejected first rather than fail. Defaults to `%d`.", model.MaxEjectionSeconds, model.DefaultEjectionSeconds),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(model.DefaultEjectionSeconds),
				Validators: []validator.Int64{int64validator.Between(1, model.MaxEjectionSeconds)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the link (10 lowercase alphanumerics), what integrations' `connection_id` names; also its import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the link, `arn:aws:apigateway:REGION::/vpclinks/ID`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`AVAILABLE`, or `FAILED` when a target no longer resolves (an ARN gatewayd's operator no longer maps).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status_message": schema.StringAttribute{
				MarkdownDescription: "API Gateway's `Your VPC link is ready to route traffic` when `AVAILABLE`, else why it `FAILED`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *vpcLinkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks each target's form at plan time, all of them in one run; whether an ARN is
// mapped is gatewayd's to say.
func (r *vpcLinkResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg vpcLinkModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.TargetARNs.IsUnknown() || cfg.TargetARNs.IsNull() {
		return
	}
	for i, v := range cfg.TargetARNs.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() || model.IsVPCLinkTargetARN(s.ValueString()) {
			continue
		}
		if _, err := model.ParseVPCLinkEndpoint(s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("target_arns").AtListIndex(i), "Invalid VPC Link Target",
				fmt.Sprintf("Each target %s.", err))
		}
	}
	if p := cfg.HealthCheckPath; !p.IsUnknown() && !p.IsNull() && p.ValueString() != "" && !strings.HasPrefix(p.ValueString(), "/") {
		resp.Diagnostics.AddAttributeError(path.Root("health_check_path"), "Invalid Health Check Path",
			fmt.Sprintf("Attribute health_check_path must be empty or an absolute path such as /healthz, got %q.", p.ValueString()))
	}
}

func (m *vpcLinkModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.VPCLink {
	return model.VPCLink{
		Name:                       m.Name.ValueString(),
		Description:                m.Description.ValueString(),
		TargetARNs:                 toStrings(ctx, m.TargetARNs, diags),
		Tags:                       toStringMap(ctx, m.Tags, diags),
		LoadBalancingAlgorithm:     m.LoadBalancingAlgorithm.ValueString(),
		HealthCheckPath:            m.HealthCheckPath.ValueString(),
		HealthCheckIntervalSeconds: int(m.HealthCheckIntervalSeconds.ValueInt64()),
		UnhealthyThreshold:         int(m.UnhealthyThreshold.ValueInt64()),
		EjectionSeconds:            int(m.EjectionSeconds.ValueInt64()),
	}
}

func (m *vpcLinkModel) fromAPI(l model.VPCLink) {
	m.ID = types.StringValue(l.ID)
	m.ARN = types.StringValue(l.ARN)
	m.Name = types.StringValue(l.Name)
	m.Description = types.StringValue(l.Description)
	m.TargetARNs = stringListValue(l.TargetARNs)
	m.Tags = stringMapValue(l.Tags)
	m.Status = types.StringValue(l.Status)
	m.StatusMessage = types.StringValue(l.StatusMessage)
	m.LoadBalancingAlgorithm = types.StringValue(l.LoadBalancingAlgorithm)
	m.HealthCheckPath = types.StringValue(l.HealthCheckPath)
	m.HealthCheckIntervalSeconds = types.Int64Value(int64(l.HealthCheckIntervalSeconds))
	m.UnhealthyThreshold = types.Int64Value(int64(l.UnhealthyThreshold))
	m.EjectionSeconds = types.Int64Value(int64(l.EjectionSeconds))
}

func (r *vpcLinkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan vpcLinkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateVPCLink(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create a VPC link", err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *vpcLinkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state vpcLinkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	out, err := r.client.GetVPCLink(ctx, id)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read VPC link "+id, err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *vpcLinkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state vpcLinkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	in.ID = id
	out, ok := conditionalUpdate[model.VPCLink, vpcLinkModel]{
		what: "VPC link " + id, state: state, plan: plan,
		fromAPI: (*vpcLinkModel).fromAPI,
		version: func(l model.VPCLink) int64 { return l.Version },
		put: func(opts ...client.WriteOption) (model.VPCLink, error) {
			return r.client.UpdateVPCLink(ctx, id, in, opts...)
		},
		get: func() (model.VPCLink, error) { return r.client.GetVPCLink(ctx, id) },
		// The status follows the operator's target mapping, not writes.
		ignore: []string{"status", "status_message"},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *vpcLinkResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state vpcLinkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if err := r.client.DeleteVPCLink(ctx, id); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete VPC link "+id, err))
	}
}

// ImportState takes the link's id, as aws_api_gateway_vpc_link does.
func (r *vpcLinkResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" || strings.ContainsAny(req.ID, "/: ") {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "the VPC link's id", "a1b2c3d4e5"))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
