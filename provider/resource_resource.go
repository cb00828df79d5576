package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/planmodifiers"
)

var (
	_ resource.ResourceWithConfigure   = (*resourceResource)(nil)
	_ resource.ResourceWithImportState = (*resourceResource)(nil)
)

// NewResourceResource returns the gatewayd_resource resource.
func NewResourceResource() resource.Resource { return &resourceResource{} }

type resourceResource struct {
	client *client.Client
}

type resourceModel struct {
	ID        types.String `tfsdk:"id"`
	RestAPIID types.String `tfsdk:"rest_api_id"`
	ParentID  types.String `tfsdk:"parent_id"`
	PathPart  types.String `tfsdk:"path_part"`
	Path      types.String `tfsdk:"path"`
}

func (r *resourceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_resource"
}

func (r *resourceResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A resource: one segment of an API's path tree, such as `pets` or `{petId}`, under a parent resource. " +
			"Changing `parent_id` or `path_part` moves the resource in place, and the paths of its whole subtree follow. " +
			"Deleting it deletes its descendants and all their methods.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the resource.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"parent_id": schema.StringAttribute{
				MarkdownDescription: "ID of the parent resource: the API's `root_resource_id` for a top-level resource. Changing it moves the resource in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"path_part": schema.StringAttribute{
				MarkdownDescription: "The last path segment of the resource, without slashes: a literal such as `pets`, a parameter such as `{petId}` " +
					"or a greedy parameter such as `{proxy+}`, which matches the rest of the path and can have no children. Changing it renames the resource in place.",
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(model.PathPartPattern,
					"must be a path segment such as pets, {petId} or {proxy+} (no slashes)")},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the resource, chosen by gatewayd.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"path": schema.StringAttribute{
				MarkdownDescription: "Full path of the resource, such as `/pets/{petId}`. Moving an ancestor changes it; a refresh picks that up.",
				Computed:            true,
				PlanModifiers: []planmodifier.String{
					planmodifiers.UseStateUnlessChanged(path.Root("parent_id"), path.Root("path_part")),
				},
			},
		},
	}
}

func (r *resourceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *resourceModel) toAPI() model.Resource {
	return model.Resource{ParentID: m.ParentID.ValueString(), PathPart: m.PathPart.ValueString()}
}

func (m *resourceModel) fromAPI(r model.Resource) {
	m.ID = types.StringValue(r.ID)
	m.RestAPIID = types.StringValue(r.RestAPIID)
	m.ParentID = types.StringValue(r.ParentID)
	m.PathPart = types.StringValue(r.PathPart)
	m.Path = types.StringValue(r.Path)
}

func (r *resourceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateResource(ctx, plan.RestAPIID.ValueString(), plan.toAPI())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create the resource "+plan.PathPart.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *resourceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := state.RestAPIID.ValueString(), state.ID.ValueString()
	out, err := r.client.GetResource(ctx, apiID, id)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read resource "+id+" of rest api "+apiID, err))
		return
	}
	if out.ParentID == "" {
		// Only an import can point here: the root belongs to its gatewayd_rest_api.
		resp.Diagnostics.Append(rootResourceError(id))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func rootResourceError(id string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Cannot Manage Root Resource",
		"Resource "+id+" is the root resource / of its REST API, which gatewayd creates and deletes with the API. "+
			"Refer to it as the gatewayd_rest_api's root_resource_id instead of managing it as a gatewayd_resource.")
}

func (r *resourceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state resourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := plan.RestAPIID.ValueString(), plan.ID.ValueString()
	out, ok := conditionalUpdate[model.Resource, resourceModel]{
		what: "resource " + id + " of rest api " + apiID, state: state, plan: plan,
		fromAPI: (*resourceModel).fromAPI,
		version: func(r model.Resource) int64 { return r.Version },
		put: func(opts ...client.WriteOption) (model.Resource, error) {
			return r.client.UpdateResource(ctx, apiID, id, plan.toAPI(), opts...)
		},
		get: func() (model.Resource, error) { return r.client.GetResource(ctx, apiID, id) },
		// Moving an ancestor rewrites the path.
		ignore: []string{"path"},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *resourceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state resourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := state.RestAPIID.ValueString(), state.ID.ValueString()
	err := r.client.DeleteResource(ctx, apiID, id)
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete resource "+id+" of rest api "+apiID, err))
	}
}

func (r *resourceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/RESOURCE_ID", "a1b2c3d4e5/f6g7h8i9j0"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[1])...)
}
