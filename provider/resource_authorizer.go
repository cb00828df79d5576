package provider

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
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
	_ resource.ResourceWithConfigure      = (*authorizerResource)(nil)
	_ resource.ResourceWithImportState    = (*authorizerResource)(nil)
	_ resource.ResourceWithValidateConfig = (*authorizerResource)(nil)
)

// NewAuthorizerResource returns the gatewayd_authorizer resource.
func NewAuthorizerResource() resource.Resource { return &authorizerResource{} }

type authorizerResource struct {
	client *client.Client
}

type authorizerModel struct {
	ID                           types.String `tfsdk:"id"`
	ARN                          types.String `tfsdk:"arn"`
	RestAPIID                    types.String `tfsdk:"rest_api_id"`
	Name                         types.String `tfsdk:"name"`
	Type                         types.String `tfsdk:"type"`
	AuthorizerURI                types.String `tfsdk:"authorizer_uri"`
	AuthorizerCredentials        types.String `tfsdk:"authorizer_credentials"`
	IdentitySource               types.String `tfsdk:"identity_source"`
	IdentityValidationExpression types.String `tfsdk:"identity_validation_expression"`
	AuthorizerResultTTLInSeconds types.Int64  `tfsdk:"authorizer_result_ttl_in_seconds"`
	ProviderARNs                 types.Set    `tfsdk:"provider_arns"`
	Audiences                    types.Set    `tfsdk:"audiences"`
}

func (r *authorizerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_authorizer"
}

func emptyStringSet() types.Set { return types.SetValueMust(types.StringType, []attr.Value{}) }

