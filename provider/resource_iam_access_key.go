package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure   = (*iamAccessKeyResource)(nil)
	_ resource.ResourceWithImportState = (*iamAccessKeyResource)(nil)
)

// NewIAMAccessKeyResource returns the gatewayd_iam_access_key resource.
func NewIAMAccessKeyResource() resource.Resource { return &iamAccessKeyResource{} }

type iamAccessKeyResource struct {
	client *client.Client
}

type iamAccessKeyModel struct {
	ID         types.String `tfsdk:"id"`
	User       types.String `tfsdk:"user"`
	Status     types.String `tfsdk:"status"`
	Secret     types.String `tfsdk:"secret"`
	CreateDate types.String `tfsdk:"create_date"`
}

func (r *iamAccessKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_iam_access_key"
}

func (r *iamAccessKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An access key of a `gatewayd_iam_user`: the access key id and secret that sign requests to `AWS_IAM` " +
			"methods with SigV4 (`curl --aws-sigv4`, the AWS SDKs, presigned URLs). The secret is returned once, when the key is " +
			"created, and kept in state as a sensitive value; gatewayd keeps it sealed (AES-256-GCM) with a key in its data directory, " +
			"to verify signatures. An imported key has no secret in state.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"user": schema.StringAttribute{
				MarkdownDescription: "Name of the IAM user. Changing it replaces the key.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(model.IAMNamePattern, "must name an IAM user")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional attributes
			"status": schema.StringAttribute{
				MarkdownDescription: "`Active` or `Inactive` (its signatures are refused). Defaults to `Active`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(model.AccessKeyActive),
				Validators:          []validator.String{stringvalidator.OneOf(model.AccessKeyActive, model.AccessKeyInactive)},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "The access key id (`AKIA...`), also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The secret access key, known only to the apply that created the key.",
				Computed:            true,
				Sensitive:           true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"create_date": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *iamAccessKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// fromAPI sets the model from a key; the secret is kept unless the key carries one.
func (m *iamAccessKeyModel) fromAPI(k model.IAMAccessKey) {
	m.ID = types.StringValue(k.ID)
	m.User = types.StringValue(k.UserName)
	m.Status = types.StringValue(k.Status)
	if k.Secret != "" {
		m.Secret = types.StringValue(k.Secret)
	} else if m.Secret.IsNull() || m.Secret.IsUnknown() {
		m.Secret = types.StringValue("")
	}
	m.CreateDate = types.StringValue(k.CreatedDate.UTC().Format(time.RFC3339))
}

func (r *iamAccessKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan iamAccessKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateIAMAccessKey(ctx, model.IAMAccessKey{UserName: plan.User.ValueString(), Status: plan.Status.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create an access key of IAM user "+plan.User.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *iamAccessKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state iamAccessKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetIAMAccessKey(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read IAM access key "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *iamAccessKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state iamAccessKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	in := model.IAMAccessKey{ID: id, UserName: plan.User.ValueString(), Status: plan.Status.ValueString()}
	out, ok := conditionalUpdate[model.IAMAccessKey, iamAccessKeyModel]{
		what: "IAM access key " + id, state: state, plan: plan,
		fromAPI: (*iamAccessKeyModel).fromAPI,
		version: func(k model.IAMAccessKey) int64 { return k.Version },
		put: func(opts ...client.WriteOption) (model.IAMAccessKey, error) {
			return r.client.UpdateIAMAccessKey(ctx, id, in, opts...)
		},
		get:    func() (model.IAMAccessKey, error) { return r.client.GetIAMAccessKey(ctx, id) },
		ignore: []string{"secret"},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *iamAccessKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state iamAccessKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteIAMAccessKey(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete IAM access key "+state.ID.ValueString(), err))
	}
}

func (r *iamAccessKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
