package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure      = (*methodResource)(nil)
	_ resource.ResourceWithImportState    = (*methodResource)(nil)
	_ resource.ResourceWithValidateConfig = (*methodResource)(nil)
)

// NewMethodResource returns the gatewayd_method resource.
func NewMethodResource() resource.Resource { return &methodResource{} }

type methodResource struct {
	client *client.Client
}

type methodModel struct {
	ID                  types.String `tfsdk:"id"`
	RestAPIID           types.String `tfsdk:"rest_api_id"`
	ResourceID          types.String `tfsdk:"resource_id"`
	HTTPMethod          types.String `tfsdk:"http_method"`
	Authorization       types.String `tfsdk:"authorization"`
	AuthorizerID        types.String `tfsdk:"authorizer_id"`
	AuthorizationScopes types.Set    `tfsdk:"authorization_scopes"`
	APIKeyRequired      types.Bool   `tfsdk:"api_key_required"`
	OperationName       types.String `tfsdk:"operation_name"`
	RequestParameters   types.Map    `tfsdk:"request_parameters"`
	RequestModels       types.Map    `tfsdk:"request_models"`
	RequestValidatorID  types.String `tfsdk:"request_validator_id"`
}

// methodKeySchema are the required attributes that name a method; changing one replaces it.
func methodKeySchema(noun string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"rest_api_id": schema.StringAttribute{
			MarkdownDescription: "ID of the REST API. Changing it replaces the " + noun + ".",
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"resource_id": schema.StringAttribute{
			MarkdownDescription: "ID of the resource (a `gatewayd_resource`'s `id` or the API's `root_resource_id`). Changing it replaces the " + noun + ".",
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"http_method": schema.StringAttribute{
			MarkdownDescription: "HTTP verb of the method, in upper case: one of `" + strings.Join(model.HTTPMethods, "`, `") +
				"`. `ANY` matches every verb the resource has no explicit method for. Changing it replaces the " + noun + ".",
			Required:      true,
			Validators:    []validator.String{stringvalidator.OneOf(model.HTTPMethods...)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
	}
}

func (r *methodResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_method"
}

func (r *methodResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	// Required attributes
	attrs := methodKeySchema("method")
	attrs["authorization"] = schema.StringAttribute{
		MarkdownDescription: "How callers are authorized: one of `" + strings.Join(model.AuthorizationTypes, "`, `") + "`. " +
			"`NONE`: anyone (the API's resource policy may still refuse); `CUSTOM`: a `TOKEN` or `REQUEST` `gatewayd_authorizer`; " +
			"`COGNITO_USER_POOLS` (or its alias `JWT`): a `COGNITO_USER_POOLS` authorizer's JSON Web Tokens; `AWS_IAM`: requests " +
			"signed with SigV4 by a `gatewayd_iam_user`'s access key, allowed by its policies or the resource policy (unsigned: 403 " +
			"`Missing Authentication Token`). `CUSTOM`, `COGNITO_USER_POOLS` and `JWT` need `authorizer_id`.",
		Required:   true,
		Validators: []validator.String{stringvalidator.OneOf(model.AuthorizationTypes...)},
	}
	// Optional attributes
	attrs["authorizer_id"] = schema.StringAttribute{
		MarkdownDescription: "ID of the authorizer. Required when `authorization` is `CUSTOM`, `COGNITO_USER_POOLS` or `JWT`, and must be empty otherwise. Defaults to `\"\"`.",
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(""),
	}
	attrs["authorization_scopes"] = schema.SetAttribute{
		MarkdownDescription: "OAuth scopes, with `COGNITO_USER_POOLS` or `JWT` only: the caller's access token must carry one of them in " +
			"its `scope` claim; without scopes an ID token is required, as in API Gateway. Defaults to `[]`.",
		ElementType: types.StringType,
		Optional:    true,
		Computed:    true,
		Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
	}
	attrs["api_key_required"] = schema.BoolAttribute{
		MarkdownDescription: "Whether callers must send an API key. Defaults to `false`.",
		Optional:            true,
		Computed:            true,
		Default:             booldefault.StaticBool(false),
	}
	attrs["operation_name"] = schema.StringAttribute{
		MarkdownDescription: "Friendly operation name of the method, such as `GetPet`. Defaults to `\"\"`.",
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(""),
	}
	attrs["request_parameters"] = schema.MapAttribute{
		MarkdownDescription: "Request parameters the method accepts, keyed `method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME`; " +
			"the value says whether the parameter is required, which a `request_validator_id` with `validate_request_parameters` enforces " +
			"(400 `Missing required request parameters: [...]`), as in API Gateway. Defaults to `{}`.",
		ElementType: types.BoolType,
		Optional:    true,
		Computed:    true,
		Default:     mapdefault.StaticValue(types.MapValueMust(types.BoolType, map[string]attr.Value{})),
		Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MethodRequestParameterPattern,
			"must look like method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME"))},
	}
	attrs["request_models"] = schema.MapAttribute{
		MarkdownDescription: "Models (`gatewayd_model` names) of the request body, keyed by content type (such as `application/json`; a request without " +
			"Content-Type is `application/json`). A `request_validator_id` with `validate_request_body` checks bodies against them (400 `Invalid request " +
			"body`); each must exist. Defaults to `{}`.",
		ElementType: types.StringType,
		Optional:    true,
		Computed:    true,
		Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
		Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MediaTypePattern,
			"must be a content type such as application/json"))},
	}
	attrs["request_validator_id"] = schema.StringAttribute{
		MarkdownDescription: "ID of the `gatewayd_request_validator` that checks requests before the integration is called; it must " +
			"exist. Defaults to `\"\"` (nothing is checked).",
		Optional: true,
		Computed: true,
		Default:  stringdefault.StaticString(""),
	}
	// Computed attributes
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "ID of the method: `REST_API_ID/RESOURCE_ID/HTTP_METHOD`, also its import ID.",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A method: an HTTP verb declared on a resource, with how callers are authorized and what the request may carry. " +
			"Creating a method that already exists is an error; import it instead. Deleting it deletes its integration and responses.",
		Attributes: attrs,
	}
}

