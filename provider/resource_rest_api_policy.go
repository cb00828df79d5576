package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*restAPIPolicyResource)(nil)
	_ resource.ResourceWithImportState = (*restAPIPolicyResource)(nil)
)

// NewRestAPIPolicyResource returns the gatewayd_rest_api_policy resource.
func NewRestAPIPolicyResource() resource.Resource { return &restAPIPolicyResource{} }

type restAPIPolicyResource struct {
	client *client.Client
}

type restAPIPolicyModel struct {
	ID        types.String `tfsdk:"id"`
	RestAPIID types.String `tfsdk:"rest_api_id"`
	Policy    types.String `tfsdk:"policy"`
}

func (r *restAPIPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rest_api_policy"
}

func (r *restAPIPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A REST API's resource policy, managed apart from the `gatewayd_rest_api` (whose `policy` attribute is the " +
			"same field: use one or the other). IAM JSON on `execute-api:Invoke`: `Principal` `\"*\"` or gatewayd IAM user ARNs, " +
			"resources as method ARNs or `execute-api:/STAGE/VERB/PATH`, conditions `IpAddress`/`NotIpAddress` on `aws:SourceIp` " +
			"(CIDRs) and `String*` on `aws:Referer`, `aws:UserAgent`, `aws:PrincipalArn`, `aws:username`. It combines with each " +
			"method's authorization as in API Gateway: its `Deny` always refuses (before a function authorizer is called); a method " +
			"with `authorization = \"NONE\"` or `COGNITO_USER_POOLS` needs its `Allow`; an authorizer's or IAM user's `Allow` " +
			"suffices where it is silent. A change reaches the stages with their next deployment (at once with `auto_deploy`).",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. Changing it replaces the policy.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"policy": schema.StringAttribute{
				MarkdownDescription: "The policy document (`jsonencode(...)`).",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), validators.ResourcePolicy()},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "The REST API's id, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *restAPIPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *restAPIPolicyModel) fromAPI(p client.RestAPIPolicy) {
	m.ID = types.StringValue(p.RestAPIID)
	m.RestAPIID = types.StringValue(p.RestAPIID)
	m.Policy = types.StringValue(p.Policy)
}

func (r *restAPIPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan restAPIPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.PutRestAPIPolicy(ctx, plan.RestAPIID.ValueString(), plan.Policy.ValueString())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("set the resource policy of rest api "+plan.RestAPIID.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *restAPIPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state restAPIPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetRestAPIPolicy(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read the resource policy of rest api "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update sets the policy again. The API's version moves with every change of the API, so the write is
// not conditional: the policy is the only field it touches.
func (r *restAPIPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan restAPIPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.PutRestAPIPolicy(ctx, plan.RestAPIID.ValueString(), plan.Policy.ValueString())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("set the resource policy of rest api "+plan.RestAPIID.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *restAPIPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state restAPIPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteRestAPIPolicy(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete the resource policy of rest api "+state.ID.ValueString(), err))
	}
}

func (r *restAPIPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
