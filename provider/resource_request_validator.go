package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure   = (*requestValidatorResource)(nil)
	_ resource.ResourceWithImportState = (*requestValidatorResource)(nil)
)

// NewRequestValidatorResource returns the gatewayd_request_validator resource.
func NewRequestValidatorResource() resource.Resource { return &requestValidatorResource{} }

type requestValidatorResource struct {
	client *client.Client
}

type requestValidatorModel struct {
	ID                        types.String `tfsdk:"id"`
	RestAPIID                 types.String `tfsdk:"rest_api_id"`
	Name                      types.String `tfsdk:"name"`
	ValidateRequestBody       types.Bool   `tfsdk:"validate_request_body"`
	ValidateRequestParameters types.Bool   `tfsdk:"validate_request_parameters"`
}

func (r *requestValidatorResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_request_validator"
}

func (r *requestValidatorResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A request validator: what a `gatewayd_method` that names it in `request_validator_id` checks before " +
			"calling its integration, as API Gateway's. A missing required parameter (a `request_parameters` entry set to `true`) " +
			"is answered 400 `{\"message\": \"Missing required request parameters: [a, b]\"}`; a body that does not match the " +
			"method's model for its content type (`request_models`) 400 `{\"message\": \"Invalid request body\"}`. Without a " +
			"validator, required flags and models are not enforced, as in API Gateway. A validator a method uses cannot be deleted.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the validator.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the validator.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, model.MaxNameLength)},
			},
			// Optional attributes
			"validate_request_body": schema.BoolAttribute{
				MarkdownDescription: "Whether request bodies are checked against the method's models. Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"validate_request_parameters": schema.BoolAttribute{
				MarkdownDescription: "Whether the method's required request parameters must be present. Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the validator, which methods name in `request_validator_id`. Import it with `REST_API_ID/VALIDATOR_ID`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *requestValidatorResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *requestValidatorModel) toAPI() model.RequestValidator {
	return model.RequestValidator{Name: m.Name.ValueString(), ValidateRequestBody: m.ValidateRequestBody.ValueBool(),
		ValidateRequestParameters: m.ValidateRequestParameters.ValueBool()}
}

func (m *requestValidatorModel) fromAPI(o model.RequestValidator) {
	m.ID = types.StringValue(o.ID)
	m.RestAPIID = types.StringValue(o.RestAPIID)
	m.Name = types.StringValue(o.Name)
	m.ValidateRequestBody = types.BoolValue(o.ValidateRequestBody)
	m.ValidateRequestParameters = types.BoolValue(o.ValidateRequestParameters)
}

func (m *requestValidatorModel) what() string {
	return "request validator " + m.RestAPIID.ValueString() + "/" + m.ID.ValueString()
}

func (r *requestValidatorResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan requestValidatorModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateRequestValidator(ctx, plan.RestAPIID.ValueString(), plan.toAPI())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create a request validator of rest api "+plan.RestAPIID.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *requestValidatorResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state requestValidatorModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetRequestValidator(ctx, state.RestAPIID.ValueString(), state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read "+state.what(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *requestValidatorResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state requestValidatorModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.RequestValidator, requestValidatorModel]{
		what: plan.what(), state: state, plan: plan,
		fromAPI: (*requestValidatorModel).fromAPI,
		version: func(o model.RequestValidator) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.RequestValidator, error) {
			return r.client.UpdateRequestValidator(ctx, plan.RestAPIID.ValueString(), plan.ID.ValueString(), plan.toAPI(), opts...)
		},
		get: func() (model.RequestValidator, error) {
			return r.client.GetRequestValidator(ctx, plan.RestAPIID.ValueString(), plan.ID.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *requestValidatorResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state requestValidatorModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteRequestValidator(ctx, state.RestAPIID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete "+state.what(), err))
	}
}

func (r *requestValidatorResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/VALIDATOR_ID", "abc123defg/xyz987wvut"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[1])...)
}
