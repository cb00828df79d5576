package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
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
	"github.com/gatewayd/terraform-provider-gatewayd/provider/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*integrationResource)(nil)
	_ resource.ResourceWithImportState    = (*integrationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*integrationResource)(nil)
)

// integrationContentHandlings are the accepted content_handling values; "" passes bodies through.
var integrationContentHandlings = []string{"", "CONVERT_TO_BINARY", "CONVERT_TO_TEXT"}

// NewIntegrationResource returns the gatewayd_integration resource.
func NewIntegrationResource() resource.Resource { return &integrationResource{} }

type integrationResource struct {
	client *client.Client
}

type integrationModel struct {
	ID                    types.String `tfsdk:"id"`
	RestAPIID             types.String `tfsdk:"rest_api_id"`
	ResourceID            types.String `tfsdk:"resource_id"`
	HTTPMethod            types.String `tfsdk:"http_method"`
	Type                  types.String `tfsdk:"type"`
	URI                   types.String `tfsdk:"uri"`
	IntegrationHTTPMethod types.String `tfsdk:"integration_http_method"`
	RequestParameters     types.Map    `tfsdk:"request_parameters"`
	RequestTemplates      types.Map    `tfsdk:"request_templates"`
	PassthroughBehavior   types.String `tfsdk:"passthrough_behavior"`
	TimeoutMilliseconds   types.Int64  `tfsdk:"timeout_milliseconds"`
	CacheKeyParameters    types.Set    `tfsdk:"cache_key_parameters"`
	CacheNamespace        types.String `tfsdk:"cache_namespace"`
	ContentHandling       types.String `tfsdk:"content_handling"`
	Credentials           types.String `tfsdk:"credentials"`
	ConnectionType        types.String `tfsdk:"connection_type"`
	ConnectionID          types.String `tfsdk:"connection_id"`
	TLSConfig             types.List   `tfsdk:"tls_config"`
}

func (r *integrationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_integration"
}

