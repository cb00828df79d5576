package provider

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*restAPIResource)(nil)
	_ resource.ResourceWithImportState = (*restAPIResource)(nil)
)

// NewRestAPIResource returns the gatewayd_rest_api resource.
func NewRestAPIResource() resource.Resource { return &restAPIResource{} }

type restAPIResource struct {
	client *client.Client
}

type restAPIModel struct {
	ID               types.String `tfsdk:"id"`
	Name             types.String `tfsdk:"name"`
	Description      types.String `tfsdk:"description"`
	APIKeySource     types.String `tfsdk:"api_key_source"`
	BinaryMediaTypes types.List   `tfsdk:"binary_media_types"`
	Tags             types.Map    `tfsdk:"tags"`
	Policy           types.String `tfsdk:"policy"`
	// MinimumCompressionSize is a string, as in the AWS provider (nullable there); "-1" is off.
	MinimumCompressionSize types.String `tfsdk:"minimum_compression_size"`
	RootResourceID         types.String `tfsdk:"root_resource_id"`
	ARN                    types.String `tfsdk:"arn"`
	ExecutionARN           types.String `tfsdk:"execution_arn"`
	CreatedDate            types.String `tfsdk:"created_date"`
	DisableExecuteAPI      types.Bool   `tfsdk:"disable_execute_api_endpoint"`
}

func (r *restAPIResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rest_api"
}

