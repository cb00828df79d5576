package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.ResourceWithConfigure   = (*iamUserPolicyResource)(nil)
	_ resource.ResourceWithImportState = (*iamUserPolicyResource)(nil)
)

// NewIAMUserPolicyResource returns the gatewayd_iam_user_policy resource.
func NewIAMUserPolicyResource() resource.Resource { return &iamUserPolicyResource{} }

type iamUserPolicyResource struct {
	client *client.Client
}

type iamUserPolicyModel struct {
	ID     types.String `tfsdk:"id"`
	Name   types.String `tfsdk:"name"`
	User   types.String `tfsdk:"user"`
	Policy types.String `tfsdk:"policy"`
}

func (r *iamUserPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_iam_user_policy"
}

func (r *iamUserPolicyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An inline policy of a `gatewayd_iam_user`: IAM JSON saying which methods the user may call " +
			"(`execute-api:Invoke` on method ARNs `arn:aws:execute-api:REGION:000000000000:API_ID/STAGE/VERB/PATH`, with `*` and `?` " +
			"wildcards). A `Deny` in any of the user's policies, or in the API's resource policy, wins; without an `Allow` in either, " +
			"the call is refused with 403.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the policy. Changing it replaces the policy.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(model.IAMNamePattern, "must be 1 to 64 letters, digits and +=,.@_-")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"user": schema.StringAttribute{
				MarkdownDescription: "Name of the IAM user. Changing it replaces the policy.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(model.IAMNamePattern, "must name an IAM user")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"policy": schema.StringAttribute{
				MarkdownDescription: "The policy document (`jsonencode(...)`): `Effect`, `Action`/`NotAction`, `Resource`/`NotResource`, " +
					"and conditions `IpAddress`/`NotIpAddress` on `aws:SourceIp` and `String*` on `aws:Referer`, `aws:UserAgent`, " +
					"`aws:PrincipalArn`, `aws:username`; anything else is refused at plan time.",
				Required:   true,
				Validators: []validator.String{validators.IdentityPolicy()},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "`USER:POLICY_NAME`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *iamUserPolicyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *iamUserPolicyModel) fromAPI(p model.IAMUserPolicy) {
	m.ID = types.StringValue(p.UserName + ":" + p.Name)
	m.Name = types.StringValue(p.Name)
	m.User = types.StringValue(p.UserName)
	m.Policy = types.StringValue(p.Policy)
}

func (r *iamUserPolicyResource) put(ctx context.Context, m *iamUserPolicyModel, opts ...client.WriteOption) (model.IAMUserPolicy, error) {
	return r.client.PutIAMUserPolicy(ctx, m.User.ValueString(), m.Name.ValueString(),
		model.IAMUserPolicy{Policy: m.Policy.ValueString()}, opts...)
}

func (r *iamUserPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan iamUserPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.User.ValueString() + ":" + plan.Name.ValueString()
	out, err := r.put(ctx, &plan, client.IfNoneMatch())
	if client.IsConflict(err) || client.IsPreconditionFailed(err) {
		resp.Diagnostics.Append(methodExistsError("IAM User Policy", "gatewayd_iam_user_policy", id))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create IAM user policy "+id, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *iamUserPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state iamUserPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetIAMUserPolicy(ctx, state.User.ValueString(), state.Name.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read IAM user policy "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *iamUserPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state iamUserPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.IAMUserPolicy, iamUserPolicyModel]{
		what: "IAM user policy " + state.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*iamUserPolicyModel).fromAPI,
		version: func(p model.IAMUserPolicy) int64 { return p.Version },
		put:     func(opts ...client.WriteOption) (model.IAMUserPolicy, error) { return r.put(ctx, &plan, opts...) },
		get: func() (model.IAMUserPolicy, error) {
			return r.client.GetIAMUserPolicy(ctx, plan.User.ValueString(), plan.Name.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *iamUserPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state iamUserPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteIAMUserPolicy(ctx, state.User.ValueString(), state.Name.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete IAM user policy "+state.ID.ValueString(), err))
	}
}

func (r *iamUserPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	user, name, ok := strings.Cut(req.ID, ":")
	if !ok || user == "" || name == "" {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "USER:POLICY_NAME", "alice:invoke-pets"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("user"), user)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}
