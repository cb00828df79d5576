package provider

import (
	"context"
	"fmt"

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
	jsonschema "github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model/schema"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure      = (*modelResource)(nil)
	_ resource.ResourceWithImportState    = (*modelResource)(nil)
	_ resource.ResourceWithValidateConfig = (*modelResource)(nil)
)

// NewModelResource returns the gatewayd_model resource.
func NewModelResource() resource.Resource { return &modelResource{} }

type modelResource struct {
	client *client.Client
}

type modelModel struct {
	ID          types.String `tfsdk:"id"`
	RestAPIID   types.String `tfsdk:"rest_api_id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	ContentType types.String `tfsdk:"content_type"`
	Schema      types.String `tfsdk:"schema"`
}

func (r *modelResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_model"
}

func (r *modelResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A model: a JSON Schema (draft 4) of a request body, as in API Gateway. A method names models in its " +
			"`request_models` (by content type), and a `gatewayd_request_validator` with `validate_request_body` makes the method " +
			"refuse a body that does not match with 400 `{\"message\": \"Invalid request body\"}`. A schema refers to another model " +
			"of the API with `{\"$ref\": \"https://apigateway.amazonaws.com/restapis/REST_API_ID/models/NAME\"}`; nothing else is " +
			"ever loaded. A model that a method or another model uses cannot be deleted. Every API also has the models `Empty` and " +
			"`Error` that API Gateway creates, so configurations that name them apply unchanged.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the model.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the model, 1 to 128 letters or digits; methods and `$ref`s name it. Changing it replaces the model.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.RegexMatches(model.ModelNamePattern, "must be 1 to 128 letters or digits")},
			},
			"schema": schema.StringAttribute{
				MarkdownDescription: "The JSON Schema (draft 4), for example with `jsonencode({ type = \"object\", required = [\"name\"] })`. " +
					"gatewayd refuses a schema that does not compile or refers to a model the API does not have.",
				Required: true,
			},
			// Optional attributes
			"content_type": schema.StringAttribute{
				MarkdownDescription: "Content type of the bodies the model describes. Defaults to `application/json`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("application/json"),
				Validators:          []validator.String{stringvalidator.RegexMatches(model.MediaTypePattern, "must be a content type such as application/json")},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the model. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(model.MaxDescriptionLength)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the model. Import it with `REST_API_ID/NAME`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *modelResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the schema at plan time as far as it can alone: JSON and draft 4. Whether its
// $refs name models that exist is gatewayd's check at apply.
func (r *modelResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg modelModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.Schema.IsUnknown() || cfg.Schema.IsNull() {
		return
	}
	if err := jsonschema.CheckAlone(cfg.Schema.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("schema"), "Invalid Model Schema",
			fmt.Sprintf("Attribute schema must be a JSON Schema (draft 4): %s", err))
	}
}

func (m *modelModel) toAPI() model.Model {
	return model.Model{Name: m.Name.ValueString(), Description: m.Description.ValueString(),
		ContentType: m.ContentType.ValueString(), Schema: m.Schema.ValueString()}
}

func (m *modelModel) fromAPI(o model.Model) {
	m.ID = types.StringValue(o.ID)
	m.RestAPIID = types.StringValue(o.RestAPIID)
	m.Name = types.StringValue(o.Name)
	m.Description = types.StringValue(o.Description)
	m.ContentType = types.StringValue(o.ContentType)
	m.Schema = types.StringValue(o.Schema)
}

func (m *modelModel) importID() string { return m.RestAPIID.ValueString() + "/" + m.Name.ValueString() }

func (r *modelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan modelModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateModel(ctx, plan.RestAPIID.ValueString(), plan.toAPI())
	if client.IsConflict(err) {
		resp.Diagnostics.Append(methodExistsError("Model", "gatewayd_model", plan.importID()))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create model "+plan.importID(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *modelResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state modelModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetModel(ctx, state.RestAPIID.ValueString(), state.Name.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read model "+state.importID(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *modelResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state modelModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.Model, modelModel]{
		what: "model " + plan.importID(), state: state, plan: plan,
		fromAPI: (*modelModel).fromAPI,
		version: func(o model.Model) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.Model, error) {
			return r.client.UpdateModel(ctx, plan.RestAPIID.ValueString(), plan.Name.ValueString(), plan.toAPI(), opts...)
		},
		get: func() (model.Model, error) {
			return r.client.GetModel(ctx, plan.RestAPIID.ValueString(), plan.Name.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *modelResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state modelModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteModel(ctx, state.RestAPIID.ValueString(), state.Name.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete model "+state.importID(), err))
	}
}

func (r *modelResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/NAME", "abc123defg/Pet"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), parts[1])...)
}