func (r *authorizerResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An authorizer, as API Gateway's: methods with `authorization = \"CUSTOM\"` name a `TOKEN` or `REQUEST` " +
			"authorizer, a function gatewayd calls through the Lambda Invoke API with API Gateway's input and whose answer " +
			"(`principalId`, `policyDocument`, `context`, `usageIdentifierKey`) decides; methods with `authorization = " +
			"\"COGNITO_USER_POOLS\"` name a `COGNITO_USER_POOLS` authorizer, which verifies JSON Web Tokens of a Cognito user pool or " +
			"of any OpenID Connect issuer. A missing or empty identity, or a token that fails `identity_validation_expression`, is " +
			"answered 401 `{\"message\":\"Unauthorized\"}` without calling the function; a policy that denies, 403; a function that " +
			"cannot be called or answers something unusable, 500 `{\"message\":null}` (`AuthorizerConfigurationException`). " +
			"Decisions are cached by identity for `authorizer_result_ttl_in_seconds` and the cached policy is evaluated against each " +
			"request's method ARN (`arn:aws:execute-api:REGION:000000000000:API_ID/STAGE/VERB/PATH`). An authorizer a method uses " +
			"cannot be deleted.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the authorizer.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the authorizer.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, model.MaxNameLength)},
			},
			// Optional attributes
			"type": schema.StringAttribute{
				MarkdownDescription: "`TOKEN` (a function given one header's token), `REQUEST` (a function given the request's headers, " +
					"query string, stage variables and context) or `COGNITO_USER_POOLS` (JSON Web Tokens). Defaults to `TOKEN`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(model.AuthorizerToken),
				Validators: []validator.String{stringvalidator.OneOf(model.AuthorizerTypes...)},
			},
			"authorizer_uri": schema.StringAttribute{
				MarkdownDescription: "Required for `TOKEN` and `REQUEST`: the function, as `AWS_PROXY` integrations take it: its Lambda ARN " +
					"URI, `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations` (what " +
					"`aws_lambda_function.x.invoke_arn` gives), invoked on AWS Lambda (or the endpoint set with `--aws-endpoint-url-lambda`) " +
					"with a SigV4 signature, or its Lambda Invoke URL, such as `http://127.0.0.1:3001/2015-03-31/functions/authorizer/invocations`. " +
					"It may use `${stageVariables.NAME}`. Must be empty for `COGNITO_USER_POOLS`. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{validators.AuthorizerURI()},
			},
			"authorizer_credentials": schema.StringAttribute{
				MarkdownDescription: "The ARN of an IAM role (`arn:aws:iam::ACCOUNT_ID:role/NAME`) gatewayd assumes through STS to invoke a " +
					"function given by its Lambda ARN URI; empty signs with gatewayd's own AWS credentials. With an Invoke URL it has no " +
					"effect (gatewayd calls the URL unsigned) and is kept so that ported configurations apply. Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"identity_source": schema.StringAttribute{
				MarkdownDescription: "Where the identity is read. `TOKEN` and `COGNITO_USER_POOLS`: one header, " +
					"`method.request.header.NAME`. `REQUEST`: a comma-separated list of `method.request.header.NAME`, " +
					"`method.request.querystring.NAME`, `stageVariables.NAME` and `context.NAME`; together they are the cache key, and a " +
					"request missing one is refused with 401 without calling the function (it may be `\"\"` when results are not cached). " +
					"Defaults to `method.request.header.Authorization`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(model.DefaultIdentitySource),
				Validators: []validator.String{validators.IdentitySource()},
			},
			"identity_validation_expression": schema.StringAttribute{
				MarkdownDescription: "`TOKEN` and `COGNITO_USER_POOLS`: a regular expression (RE2 syntax) the whole token must match; a " +
					"token that does not is refused with 401 without calling anything. Defaults to `\"\"` (no check).",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{re2Validator{}},
			},
			"authorizer_result_ttl_in_seconds": schema.Int64Attribute{
				MarkdownDescription: "How long a decision is cached, per identity, from `0` (no cache: every request calls the function) " +
					"to `3600`. Defaults to `300`.",
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(model.DefaultAuthorizerTTL),
				Validators: []validator.Int64{int64validator.Between(0, model.MaxAuthorizerTTL)},
			},
			"provider_arns": schema.SetAttribute{
				MarkdownDescription: "Required for `COGNITO_USER_POOLS`: the token issuers, Cognito user pool ARNs " +
					"(`arn:aws:cognito-idp:REGION:ACCOUNT_ID:userpool/POOL_ID`, issuer `https://cognito-idp.REGION.amazonaws.com/POOL_ID`) " +
					"or OpenID Connect issuer URLs (Keycloak, Dex, Auth0, Okta...; `https`, or `http` on a loopback address). Keys come " +
					"from the issuer's discovery document. Defaults to `[]`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(emptyStringSet()),
				Validators:  []validator.Set{setvalidator.ValueStringsAre(validators.TokenIssuer())},
			},
			"audiences": schema.SetAttribute{
				MarkdownDescription: "`COGNITO_USER_POOLS`: the client ids a token must be for (an ID token's `aud`, an access token's " +
					"`client_id`). Optional for Cognito user pools, which API Gateway accepts from any app client of the pool; required " +
					"when `provider_arns` names an issuer URL. A gatewayd extension. Defaults to `[]`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(emptyStringSet()),
			},
			// Computed attributes
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the authorizer, `arn:aws:apigateway:REGION::/restapis/REST_API_ID/authorizers/ID` (REGION is gatewayd's `--region`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the authorizer, which methods name in `authorizer_id`. Import it with `REST_API_ID/AUTHORIZER_ID`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *authorizerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks at plan time, with the rules the admin API applies (model.Authorizer.Validate),
// what the configuration already knows.
func (r *authorizerResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m authorizerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range []attr.Value{m.Name, m.Type, m.AuthorizerURI, m.AuthorizerCredentials, m.IdentitySource,
		m.IdentityValidationExpression, m.AuthorizerResultTTLInSeconds, m.ProviderARNs, m.Audiences} {
		if v.IsUnknown() {
			return
		}
	}
	if m.Name.IsNull() {
		return
	}
	a := m.toAPI(ctx, &resp.Diagnostics)
	if m.Type.IsNull() {
		a.Type = model.AuthorizerToken
	}
	if m.IdentitySource.IsNull() {
		a.IdentitySource = model.DefaultIdentitySource
	}
	a.Normalize()
	if !authorizerFieldsValid(a) {
		return // the attribute validators report each bad value
	}
	if err := a.Validate(); err != nil {
		var fe *model.FieldError
		if errors.As(err, &fe) {
			attrName, _, _ := strings.Cut(fe.Field, "[")
			resp.Diagnostics.AddAttributeError(path.Root(attrName), "Invalid Authorizer", fe.Error())
			return
		}
		resp.Diagnostics.AddError("Invalid Authorizer", err.Error())
	}
}

// authorizerFieldsValid applies the attribute validators' rules, so that ValidateConfig reports only
// the rules between attributes and no value twice.
func authorizerFieldsValid(a model.Authorizer) bool {
	if !slices.Contains(model.AuthorizerTypes, a.Type) || a.TTL() < 0 || a.TTL() > model.MaxAuthorizerTTL {
		return false
	}
	if _, err := model.ParseIdentitySources(a.IdentitySource); err != nil {
		return false
	}
	if a.AuthorizerURI != "" && model.ValidateAuthorizerURI(a.AuthorizerURI) != nil {
		return false
	}
	if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
		return false
	}
	for _, p := range a.ProviderARNs {
		if _, _, err := model.IssuerOf(p); err != nil {
			return false
		}
	}
	return true
}

