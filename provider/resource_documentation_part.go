package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure      = (*documentationPartResource)(nil)
	_ resource.ResourceWithImportState    = (*documentationPartResource)(nil)
	_ resource.ResourceWithValidateConfig = (*documentationPartResource)(nil)
)

// NewDocumentationPartResource returns the gatewayd_documentation_part resource.
func NewDocumentationPartResource() resource.Resource { return &documentationPartResource{} }

type documentationPartResource struct {
	client *client.Client
}

type documentationPartModel struct {
	ID         types.String `tfsdk:"id"`
	PartID     types.String `tfsdk:"documentation_part_id"`
	RestAPIID  types.String `tfsdk:"rest_api_id"`
	Location   types.List   `tfsdk:"location"`
	Properties types.String `tfsdk:"properties"`
}

var docLocationAttrTypes = map[string]attr.Type{
	"type": types.StringType, "method": types.StringType, "path": types.StringType,
	"status_code": types.StringType, "name": types.StringType,
}

func (r *documentationPartResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_documentation_part"
}

func (r *documentationPartResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	field := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc + " Changing it replaces the part.", Optional: true, PlanModifiers: replace}
	}
	types := model.DocumentationLocationTypes()
	var allowed []string
	for _, t := range types {
		fs := model.DocumentationLocationFields[t]
		if len(fs) == 0 {
			fs = []string{"none"}
		}
		allowed = append(allowed, fmt.Sprintf("`%s`: %s", t, strings.Join(fs, ", ")))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Documentation of one entity of a REST API, as `aws_api_gateway_documentation_part`: `location` says which " +
			"entity, `properties` what. gatewayd stores the parts, copies them into each `gatewayd_documentation_version` " +
			"when it is made, and writes them into OpenAPI exports of a stage (`x-amazon-apigateway-documentation`, through " +
			"`GET /v1/restapis/{id}/stages/{name}/exports/oas30` or the `gatewayd_export` data source): the parts of the " +
			"stage's `documentation_version`, or the API's current parts when the stage names none. They do not change how " +
			"requests are served. Two parts cannot document the same location.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the part.",
				Required:            true,
				PlanModifiers:       replace,
			},
			"properties": schema.StringAttribute{
				MarkdownDescription: "The documentation, a JSON object such as `jsonencode({ description = \"...\" })` (API Gateway's " +
					"properties: `description`, `summary`, `info`, ... are exported as written). Kept as written. Changing it updates " +
					"the part in place.",
				Required: true,
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`REST_API_ID/DOCUMENTATION_PART_ID`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"documentation_part_id": schema.StringAttribute{
				MarkdownDescription: "ID of the part (6 lowercase alphanumerics).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"location": schema.ListNestedBlock{
				MarkdownDescription: "The documented entity: exactly one block. The fields each type allows (others are refused at plan " +
					"time, as by API Gateway): " + strings.Join(allowed, "; ") + ". `name` is required where allowed, except " +
					"with `REQUEST_BODY`. Left out, `path` means `/`, `method` and `status_code` mean `*` (every one).",
				Validators:    []validator.List{listvalidator.IsRequired(), listvalidator.SizeBetween(1, 1)},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						MarkdownDescription: "Type of the entity: " + quotedList(types) + ". Required. Changing it replaces the part.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.OneOf(types...)},
						PlanModifiers:       replace,
					},
					"method":      field("HTTP verb of the method (`GET`, ...), or `*`. Defaults to null (`*`)."),
					"path":        field("Resource path, such as `/pets/{petId}`. Defaults to null (`/`)."),
					"status_code": field("Status code of the response, or `*`. Defaults to null (`*`)."),
					"name":        field("Name of the entity: the authorizer, model, parameter or header. Defaults to null."),
				}},
			},
		},
	}
}