func (r *restAPIResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A REST API: the root of an API's resources, methods, deployments and stages. " +
			"Creating it also creates its root resource `/` (see `root_resource_id`). Deleting it deletes everything in it." +
			restAPIBodyDescription,
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the API, 1 to 255 characters. Names need not be unique, but the `gatewayd_rest_api` data source finds an API by name.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the API. Defaults to `\"\"`, or with `body` to the document's `info.description`.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{documentDefault{def: types.StringValue("")}},
				Validators:          []validator.String{stringvalidator.LengthAtMost(4096)},
			},
			"api_key_source": schema.StringAttribute{
				MarkdownDescription: "Where API keys come from: `HEADER` (the `x-api-key` header) or `AUTHORIZER` (a custom authorizer). Defaults to `HEADER`, or with `body` to the document's `x-amazon-apigateway-api-key-source`.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{documentDefault{def: types.StringValue("HEADER")}},
				Validators:          []validator.String{stringvalidator.OneOf(model.APIKeySources...)},
			},
			"binary_media_types": schema.ListAttribute{
				MarkdownDescription: "Media types (such as `image/png`, `image/*` or `*/*`) whose bodies are binary: they reach Lambda-proxy functions " +
					"base64-encoded (`isBase64Encoded`), and the integrations' `content_handling` converts them for `HTTP` and `MOCK` " +
					"integrations (a binary body skips mapping templates unless converted to text). A function's answer with " +
					"`isBase64Encoded` is decoded whatever the client's Accept header (API Gateway also requires Accept to name a binary " +
					"type). Defaults to `[]`, or with `body` to the document's `x-amazon-apigateway-binary-media-types`.",
				ElementType:   types.StringType,
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.List{documentDefault{def: types.ListValueMust(types.StringType, []attr.Value{})}},
				Validators: []validator.List{listvalidator.ValueStringsAre(
					stringvalidator.RegexMatches(model.MediaTypePattern, "must be a media type such as image/png or */*"))},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
			},
			"policy": schema.StringAttribute{
				MarkdownDescription: "The API's resource policy: an IAM policy document on `execute-api:Invoke` (`jsonencode(...)`), " +
					"with `Principal` `\"*\"` or gatewayd IAM user ARNs, resources as method ARNs or the short `execute-api:/STAGE/VERB/PATH`, " +
					"and conditions `IpAddress`/`NotIpAddress` on `aws:SourceIp` and `String*` on `aws:Referer`, `aws:UserAgent`, " +
					"`aws:PrincipalArn`, `aws:username`; anything else is refused at plan time. How it combines with each method's " +
					"authorization is API Gateway's (see the README). Left out, the policy is whatever gatewayd has (so that a " +
					"`gatewayd_rest_api_policy` can manage it instead; use one or the other); with `body`, the document's " +
					"`x-amazon-apigateway-policy` sets it unless `policy` is set here.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{documentOrState{}},
				Validators:    []validator.String{validators.ResourcePolicy()},
			},
			"minimum_compression_size": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Smallest answer body, in bytes (`0` to `%d`), that gatewayd compresses: answers of "+
					"at least this size are sent gzip- or deflate-encoded (with `Vary: Accept-Encoding`) to clients whose `Accept-Encoding` "+
					"takes them, at the fastest level; `-1` compresses nothing. Answers the backend already encoded, and gatewayd's own "+
					"error answers, are sent as they are; request bodies are not decompressed. A string holding a number, as in the AWS "+
					"provider (`minimum_compression_size = 1024` works). Like the rest of the API it reaches a stage with its next "+
					"deployment. Defaults to `\"-1\"`, or with `body` to the document's `x-amazon-apigateway-minimum-compression-size`.",
					model.MaxMinimumCompressionSize),
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{documentDefault{def: types.StringValue("-1")}},
				Validators:    []validator.String{validators.CompressionSize()},
			},
			"disable_execute_api_endpoint": schema.BoolAttribute{
				MarkdownDescription: "Whether the stages stop answering at their `invoke_url` (`/{api_id}/{stage}/...`, gatewayd's " +
					"execute-api endpoint): such requests get `403 Forbidden` and the API is reached through its " +
					"`gatewayd_domain_name`s only. Like the rest of the API it reaches a stage with its next deployment, as in API " +
					"Gateway. Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the API: 10 lowercase letters and digits, chosen by gatewayd.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"root_resource_id": schema.StringAttribute{
				MarkdownDescription: "ID of the API's root resource `/`, the parent of top-level `gatewayd_resource`s.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the API, `arn:aws:apigateway:REGION::/restapis/ID` (REGION is gatewayd's `--region`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"execution_arn": schema.StringAttribute{
				MarkdownDescription: "Prefix of the API's method ARNs, `arn:aws:execute-api:REGION:000000000000:ID`: what resource " +
					"policies (`\"${gatewayd_rest_api.example.execution_arn}/*\"`) and IAM user policies name.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_date": schema.StringAttribute{
				MarkdownDescription: "When the API was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
	maps.Copy(resp.Schema.Attributes, bodyAttributes())
}

func (r *restAPIResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *restAPIModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.RestAPI {
	return model.RestAPI{
		Name:             m.Name.ValueString(),
		Description:      m.Description.ValueString(),
		APIKeySource:     m.APIKeySource.ValueString(),
		BinaryMediaTypes: toStrings(ctx, m.BinaryMediaTypes, diags),
		Tags:             toStringMap(ctx, m.Tags, diags),
		Policy:           m.Policy.ValueString(),

		MinimumCompressionSize:    m.compressionSize(),
		DisableExecuteAPIEndpoint: m.DisableExecuteAPI.ValueBool(),
	}
}

// compressionSize is minimum_compression_size for the admin API: nil for "-1" or unset.
func (m *restAPIModel) compressionSize() *int {
	n, err := strconv.Atoi(m.MinimumCompressionSize.ValueString())
	if err != nil || n < 0 {
		return nil
	}
	return &n
}

func (m *restAPIModel) fromAPI(a model.RestAPI) {
	m.ID = types.StringValue(a.ID)
	m.Name = types.StringValue(a.Name)
	m.Description = types.StringValue(a.Description)
	m.APIKeySource = types.StringValue(a.APIKeySource)
	m.BinaryMediaTypes = stringListValue(a.BinaryMediaTypes)
	m.Tags = stringMapValue(a.Tags)
	m.Policy = types.StringValue(a.Policy)
	m.MinimumCompressionSize = types.StringValue("-1")
	if a.MinimumCompressionSize != nil {
		m.MinimumCompressionSize = types.StringValue(strconv.Itoa(*a.MinimumCompressionSize))
	}
	m.RootResourceID = types.StringValue(a.RootResourceID)
	m.ARN = types.StringValue(a.ARN)
	m.ExecutionARN = types.StringValue(a.ExecutionARN)
	m.CreatedDate = types.StringValue(a.CreatedDate.Format(time.RFC3339))
	m.DisableExecuteAPI = types.BoolValue(a.DisableExecuteAPIEndpoint)
}

func (r *restAPIResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan restAPIResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateRestAPI(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create the rest api", err))
		return
	}
	if !plan.Body.IsNull() {
		imported, err := r.importBody(ctx, out.ID, &plan, req.Config, &resp.Diagnostics)
		if err != nil {
			// The API exists without its document: keep it in state so that the next apply imports again.
			plan.fromAPI(out)
			plan.Body = types.StringNull()
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			resp.Diagnostics.Append(diagnostics.ClientError("import the body of rest api "+out.ID, err))
			return
		}
		out = imported
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *restAPIResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state restAPIResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetRestAPI(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read rest api "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	state.bodyDefaults()
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *restAPIResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state restAPIResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.ID.ValueString()
	_, reimport := bodyImportChanged(ctx, req.Config, req.State, &resp.Diagnostics)
	out, ok := conditionalUpdate[model.RestAPI, restAPIResourceModel]{
		what: "rest api " + id, state: state, plan: plan,
		fromAPI: func(m *restAPIResourceModel, a model.RestAPI) { m.fromAPI(a) },
		// A gatewayd_rest_api_policy may manage the policy.
		ignore:  []string{"policy"},
		version: func(a model.RestAPI) int64 { return a.Version },
		put: func(opts ...client.WriteOption) (model.RestAPI, error) {
			if reimport {
				return r.importBody(ctx, id, &plan, req.Config, &resp.Diagnostics, opts...)
			}
			return r.client.UpdateRestAPI(ctx, id, in, opts...)
		},
		get: func() (model.RestAPI, error) { return r.client.GetRestAPI(ctx, id) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *restAPIResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state restAPIResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteRestAPI(ctx, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete rest api "+state.ID.ValueString(), err))
	}
}

func (r *restAPIResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