func (r *integrationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "How a method reaches its backend: a canned `MOCK` answer, an `HTTP` backend with request and response mapping, " +
			"an `HTTP_PROXY` that passes the request through, an `AWS_PROXY` function in the Lambda proxy format, or an `AWS` service " +
			"integration (a service action such as DynamoDB `PutItem`, or a Lambda function without the proxy format), signed with SigV4. " +
			"A method has at most one integration. Deleting it also deletes its `gatewayd_integration_response`s.",
		Attributes: map[string]schema.Attribute{
			// Required attributes (rest_api_id, resource_id and http_method are added below)
			"type": schema.StringAttribute{
				MarkdownDescription: "Integration type: one of `" + strings.Join(model.IntegrationTypes, "`, `") +
					"`. All but `MOCK` need `uri` and `integration_http_method`. Changes in place.",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(model.IntegrationTypes...)},
			},
			// Optional attributes
			"uri": schema.StringAttribute{
				MarkdownDescription: "Backend, required unless `type` is `MOCK`. For `HTTP` and `HTTP_PROXY` an absolute `http://` or `https://` URL. " +
					"For `AWS_PROXY` a Lambda ARN URI, `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations` " +
					"(what `aws_lambda_function.x.invoke_arn` gives), or a Lambda Invoke URL (`http://HOST:PORT/2015-03-31/functions/NAME/invocations`). " +
					"For `AWS` `arn:aws:apigateway:REGION:SERVICE:action/ACTION` (services with a known protocol: `" +
					strings.Join(awsActionServiceNames(), "`, `") + "`) or `arn:aws:apigateway:REGION:SERVICE:path/PATH` (any service, a Lambda " +
					"ARN URI among them). ARN URIs are called at `https://SERVICE.REGION.amazonaws.com` or at the endpoint gatewayd's operator " +
					"sets (`--aws-endpoint-url`, `--aws-endpoint-url-lambda`..., `AWS_ENDPOINT_URL_<SERVICE>`), signed with SigV4 with " +
					"gatewayd's AWS credentials (the AWS SDK's default chain) or the role `credentials` names. " +
					"A URI may contain `{name}` placeholders filled from `request_parameters` (`integration.request.path.name`) and " +
					"`${stageVariables.name}` references (written `$${stageVariables.name}` in HCL). Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"integration_http_method": schema.StringAttribute{
				MarkdownDescription: "Verb gatewayd uses to call the backend, required unless `type` is `MOCK`; `AWS_PROXY` and `AWS` with a " +
					"Lambda function need `POST` (the Lambda Invoke API), service actions are usually `POST`. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{stringvalidator.OneOf(append([]string{""}, model.HTTPMethods...)...)},
			},
			"request_parameters": schema.MapAttribute{
				MarkdownDescription: "Request parameters sent to the backend: keys are `integration.request.{path|querystring|header}.NAME`, " +
					"values are `method.request.{path|querystring|header}.NAME`, `method.request.body`, a `'literal'`, " +
					"`stageVariables.NAME` or `context.NAME`. Defaults to `{}`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(model.IntegrationRequestParameterPattern,
						"must look like integration.request.{path|querystring|header}.NAME")),
					mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(model.IntegrationRequestValuePattern,
						"must be method.request.{path|querystring|header}.NAME, method.request.body, 'literal', stageVariables.NAME or context.NAME")),
				},
			},
			"request_templates": schema.MapAttribute{
				MarkdownDescription: "Mapping templates of the request by content type (such as `application/json`): Velocity (VTL) with API Gateway's " +
					"`$input`, `$util`, `$context` and `$stageVariables`. The request's Content-Type (`application/json` when it has none) " +
					"picks one, whose output is the body sent to an `HTTP` backend or an `AWS` service (a JSON action's request, a query " +
					"action's form fields after `Action` and `Version`, a Lambda function's event), or, for `MOCK`, names the status code " +
					"(`{\"statusCode\": 200}`). `HTTP_PROXY` and `AWS_PROXY` pass the request through, as in API Gateway. A syntax error " +
					"fails the plan with its line and column. Defaults to `{}`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				Validators: []validator.Map{
					mapvalidator.KeysAre(stringvalidator.RegexMatches(model.MediaTypePattern, "must be a content type such as application/json")),
					mapvalidator.ValueStringsAre(validators.MappingTemplate()),
				},
			},
			"passthrough_behavior": schema.StringAttribute{
				MarkdownDescription: "What happens to a request body whose content type has no request template: one of `" +
					strings.Join(model.PassthroughBehaviors, "`, `") + "`. Defaults to `WHEN_NO_MATCH`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString("WHEN_NO_MATCH"),
				Validators: []validator.String{stringvalidator.OneOf(model.PassthroughBehaviors...)},
			},
			"timeout_milliseconds": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How long gatewayd waits for the backend, between %d and %d milliseconds. Defaults to `%d`.",
					model.MinTimeoutMillis, model.MaxTimeoutMillis, model.DefaultTimeoutMillis),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(model.DefaultTimeoutMillis),
				Validators: []validator.Int64{int64validator.Between(model.MinTimeoutMillis, model.MaxTimeoutMillis)},
			},
			"cache_key_parameters": schema.SetAttribute{
				MarkdownDescription: "Method request parameters that are part of the cache key, each `method.request.{path|querystring|header}.NAME`. " +
					"A set, so their order never matters. Defaults to `[]`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				Validators: []validator.Set{
					setvalidator.ValueStringsAre(stringvalidator.RegexMatches(model.MethodRequestParameterPattern,
						"must look like method.request.{path|querystring|header}.NAME")),
				},
			},
			"cache_namespace": schema.StringAttribute{
				MarkdownDescription: "Cache namespace, as API Gateway's: integrations with the same namespace share the stage's cache " +
					"entries, keyed by the verb and the values of their `cache_key_parameters` (so `/pets/{id}` and `/animals/{id}` " +
					"with `method.request.path.id` answer each other's hits). `\"\"` keys the method's entries by its resource path, " +
					"its own. Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"content_handling": schema.StringAttribute{
				MarkdownDescription: "Conversion of the request body for `HTTP`, `AWS` and `MOCK` integrations: `CONVERT_TO_TEXT` turns a binary body (a content type " +
					"in the API's `binary_media_types`) into base64 text, which a template can then read; `CONVERT_TO_BINARY` decodes a " +
					"base64 text body (after the template) into binary; `\"\"` passes bodies as they are, and a binary body then skips the " +
					"template. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{stringvalidator.OneOf(integrationContentHandlings...)},
			},
			"credentials": schema.StringAttribute{
				MarkdownDescription: "The ARN of an IAM role (`arn:aws:iam::ACCOUNT_ID:role/NAME`) gatewayd assumes through STS (credentials " +
					"cached and refreshed before they expire) to sign the calls of an `AWS` integration or of an `AWS_PROXY` integration " +
					"whose `uri` is a Lambda ARN. Empty signs with gatewayd's own AWS credentials. Refused with other integrations, and " +
					"API Gateway's caller-credentials form `arn:aws:iam::*:user/*` is refused. Defaults to `\"\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{validators.IAMRoleARN()},
			},
			"connection_type": schema.StringAttribute{
				MarkdownDescription: "`INTERNET` calls the host of `uri`; `VPC_LINK` (with `HTTP` and `HTTP_PROXY` integrations) sends each call " +
					"to a target of the `gatewayd_vpc_link` that `connection_id` names, load-balanced with health checks; the host of " +
					"`uri` then only sets the `Host` header, as in API Gateway. Defaults to `\"INTERNET\"`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(model.ConnectionInternet),
				Validators: []validator.String{stringvalidator.OneOf(model.ConnectionTypes...)},
			},
			"connection_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `gatewayd_vpc_link` when `connection_type` is `VPC_LINK` (required then, refused " +
					"otherwise), or `${stageVariables.NAME}` (written `$${stageVariables.NAME}` in HCL) to pick the link per stage. " +
					"A link id that does not exist is refused when the integration is written and when it is deployed; a stage " +
					"variable naming no link makes the method answer 500 (logged). Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the integration: `REST_API_ID/RESOURCE_ID/HTTP_METHOD`, also its import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
	resp.Schema.Blocks = map[string]schema.Block{"tls_config": integrationTLSBlock()}
	for name, attr := range methodKeySchema("integration") {
		resp.Schema.Attributes[name] = attr
	}
}

