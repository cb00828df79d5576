package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*gatewayResponseResource)(nil)
	_ resource.ResourceWithImportState = (*gatewayResponseResource)(nil)
)

// NewGatewayResponseResource returns the gatewayd_gateway_response resource.
func NewGatewayResponseResource() resource.Resource { return &gatewayResponseResource{} }

type gatewayResponseResource struct {
	client *client.Client
}

type gatewayResponseModel struct {
	ID                 types.String `tfsdk:"id"`
	RestAPIID          types.String `tfsdk:"rest_api_id"`
	ResponseType       types.String `tfsdk:"response_type"`
	StatusCode         types.String `tfsdk:"status_code"`
	ResponseParameters types.Map    `tfsdk:"response_parameters"`
	ResponseTemplates  types.Map    `tfsdk:"response_templates"`
}

func (r *gatewayResponseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_gateway_response"
}

func (r *gatewayResponseResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A gateway response: how an API customizes one type of the answers gatewayd makes itself (not its " +
			"backends'), as API Gateway's: its status, headers and body. Every such answer goes through them, so CORS headers on a 401 " +
			"or a 429 work. A type without a response of its own takes its class's, `DEFAULT_4XX` or `DEFAULT_5XX`; without either, " +
			"the answer is API Gateway's default `{\"message\": ...}`. A change reaches a stage with its next deployment, at once with " +
			"`auto_deploy`. gatewayd produces every type but `RESOURCE_NOT_FOUND` and `WAF_FILTERED`, which are accepted so that " +
			"ported configurations apply.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the gateway response.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"response_type": schema.StringAttribute{
				MarkdownDescription: "The response type: one of `" + strings.Join(model.GatewayResponseTypes, "`, `") +
					"`. Changing it replaces the gateway response.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.OneOf(model.GatewayResponseTypes...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional attributes
			"status_code": schema.StringAttribute{
				MarkdownDescription: "Status of the answer, such as `401`. On `DEFAULT_4XX` and `DEFAULT_5XX` it applies to every type of " +
					"the class without a response of its own. Defaults to `\"\"` (the type's own status).",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
				Validators: []validator.String{stringvalidator.Any(stringvalidator.LengthBetween(0, 0),
					stringvalidator.RegexMatches(model.StatusCodePattern, "must be an HTTP status code between 100 and 599"))},
			},
			"response_parameters": schema.MapAttribute{
				MarkdownDescription: "Headers of the answer: keys `gatewayresponse.header.NAME`, values a `'literal'` (in single quotes), " +
					"`method.request.header.NAME`, `method.request.querystring.NAME`, `method.request.path.NAME`, `stageVariables.NAME` " +
					"or `context.NAME`. Defaults to `{}`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(model.GatewayResponseParameterPattern, "must look like gatewayresponse.header.NAME")),
					mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(model.GatewayResponseValuePattern,
						"must be 'literal', method.request.{header|querystring|path}.NAME, stageVariables.NAME or context.NAME")),
				},
			},
			"response_templates": schema.MapAttribute{
				MarkdownDescription: "Body templates (Velocity, as mapping templates) by content type, chosen by the request's Accept " +
					"header, else `application/json`'s. They read `$context.error.message`, `$context.error.messageString` (quoted, or " +
					"`null`), `$context.error.responseType`, `$context.error.validationErrorString` and the rest of `$context`. " +
					"Defaults to `{}`: API Gateway's `{\"message\":$context.error.messageString}`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MediaTypePattern, "must be a content type such as application/json")),
					mapvalidator.ValueStringsAre(validators.MappingTemplate()),
				},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`REST_API_ID/RESPONSE_TYPE`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *gatewayResponseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *gatewayResponseModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.GatewayResponse {
	return model.GatewayResponse{
		StatusCode:         m.StatusCode.ValueString(),
		ResponseParameters: toStringMap(ctx, m.ResponseParameters, diags),
		ResponseTemplates:  toStringMap(ctx, m.ResponseTemplates, diags),
	}
}

func (m *gatewayResponseModel) fromAPI(o model.GatewayResponse) {
	m.ID = types.StringValue(o.RestAPIID + "/" + o.ResponseType)
	m.RestAPIID = types.StringValue(o.RestAPIID)
	m.ResponseType = types.StringValue(o.ResponseType)
	m.StatusCode = types.StringValue(o.StatusCode)
	m.ResponseParameters = stringMapValue(o.ResponseParameters)
	m.ResponseTemplates = stringMapValue(o.ResponseTemplates)
}

func (m *gatewayResponseModel) key() (apiID, typ string) {
	return m.RestAPIID.ValueString(), m.ResponseType.ValueString()
}

func (r *gatewayResponseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan gatewayResponseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, typ := plan.key()
	out, err := r.client.PutGatewayResponse(ctx, apiID, typ, in, client.IfNoneMatch())
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		resp.Diagnostics.Append(methodExistsError("Gateway Response", "gatewayd_gateway_response", apiID+"/"+typ))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create gateway response "+apiID+"/"+typ, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *gatewayResponseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state gatewayResponseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, typ := state.key()
	out, err := r.client.GetGatewayResponse(ctx, apiID, typ)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read gateway response "+apiID+"/"+typ, err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *gatewayResponseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state gatewayResponseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, typ := plan.key()
	out, ok := conditionalUpdate[model.GatewayResponse, gatewayResponseModel]{
		what: "gateway response " + apiID + "/" + typ, state: state, plan: plan,
		fromAPI: (*gatewayResponseModel).fromAPI,
		version: func(o model.GatewayResponse) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.GatewayResponse, error) {
			return r.client.PutGatewayResponse(ctx, apiID, typ, in, opts...)
		},
		get: func() (model.GatewayResponse, error) { return r.client.GetGatewayResponse(ctx, apiID, typ) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *gatewayResponseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state gatewayResponseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, typ := state.key()
	err := r.client.DeleteGatewayResponse(ctx, apiID, typ)
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete gateway response "+apiID+"/"+typ, err))
	}
}

func (r *gatewayResponseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/RESPONSE_TYPE", "abc123defg/UNAUTHORIZED"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("response_type"), parts[1])...)
}
