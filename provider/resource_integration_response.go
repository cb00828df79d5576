package provider

import (
	"context"
	"fmt"
	"regexp"
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
	_ resource.ResourceWithConfigure   = (*integrationResponseResource)(nil)
	_ resource.ResourceWithImportState = (*integrationResponseResource)(nil)
)

// NewIntegrationResponseResource returns the gatewayd_integration_response resource.
func NewIntegrationResponseResource() resource.Resource { return &integrationResponseResource{} }

type integrationResponseResource struct {
	client *client.Client
}

type integrationResponseModel struct {
	ID                 types.String `tfsdk:"id"`
	RestAPIID          types.String `tfsdk:"rest_api_id"`
	ResourceID         types.String `tfsdk:"resource_id"`
	HTTPMethod         types.String `tfsdk:"http_method"`
	StatusCode         types.String `tfsdk:"status_code"`
	SelectionPattern   types.String `tfsdk:"selection_pattern"`
	ResponseParameters types.Map    `tfsdk:"response_parameters"`
	ResponseTemplates  types.Map    `tfsdk:"response_templates"`
	ContentHandling    types.String `tfsdk:"content_handling"`
}

func (r *integrationResponseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_integration_response"
}

func (r *integrationResponseResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Maps a backend answer of an integration to the method's answer: the backend's status code is " +
			"matched against `selection_pattern`, and the matching response (else the default one) sets the status code, headers and body. " +
			"The integration must exist. Proxy integrations (`HTTP_PROXY`, `AWS_PROXY`) pass answers through and do not use these.",
		Attributes: map[string]schema.Attribute{
			// Required attributes (rest_api_id, resource_id and http_method are added below)
			"status_code": schema.StringAttribute{
				MarkdownDescription: "HTTP status code the method answers with, such as `200`: three digits, 100 to 599. " +
					"Changing it replaces the integration response.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.RegexMatches(model.StatusCodePattern, "must be an HTTP status code between 100 and 599")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional attributes
			"selection_pattern": schema.StringAttribute{
				MarkdownDescription: "Regular expression in Go's RE2 syntax (no backreferences or lookaround) that must match the whole " +
					"of the backend's status code (`HTTP`) or the `statusCode` a `MOCK` request template sets, such as `4\\d{2}`. " +
					"`\"\"` makes this the default response, of which an integration may have one. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{re2Validator{}},
			},
			"response_parameters": schema.MapAttribute{
				MarkdownDescription: "Response headers of the method: keys are `method.response.header.NAME`, values are " +
					"`integration.response.header.NAME`, `integration.response.body` (or `integration.response.body.JSON_PATH`), " +
					"a `'literal'`, `stageVariables.NAME` or `context.NAME`. Defaults to `{}`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MethodResponseParameterPattern, "must look like method.response.header.NAME")),
					mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(model.IntegrationResponseValuePattern,
						"must be integration.response.header.NAME, integration.response.body, 'literal', stageVariables.NAME or context.NAME")),
				},
			},
			"response_templates": schema.MapAttribute{
				MarkdownDescription: "Mapping templates of the response by content type (such as `application/json`), Velocity (VTL) as in request " +
					"templates, with `$input` reading the backend's answer: the client's Accept header picks one (else `application/json`'s, " +
					"else the only one), and its output is the body. `$context.responseOverride.status` and `.header.NAME` change the " +
					"status and headers. A syntax error fails the plan with its line and column. Defaults to `{}`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MediaTypePattern, "must be a content type such as application/json")),
					mapvalidator.ValueStringsAre(validators.MappingTemplate()),
				},
			},
			"content_handling": schema.StringAttribute{
				MarkdownDescription: "Conversion of the response body: `CONVERT_TO_TEXT` turns a binary answer (a Content-Type in the API's " +
					"`binary_media_types`) into base64 text before the template; `CONVERT_TO_BINARY` decodes a base64 text answer (after " +
					"the template) into binary; `\"\"` passes the body as it is, and a binary answer then skips the template. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{stringvalidator.OneOf(integrationContentHandlings...)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the integration response: `REST_API_ID/RESOURCE_ID/HTTP_METHOD/STATUS_CODE`, also its import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
	for name, attr := range methodKeySchema("integration response") {
		resp.Schema.Attributes[name] = attr
	}
}