func (r *integrationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the rules that tie attributes together, skipping values not known until apply.
func (r *integrationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg integrationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	typ := ""
	if !cfg.Type.IsUnknown() && !cfg.Type.IsNull() {
		typ = cfg.Type.ValueString()
	}
	if !cfg.URI.IsUnknown() && cfg.URI.ValueString() != "" {
		// The rule gatewayd applies, so that the URI the plan accepts is the one the apply stores.
		if err := model.ValidateIntegrationURIForType(typ, cfg.URI.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("uri"), "Invalid Integration URI",
				fmt.Sprintf("Attribute uri %s, got %q.", err, cfg.URI.ValueString()))
		}
	}
	// The role's shape is the attribute validator's; here, whether this integration signs at all.
	if typ != "" && !cfg.URI.IsUnknown() && !cfg.Credentials.IsUnknown() && !cfg.Credentials.IsNull() &&
		model.ValidateIAMRoleARN(cfg.Credentials.ValueString()) == nil {
		if err := model.ValidateIntegrationCredentials(typ, cfg.URI.ValueString(), cfg.Credentials.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("credentials"), "Invalid Integration Credentials",
				fmt.Sprintf("Attribute credentials %s.", err))
		}
	}
	if typ != "" && !cfg.ConnectionType.IsUnknown() && !cfg.ConnectionID.IsUnknown() {
		if err := model.ValidateIntegrationConnection(typ, cfg.ConnectionType.ValueString(), cfg.ConnectionID.ValueString()); err != nil {
			fe := &model.FieldError{Field: "connection_id", Message: err.Error()}
			errors.As(err, &fe)
			resp.Diagnostics.AddAttributeError(path.Root(fe.Field), "Invalid Integration Connection",
				fmt.Sprintf("Attribute %s %s.", fe.Field, fe.Message))
		}
	}
	if typ != "" && typ != model.IntegrationHTTP && typ != model.IntegrationHTTPProxy && !cfg.TLSConfig.IsUnknown() && len(cfg.TLSConfig.Elements()) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("tls_config"), "Invalid Integration TLS Config",
			fmt.Sprintf("Block tls_config applies only to HTTP and HTTP_PROXY integrations, not to %s: remove it.", typ))
	}
	if typ == "" {
		return
	}
	switch typ {
	case model.IntegrationHTTP, model.IntegrationHTTPProxy, model.IntegrationAWSProxy, model.IntegrationAWS:
	default:
		return
	}
	if !cfg.URI.IsUnknown() && cfg.URI.ValueString() == "" {
		what := "the backend's http:// or https:// URL"
		if typ == model.IntegrationAWS {
			what = "an arn:aws:apigateway:REGION:SERVICE:action/ACTION or ...:path/PATH ARN"
		}
		resp.Diagnostics.AddAttributeError(path.Root("uri"), "Missing Integration URI",
			fmt.Sprintf("Attribute uri is required when type is %s: set it to %s.", typ, what))
	}
	method := cfg.IntegrationHTTPMethod
	switch {
	case method.IsUnknown():
	case method.ValueString() == "":
		resp.Diagnostics.AddAttributeError(path.Root("integration_http_method"), "Missing Integration HTTP Method",
			fmt.Sprintf("Attribute integration_http_method is required when type is %s: set it to the verb used to call the backend.", typ))
	case typ == model.IntegrationAWSProxy && method.ValueString() != "POST":
		resp.Diagnostics.AddAttributeError(path.Root("integration_http_method"), "Invalid Integration HTTP Method",
			fmt.Sprintf("Attribute integration_http_method must be POST when type is AWS_PROXY (functions are invoked with POST), got %q.", method.ValueString()))
	case typ == model.IntegrationAWS && method.ValueString() == "ANY":
		resp.Diagnostics.AddAttributeError(path.Root("integration_http_method"), "Invalid Integration HTTP Method",
			"Attribute integration_http_method must name one verb when type is AWS, got \"ANY\".")
	case typ == model.IntegrationAWS && method.ValueString() != "POST" && !cfg.URI.IsUnknown() && strings.Contains(cfg.URI.ValueString(), ":lambda:path/"):
		resp.Diagnostics.AddAttributeError(path.Root("integration_http_method"), "Invalid Integration HTTP Method",
			fmt.Sprintf("Attribute integration_http_method must be POST when type is AWS with a Lambda function (the Lambda Invoke API), got %q.", method.ValueString()))
	}
}

