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
	_ resource.ResourceWithConfigure   = (*documentationVersionResource)(nil)
	_ resource.ResourceWithImportState = (*documentationVersionResource)(nil)
)

// NewDocumentationVersionResource returns the gatewayd_documentation_version resource.
func NewDocumentationVersionResource() resource.Resource { return &documentationVersionResource{} }

type documentationVersionResource struct {
	client *client.Client
}

type documentationVersionModel struct {
	ID          types.String `tfsdk:"id"`
	RestAPIID   types.String `tfsdk:"rest_api_id"`
	Version     types.String `tfsdk:"version"`
	Description types.String `tfsdk:"description"`
}

func (r *documentationVersionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_documentation_version"
}

func (r *documentationVersionResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A named copy of a REST API's documentation parts as they are when it is made, as " +
			"`aws_api_gateway_documentation_version`. Make it after the parts it is to hold (`depends_on` the " +
			"`gatewayd_documentation_part`s): later changes of the parts do not change it. A stage whose " +
			"`documentation_version` names it exports these parts (`x-amazon-apigateway-documentation` in its OpenAPI " +
			"exports). A version a stage names cannot be deleted.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the version.",
				Required:            true,
				PlanModifiers:       replace,
			},
			"version": schema.StringAttribute{
				MarkdownDescription: "Name of the version: 1 to 64 letters, digits, dots, hyphens or underscores, such as `1.0.0`. " +
					"Changing it replaces the version (a new copy of the parts as they are then).",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.RegexMatches(model.DocumentationVersionPattern, "must be 1 to 64 letters, digits, dots, hyphens or underscores")},
			},
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the version. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(model.MaxDescriptionLength)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`REST_API_ID/VERSION`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *documentationVersionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *documentationVersionModel) fromAPI(v model.DocumentationVersion) {
	m.ID = types.StringValue(v.RestAPIID + "/" + v.Version)
	m.RestAPIID = types.StringValue(v.RestAPIID)
	m.Version = types.StringValue(v.Version)
	m.Description = types.StringValue(v.Description)
}

func (r *documentationVersionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan documentationVersionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID := plan.RestAPIID.ValueString()
	out, err := r.client.CreateDocumentationVersion(ctx, apiID, model.DocumentationVersion{Version: plan.Version.ValueString(), Description: plan.Description.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create documentation version "+plan.Version.ValueString()+" of rest api "+apiID, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Revision)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *documentationVersionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state documentationVersionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, version := state.RestAPIID.ValueString(), state.Version.ValueString()
	out, err := r.client.GetDocumentationVersion(ctx, apiID, version)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read documentation version "+version+" of rest api "+apiID, err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Revision)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *documentationVersionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state documentationVersionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, version := state.RestAPIID.ValueString(), state.Version.ValueString()
	in := model.DocumentationVersion{Version: version, Description: plan.Description.ValueString()}
	out, ok := conditionalUpdate[model.DocumentationVersion, documentationVersionModel]{
		what: "documentation version " + version + " of rest api " + apiID, state: state, plan: plan,
		fromAPI: (*documentationVersionModel).fromAPI,
		version: func(v model.DocumentationVersion) int64 { return v.Revision },
		put: func(opts ...client.WriteOption) (model.DocumentationVersion, error) {
			return r.client.UpdateDocumentationVersion(ctx, apiID, version, in, opts...)
		},
		get: func() (model.DocumentationVersion, error) {
			return r.client.GetDocumentationVersion(ctx, apiID, version)
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *documentationVersionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state documentationVersionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, version := state.RestAPIID.ValueString(), state.Version.ValueString()
	if err := r.client.DeleteDocumentationVersion(ctx, apiID, version); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete documentation version "+version+" of rest api "+apiID, err))
	}
}

// ImportState takes REST_API_ID/VERSION, as the AWS provider does.
func (r *documentationVersionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/VERSION", "abc123defg/1.0.0"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("version"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