// re2Validator checks that a string compiles as a Go (RE2) regular expression, as gatewayd requires.
type re2Validator struct{}

func (re2Validator) Description(context.Context) string {
	return "value must be a valid regular expression in RE2 syntax"
}

func (v re2Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (re2Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Regular Expression",
			fmt.Sprintf("Attribute %s must be a valid regular expression in RE2 syntax (no backreferences or lookaround): %s", req.Path, err))
	}
}

func (r *integrationResponseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *integrationResponseModel) methodID() client.MethodID {
	return client.MethodID{RestAPIID: m.RestAPIID.ValueString(), ResourceID: m.ResourceID.ValueString(), HTTPMethod: m.HTTPMethod.ValueString()}
}

func (m *integrationResponseModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.IntegrationResponse {
	return model.IntegrationResponse{
		SelectionPattern:   m.SelectionPattern.ValueString(),
		ResponseParameters: toStringMap(ctx, m.ResponseParameters, diags),
		ResponseTemplates:  toStringMap(ctx, m.ResponseTemplates, diags),
		ContentHandling:    m.ContentHandling.ValueString(),
	}
}

func (m *integrationResponseModel) fromAPI(in model.IntegrationResponse) {
	m.ID = types.StringValue(strings.Join([]string{in.RestAPIID, in.ResourceID, in.HTTPMethod, in.StatusCode}, "/"))
	m.RestAPIID = types.StringValue(in.RestAPIID)
	m.ResourceID = types.StringValue(in.ResourceID)
	m.HTTPMethod = types.StringValue(in.HTTPMethod)
	m.StatusCode = types.StringValue(in.StatusCode)
	m.SelectionPattern = types.StringValue(in.SelectionPattern)
	m.ResponseParameters = stringMapValue(in.ResponseParameters)
	m.ResponseTemplates = stringMapValue(in.ResponseTemplates)
	m.ContentHandling = types.StringValue(in.ContentHandling)
}

func (r *integrationResponseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan integrationResponseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id, status := plan.methodID(), plan.StatusCode.ValueString()
	// Create only: a PUT would silently take over a response made outside this configuration.
	out, err := r.client.PutIntegrationResponse(ctx, id, status, in, client.IfNoneMatch())
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		importID := strings.Join([]string{id.RestAPIID, id.ResourceID, id.HTTPMethod, status}, "/")
		resp.Diagnostics.AddError("Integration Response Already Exists",
			fmt.Sprintf("The integration of method %s of resource %s of rest api %s already has a %s response. "+
				"To manage it with Terraform, import it:\n\n  terraform import gatewayd_integration_response.NAME %s\n\nOriginal Error: %s",
				id.HTTPMethod, id.ResourceID, id.RestAPIID, status, importID, err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create the integration response", err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *integrationResponseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state integrationResponseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetIntegrationResponse(ctx, state.methodID(), state.StatusCode.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read integration response "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *integrationResponseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state integrationResponseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.IntegrationResponse, integrationResponseModel]{
		what: "integration response " + plan.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*integrationResponseModel).fromAPI,
		version: func(o model.IntegrationResponse) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.IntegrationResponse, error) {
			return r.client.PutIntegrationResponse(ctx, plan.methodID(), plan.StatusCode.ValueString(), in, opts...)
		},
		get: func() (model.IntegrationResponse, error) {
			return r.client.GetIntegrationResponse(ctx, plan.methodID(), plan.StatusCode.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *integrationResponseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state integrationResponseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteIntegrationResponse(ctx, state.methodID(), state.StatusCode.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete integration response "+state.ID.ValueString(), err))
	}
}

func (r *integrationResponseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 4, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/RESOURCE_ID/HTTP_METHOD/STATUS_CODE", "a1b2c3d4e5/f6g7h8i9j0/GET/200"))
		return
	}
	parts[2] = strings.ToUpper(parts[2])
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.Join(parts, "/"))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_id"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("http_method"), parts[2])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("status_code"), parts[3])...)
}