func (m *integrationModel) methodID() client.MethodID {
	return client.MethodID{RestAPIID: m.RestAPIID.ValueString(), ResourceID: m.ResourceID.ValueString(), HTTPMethod: m.HTTPMethod.ValueString()}
}

func (m *integrationModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.Integration {
	return model.Integration{
		Type:                  m.Type.ValueString(),
		URI:                   m.URI.ValueString(),
		IntegrationHTTPMethod: m.IntegrationHTTPMethod.ValueString(),
		RequestParameters:     toStringMap(ctx, m.RequestParameters, diags),
		RequestTemplates:      toStringMap(ctx, m.RequestTemplates, diags),
		PassthroughBehavior:   m.PassthroughBehavior.ValueString(),
		TimeoutMilliseconds:   int(m.TimeoutMilliseconds.ValueInt64()),
		CacheKeyParameters:    toStrings(ctx, m.CacheKeyParameters, diags),
		CacheNamespace:        m.CacheNamespace.ValueString(),
		ContentHandling:       m.ContentHandling.ValueString(),
		Credentials:           m.Credentials.ValueString(),
		ConnectionType:        m.ConnectionType.ValueString(),
		ConnectionID:          m.ConnectionID.ValueString(),
		TLSConfig:             integrationTLSToAPI(m.TLSConfig, diags),
	}
}

func (m *integrationModel) fromAPI(in model.Integration) {
	m.ID = types.StringValue(in.RestAPIID + "/" + in.ResourceID + "/" + in.HTTPMethod)
	m.RestAPIID = types.StringValue(in.RestAPIID)
	m.ResourceID = types.StringValue(in.ResourceID)
	m.HTTPMethod = types.StringValue(in.HTTPMethod)
	m.Type = types.StringValue(in.Type)
	m.URI = types.StringValue(in.URI)
	m.IntegrationHTTPMethod = types.StringValue(in.IntegrationHTTPMethod)
	m.RequestParameters = stringMapValue(in.RequestParameters)
	m.RequestTemplates = stringMapValue(in.RequestTemplates)
	m.PassthroughBehavior = types.StringValue(in.PassthroughBehavior)
	m.TimeoutMilliseconds = types.Int64Value(int64(in.TimeoutMilliseconds))
	m.CacheKeyParameters = stringSetValue(in.CacheKeyParameters)
	m.CacheNamespace = types.StringValue(in.CacheNamespace)
	m.ContentHandling = types.StringValue(in.ContentHandling)
	m.Credentials = types.StringValue(in.Credentials)
	m.ConnectionType = types.StringValue(in.ConnectionType)
	if in.ConnectionType == "" {
		m.ConnectionType = types.StringValue(model.ConnectionInternet)
	}
	m.ConnectionID = types.StringValue(in.ConnectionID)
	m.TLSConfig = integrationTLSValue(in.TLSConfig)
}

// awsActionServiceNames lists the services whose actions gatewayd knows how to send.
func awsActionServiceNames() []string {
	names := make([]string, 0, len(model.AWSActionServices))
	for k := range model.AWSActionServices {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func (r *integrationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan integrationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.methodID()
	// Create only: a PUT would silently take over an integration made outside this configuration.
	out, err := r.client.PutIntegration(ctx, id, in, client.IfNoneMatch())
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		importID := id.RestAPIID + "/" + id.ResourceID + "/" + id.HTTPMethod
		resp.Diagnostics.AddError("Integration Already Exists",
			fmt.Sprintf("Method %s of resource %s of rest api %s already has an integration. "+
				"To manage it with Terraform, import it:\n\n  terraform import gatewayd_integration.NAME %s\n\nOriginal Error: %s",
				id.HTTPMethod, id.ResourceID, id.RestAPIID, importID, err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create the integration", err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *integrationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state integrationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetIntegration(ctx, state.methodID())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read integration "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *integrationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state integrationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.Integration, integrationModel]{
		what: "integration " + plan.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*integrationModel).fromAPI,
		version: func(o model.Integration) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.Integration, error) {
			return r.client.PutIntegration(ctx, plan.methodID(), in, opts...)
		},
		get: func() (model.Integration, error) { return r.client.GetIntegration(ctx, plan.methodID()) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *integrationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state integrationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteIntegration(ctx, state.methodID())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete integration "+state.ID.ValueString(), err))
	}
}

func (r *integrationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 3, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/RESOURCE_ID/HTTP_METHOD", "a1b2c3d4e5/f6g7h8i9j0/GET"))
		return
	}
	parts[2] = strings.ToUpper(parts[2])
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strings.Join(parts, "/"))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_id"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("http_method"), parts[2])...)
}
