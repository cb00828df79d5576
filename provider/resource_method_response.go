package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure   = (*methodResponseResource)(nil)
	_ resource.ResourceWithImportState = (*methodResponseResource)(nil)
)

// NewMethodResponseResource returns the gatewayd_method_response resource.
func NewMethodResponseResource() resource.Resource { return &methodResponseResource{} }

type methodResponseResource struct {
	client *client.Client
}

type methodResponseModel struct {
	ID                 types.String `tfsdk:"id"`
	RestAPIID          types.String `tfsdk:"rest_api_id"`
	ResourceID         types.String `tfsdk:"resource_id"`
	HTTPMethod         types.String `tfsdk:"http_method"`
	StatusCode         types.String `tfsdk:"status_code"`
	ResponseParameters types.Map    `tfsdk:"response_parameters"`
	ResponseModels     types.Map    `tfsdk:"response_models"`
}

func (r *methodResponseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_method_response"
}

func (r *methodResponseResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Required attributes
	attrs := methodKeySchema("method response")
	attrs["http_method"] = schema.StringAttribute{
		MarkdownDescription: "HTTP verb of the method (a `gatewayd_method`'s `http_method`), which must exist. Changing it replaces the method response.",
		Required:            true,
		Validators:          []validator.String{stringvalidator.OneOf(model.HTTPMethods...)},
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	attrs["status_code"] = schema.StringAttribute{
		MarkdownDescription: "HTTP status code of the response, such as `200`: three digits from `100` to `599`. Changing it replaces the method response.",
		Required:            true,
		Validators:          []validator.String{stringvalidator.RegexMatches(model.StatusCodePattern, "must be an HTTP status code between 100 and 599")},
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
	// Optional attributes
	attrs["response_parameters"] = schema.MapAttribute{
		MarkdownDescription: "Headers the response may carry, keyed `method.response.header.NAME`; the value says whether the header is required. Defaults to `{}`.",
		ElementType:         types.BoolType,
		Optional:            true,
		Computed:            true,
		Default:             mapdefault.StaticValue(types.MapValueMust(types.BoolType, map[string]attr.Value{})),
		Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MethodResponseParameterPattern,
			"must look like method.response.header.NAME"))},
	}
	attrs["response_models"] = schema.MapAttribute{
		MarkdownDescription: "Models of the response body, keyed by content type (such as `application/json`): names of " +
			"`gatewayd_model`s, or `Empty` and `Error`, which every API has as in API Gateway. They document the response " +
			"(and are exported with OpenAPI); gatewayd does not validate responses. Defaults to `{}`.",
		ElementType: types.StringType,
		Optional:    true,
		Computed:    true,
		Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
		Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MediaTypePattern,
			"must be a content type such as application/json"))},
	}
	// Computed attributes
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "ID of the method response: `REST_API_ID/RESOURCE_ID/HTTP_METHOD/STATUS_CODE`, also its import ID.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A method response: a status code a method may answer with, and the headers and models that response may carry. " +
			"Creating one that already exists is an error; import it instead.",
		Attributes: attrs,
	}
}

func (r *methodResponseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *methodResponseModel) methodID() client.MethodID {
	return client.MethodID{RestAPIID: m.RestAPIID.ValueString(), ResourceID: m.ResourceID.ValueString(), HTTPMethod: m.HTTPMethod.ValueString()}
}

func (m *methodResponseModel) importID() string {
	return methodImportID(m.methodID()) + "/" + m.StatusCode.ValueString()
}

func (m *methodResponseModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.MethodResponse {
	return model.MethodResponse{
		ResponseParameters: toBoolMap(ctx, m.ResponseParameters, diags),
		ResponseModels:     toStringMap(ctx, m.ResponseModels, diags),
	}
}

func (m *methodResponseModel) fromAPI(in model.MethodResponse) {
	m.RestAPIID = types.StringValue(in.RestAPIID)
	m.ResourceID = types.StringValue(in.ResourceID)
	m.HTTPMethod = types.StringValue(in.HTTPMethod)
	m.StatusCode = types.StringValue(in.StatusCode)
	m.ID = types.StringValue(m.importID())
	m.ResponseParameters = boolMapValue(in.ResponseParameters)
	m.ResponseModels = stringMapValue(in.ResponseModels)
}

func (r *methodResponseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan methodResponseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.PutMethodResponse(ctx, plan.methodID(), plan.StatusCode.ValueString(), in, client.IfNoneMatch())
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		resp.Diagnostics.Append(methodExistsError("Method Response", "gatewayd_method_response", plan.importID()))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create method response "+plan.importID(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *methodResponseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state methodResponseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetMethodResponse(ctx, state.methodID(), state.StatusCode.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read method response "+state.importID(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *methodResponseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state methodResponseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.MethodResponse, methodResponseModel]{
		what: "method response " + plan.importID(), state: state, plan: plan,
		fromAPI: (*methodResponseModel).fromAPI,
		version: func(o model.MethodResponse) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.MethodResponse, error) {
			return r.client.PutMethodResponse(ctx, plan.methodID(), plan.StatusCode.ValueString(), in, opts...)
		},
		get: func() (model.MethodResponse, error) {
			return r.client.GetMethodResponse(ctx, plan.methodID(), plan.StatusCode.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *methodResponseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state methodResponseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteMethodResponse(ctx, state.methodID(), state.StatusCode.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete method response "+state.importID(), err))
	}
}

func (r *methodResponseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 4, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/RESOURCE_ID/HTTP_METHOD/STATUS_CODE", "a1b2c3d4e5/f6g7h8i9j0/GET/200"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_id"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("http_method"), parts[2])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("status_code"), parts[3])...)
}