func (m *authorizerModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.Authorizer {
	a := model.Authorizer{
		Name:                         m.Name.ValueString(),
		Type:                         m.Type.ValueString(),
		AuthorizerURI:                m.AuthorizerURI.ValueString(),
		AuthorizerCredentials:        m.AuthorizerCredentials.ValueString(),
		IdentitySource:               m.IdentitySource.ValueString(),
		IdentityValidationExpression: m.IdentityValidationExpression.ValueString(),
		ProviderARNs:                 toStrings(ctx, m.ProviderARNs, diags),
		Audiences:                    toStrings(ctx, m.Audiences, diags),
	}
	if !m.AuthorizerResultTTLInSeconds.IsNull() && !m.AuthorizerResultTTLInSeconds.IsUnknown() {
		ttl := int(m.AuthorizerResultTTLInSeconds.ValueInt64())
		a.AuthorizerResultTTLInSeconds = &ttl
	}
	return a
}

func (m *authorizerModel) fromAPI(o model.Authorizer) {
	m.ID = types.StringValue(o.ID)
	m.ARN = types.StringValue(o.ARN)
	m.RestAPIID = types.StringValue(o.RestAPIID)
	m.Name = types.StringValue(o.Name)
	m.Type = types.StringValue(o.Type)
	m.AuthorizerURI = types.StringValue(o.AuthorizerURI)
	m.AuthorizerCredentials = types.StringValue(o.AuthorizerCredentials)
	m.IdentitySource = types.StringValue(o.IdentitySource)
	m.IdentityValidationExpression = types.StringValue(o.IdentityValidationExpression)
	m.AuthorizerResultTTLInSeconds = types.Int64Value(int64(o.TTL()))
	m.ProviderARNs = stringSetValue(o.ProviderARNs)
	m.Audiences = stringSetValue(o.Audiences)
}

func (m *authorizerModel) what() string {
	return "authorizer " + m.RestAPIID.ValueString() + "/" + m.ID.ValueString()
}

func (r *authorizerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan authorizerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateAuthorizer(ctx, plan.RestAPIID.ValueString(), in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create an authorizer of rest api "+plan.RestAPIID.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *authorizerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state authorizerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetAuthorizer(ctx, state.RestAPIID.ValueString(), state.ID.ValueString())
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

func (r *authorizerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state authorizerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := plan.RestAPIID.ValueString(), state.ID.ValueString()
	out, ok := conditionalUpdate[model.Authorizer, authorizerModel]{
		what: state.what(), state: state, plan: plan,
		fromAPI: (*authorizerModel).fromAPI,
		version: func(o model.Authorizer) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.Authorizer, error) {
			return r.client.UpdateAuthorizer(ctx, apiID, id, in, opts...)
		},
		get: func() (model.Authorizer, error) { return r.client.GetAuthorizer(ctx, apiID, id) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *authorizerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state authorizerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteAuthorizer(ctx, state.RestAPIID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete "+state.what(), err))
	}
}

func (r *authorizerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/AUTHORIZER_ID", "abc123defg/xyz987wvut"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[1])...)
}