// ValidateConfig checks at plan time that authorizer_id is set exactly when authorization needs one.
func (r *methodResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var auth, authorizer types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("authorization"), &auth)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("authorizer_id"), &authorizer)...)
	if resp.Diagnostics.HasError() || auth.IsNull() || auth.IsUnknown() || authorizer.IsUnknown() {
		return
	}
	needs := slices.Contains([]string{model.AuthCustom, model.AuthCognito, model.AuthJWT}, auth.ValueString())
	switch has := authorizer.ValueString() != ""; {
	case needs && !has:
		resp.Diagnostics.AddAttributeError(path.Root("authorizer_id"), "Missing Authorizer ID",
			"authorizer_id is required when authorization is "+auth.ValueString()+".")
	case !needs && has:
		resp.Diagnostics.AddAttributeError(path.Root("authorizer_id"), "Unexpected Authorizer ID",
			"authorizer_id must be empty when authorization is "+auth.ValueString()+
				"; set authorization to CUSTOM, COGNITO_USER_POOLS or JWT to use an authorizer.")
	}
}

func (r *methodResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *methodModel) methodID() client.MethodID {
	return client.MethodID{RestAPIID: m.RestAPIID.ValueString(), ResourceID: m.ResourceID.ValueString(), HTTPMethod: m.HTTPMethod.ValueString()}
}

func methodImportID(id client.MethodID) string {
	return id.RestAPIID + "/" + id.ResourceID + "/" + id.HTTPMethod
}

func (m *methodModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.Method {
	return model.Method{
		Authorization:       m.Authorization.ValueString(),
		AuthorizerID:        m.AuthorizerID.ValueString(),
		AuthorizationScopes: toStrings(ctx, m.AuthorizationScopes, diags),
		APIKeyRequired:      m.APIKeyRequired.ValueBool(),
		OperationName:       m.OperationName.ValueString(),
		RequestParameters:   toBoolMap(ctx, m.RequestParameters, diags),
		RequestModels:       toStringMap(ctx, m.RequestModels, diags),
		RequestValidatorID:  m.RequestValidatorID.ValueString(),
	}
}

func (m *methodModel) fromAPI(in model.Method) {
	id := client.MethodID{RestAPIID: in.RestAPIID, ResourceID: in.ResourceID, HTTPMethod: in.HTTPMethod}
	m.ID = types.StringValue(methodImportID(id))
	m.RestAPIID = types.StringValue(in.RestAPIID)
	m.ResourceID = types.StringValue(in.ResourceID)
	m.HTTPMethod = types.StringValue(in.HTTPMethod)
	m.Authorization = types.StringValue(in.Authorization)
	m.AuthorizerID = types.StringValue(in.AuthorizerID)
	m.AuthorizationScopes = stringSetValue(in.AuthorizationScopes)
	m.APIKeyRequired = types.BoolValue(in.APIKeyRequired)
	m.OperationName = types.StringValue(in.OperationName)
	m.RequestParameters = boolMapValue(in.RequestParameters)
	m.RequestModels = stringMapValue(in.RequestModels)
	m.RequestValidatorID = types.StringValue(in.RequestValidatorID)
}

// methodExistsError reports a create that found the object there already: adopting it silently
// would let two configurations fight over it.
func methodExistsError(what, resourceType, importID string) diag.Diagnostic {
	return diag.NewErrorDiagnostic(what+" Already Exists",
		"gatewayd already has this "+strings.ToLower(what)+", so Terraform will not create it over the existing one. "+
			"To manage it with Terraform, import it:\n\n  terraform import "+resourceType+".NAME "+importID+
			"\n\nor add an import block with id = \""+importID+"\".")
}

func (r *methodResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan methodModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.methodID()
	out, err := r.client.PutMethod(ctx, id, in, client.IfNoneMatch())
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		resp.Diagnostics.Append(methodExistsError("Method", "gatewayd_method", methodImportID(id)))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create method "+methodImportID(id), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *methodResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state methodModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.methodID()
	out, err := r.client.GetMethod(ctx, id)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read method "+methodImportID(id), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *methodResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state methodModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.methodID()
	out, ok := conditionalUpdate[model.Method, methodModel]{
		what: "method " + methodImportID(id), state: state, plan: plan,
		fromAPI: (*methodModel).fromAPI,
		version: func(o model.Method) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.Method, error) {
			return r.client.PutMethod(ctx, id, in, opts...)
		},
		get: func() (model.Method, error) { return r.client.GetMethod(ctx, id) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *methodResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state methodModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.methodID()
	err := r.client.DeleteMethod(ctx, id)
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete method "+methodImportID(id), err))
	}
}

func (r *methodResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 3, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/RESOURCE_ID/HTTP_METHOD", "a1b2c3d4e5/f6g7h8i9j0/GET"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_id"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("http_method"), parts[2])...)
}
