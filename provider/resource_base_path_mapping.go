package provider

import (
	"context"
	"regexp"
	"strings"

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
	_ resource.ResourceWithConfigure   = (*basePathMappingResource)(nil)
	_ resource.ResourceWithImportState = (*basePathMappingResource)(nil)
)

// basePathOrEmpty is model.BasePathPattern or the empty base path.
var basePathOrEmpty = regexp.MustCompile(`^$|` + model.BasePathPattern.String())

// NewBasePathMappingResource returns the gatewayd_base_path_mapping resource.
func NewBasePathMappingResource() resource.Resource { return &basePathMappingResource{} }

type basePathMappingResource struct {
	client *client.Client
}

type basePathMappingModel struct {
	ID         types.String `tfsdk:"id"`
	DomainName types.String `tfsdk:"domain_name"`
	APIID      types.String `tfsdk:"api_id"`
	StageName  types.String `tfsdk:"stage_name"`
	BasePath   types.String `tfsdk:"base_path"`
}

func (r *basePathMappingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_base_path_mapping"
}

func (r *basePathMappingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Routes the requests of a `gatewayd_domain_name` under a base path to a stage, as " +
			"`aws_api_gateway_base_path_mapping`: `https://DOMAIN/BASE_PATH/...` reaches the stage's `/...`. The longest matching " +
			"base path wins and is stripped; the empty base path takes every request no other matches; a path no mapping matches " +
			"gets 403 `{\"message\":\"Forbidden\"}`. Live from the next request on.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"domain_name": schema.StringAttribute{
				MarkdownDescription: "The `gatewayd_domain_name`'s `domain_name`. Changing it replaces the mapping.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API the base path reaches.",
				Required:            true,
			},
			// Optional attributes
			"stage_name": schema.StringAttribute{
				MarkdownDescription: "The stage the base path reaches. Without it, the first path segment after the base path names " +
					"the stage (`https://DOMAIN/BASE_PATH/STAGE/...`). Defaults to none.",
				Optional: true,
			},
			"base_path": schema.StringAttribute{
				MarkdownDescription: "The base path: one or more segments without leading or trailing slash (`v1`, `v1/orders`). " +
					"Defaults to `\"\"`, the mapping that takes every path no other matches (API Gateway's `(none)`). Changing it " +
					"replaces the mapping.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(""),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{stringvalidator.RegexMatches(basePathOrEmpty,
					`must be "" or path segments such as v1 or v1/orders, without leading or trailing slash`)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`DOMAIN/BASE_PATH` (`DOMAIN/` for the empty base path), also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *basePathMappingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *basePathMappingModel) toAPI() model.BasePathMapping {
	return model.BasePathMapping{DomainName: m.DomainName.ValueString(), BasePath: m.BasePath.ValueString(),
		RestAPIID: m.APIID.ValueString(), Stage: m.StageName.ValueString()}
}

func (m *basePathMappingModel) fromAPI(b model.BasePathMapping) {
	m.ID = types.StringValue(b.DomainName + "/" + b.BasePath)
	m.DomainName = types.StringValue(b.DomainName)
	m.APIID = types.StringValue(b.RestAPIID)
	m.StageName = optionalString(b.Stage)
	m.BasePath = types.StringValue(b.BasePath)
}

func (r *basePathMappingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan basePathMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI()
	out, err := r.client.CreateBasePathMapping(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create base path mapping "+in.DomainName+"/"+in.BasePath, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *basePathMappingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state basePathMappingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	domain, base, _ := strings.Cut(state.ID.ValueString(), "/")
	out, err := r.client.GetBasePathMapping(ctx, domain, base)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read base path mapping "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *basePathMappingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state basePathMappingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI()
	out, ok := conditionalUpdate[model.BasePathMapping, basePathMappingModel]{
		what: "base path mapping " + state.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*basePathMappingModel).fromAPI,
		version: func(b model.BasePathMapping) int64 { return b.Version },
		put: func(opts ...client.WriteOption) (model.BasePathMapping, error) {
			return r.client.UpdateBasePathMapping(ctx, in, opts...)
		},
		get: func() (model.BasePathMapping, error) {
			return r.client.GetBasePathMapping(ctx, in.DomainName, in.BasePath)
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *basePathMappingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state basePathMappingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	domain, base, _ := strings.Cut(state.ID.ValueString(), "/")
	if err := r.client.DeleteBasePathMapping(ctx, domain, base); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete base path mapping "+state.ID.ValueString(), err))
	}
}

// ImportState takes DOMAIN/BASE_PATH, as aws_api_gateway_base_path_mapping does: DOMAIN/ (or
// DOMAIN/(none)) for the empty base path; the base path may have several segments.
func (r *basePathMappingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	domain, base, ok := strings.Cut(req.ID, "/")
	if !ok || domain == "" {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "DOMAIN/BASE_PATH (DOMAIN/ for the empty base path)", "api.example.com/v1"))
		return
	}
	if base == model.NoBasePath {
		base = ""
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), domain+"/"+strings.Trim(base, "/"))...)
}