func (r *documentationPartResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// locationToAPI reads the location block; ok is false while a value is unknown.
func locationToAPI(l types.List, diags *diag.Diagnostics) (loc model.DocumentationLocation, ok bool) {
	if l.IsNull() || l.IsUnknown() || len(l.Elements()) != 1 {
		return loc, false
	}
	obj, isObj := l.Elements()[0].(types.Object)
	if !isObj {
		diags.AddError("Unexpected Location Type", fmt.Sprintf("Expected an object, got: %T. Please report this issue to the provider developers.", l.Elements()[0]))
		return loc, false
	}
	ok = true
	get := func(name string) string {
		v, _ := obj.Attributes()[name].(types.String)
		if v.IsUnknown() {
			ok = false
		}
		return v.ValueString()
	}
	loc = model.DocumentationLocation{Type: get("type"), Method: get("method"), Path: get("path"), StatusCode: get("status_code"), Name: get("name")}
	return loc, ok
}

func locationValue(l model.DocumentationLocation) types.List {
	str := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: docLocationAttrTypes}, []attr.Value{
		types.ObjectValueMust(docLocationAttrTypes, map[string]attr.Value{
			"type": types.StringValue(l.Type), "method": str(l.Method), "path": str(l.Path),
			"status_code": str(l.StatusCode), "name": str(l.Name),
		}),
	})
}

// ValidateConfig applies gatewayd's rules (API Gateway's) at plan time: the fields of the location's
// type, and properties a JSON object.
func (r *documentationPartResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg documentationPartModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if loc, ok := locationToAPI(cfg.Location, &resp.Diagnostics); ok {
		if err := loc.Validate(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("location"), "Invalid Documentation Location", fieldErrorDetail(err))
		}
	}
	if !cfg.Properties.IsNull() && !cfg.Properties.IsUnknown() {
		p := model.DocumentationPart{Location: model.DocumentationLocation{Type: "API"}, Properties: cfg.Properties.ValueString()}
		if err := p.Validate(); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("properties"), "Invalid Documentation Properties", fieldErrorDetail(err))
		}
	}
}

func (m *documentationPartModel) fromAPI(p model.DocumentationPart) {
	m.ID = types.StringValue(p.RestAPIID + "/" + p.ID)
	m.PartID = types.StringValue(p.ID)
	m.RestAPIID = types.StringValue(p.RestAPIID)
	m.Location = locationValue(p.Location)
	m.Properties = types.StringValue(p.Properties)
}

func (r *documentationPartResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan documentationPartModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	loc, _ := locationToAPI(plan.Location, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID := plan.RestAPIID.ValueString()
	out, err := r.client.CreateDocumentationPart(ctx, apiID, model.DocumentationPart{Location: loc, Properties: plan.Properties.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create a documentation part in rest api "+apiID, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *documentationPartResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state documentationPartModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := state.RestAPIID.ValueString(), state.PartID.ValueString()
	out, err := r.client.GetDocumentationPart(ctx, apiID, id)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read documentation part "+id+" of rest api "+apiID, err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *documentationPartResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state documentationPartModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	loc, _ := locationToAPI(plan.Location, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := state.RestAPIID.ValueString(), state.PartID.ValueString()
	in := model.DocumentationPart{ID: id, Location: loc, Properties: plan.Properties.ValueString()}
	out, ok := conditionalUpdate[model.DocumentationPart, documentationPartModel]{
		what: "documentation part " + id + " of rest api " + apiID, state: state, plan: plan,
		fromAPI: (*documentationPartModel).fromAPI,
		version: func(p model.DocumentationPart) int64 { return p.Version },
		put: func(opts ...client.WriteOption) (model.DocumentationPart, error) {
			return r.client.UpdateDocumentationPart(ctx, apiID, id, in, opts...)
		},
		get: func() (model.DocumentationPart, error) { return r.client.GetDocumentationPart(ctx, apiID, id) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *documentationPartResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state documentationPartModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := state.RestAPIID.ValueString(), state.PartID.ValueString()
	if err := r.client.DeleteDocumentationPart(ctx, apiID, id); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete documentation part "+id+" of rest api "+apiID, err))
	}
}

// ImportState takes REST_API_ID/DOCUMENTATION_PART_ID, as the AWS provider does.
func (r *documentationPartResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/DOCUMENTATION_PART_ID", "abc123defg/xyz987"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("documentation_part_id"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// fieldErrorDetail words a model rule's error as a diagnostic's detail.
func fieldErrorDetail(err error) string {
	var fe *model.FieldError
	if errors.As(err, &fe) {
		return "Attribute " + fe.Field + " " + fe.Message + "."
	}
	return err.Error() + "."
}
