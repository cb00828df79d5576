package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
)

var (
	_ resource.ResourceWithConfigure   = (*iamUserResource)(nil)
	_ resource.ResourceWithImportState = (*iamUserResource)(nil)
)

// NewIAMUserResource returns the gatewayd_iam_user resource.
func NewIAMUserResource() resource.Resource { return &iamUserResource{} }

type iamUserResource struct {
	client *client.Client
}

type iamUserModel struct {
	ID       types.String `tfsdk:"id"`
	Name     types.String `tfsdk:"name"`
	Path     types.String `tfsdk:"path"`
	Tags     types.Map    `tfsdk:"tags"`
	ARN      types.String `tfsdk:"arn"`
	UniqueID types.String `tfsdk:"unique_id"`
}

func (r *iamUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_iam_user"
}

func (r *iamUserResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An IAM user of gatewayd: an identity that calls `AWS_IAM` methods with requests signed (SigV4) by its " +
			"`gatewayd_iam_access_key`s, allowed by its `gatewayd_iam_user_policy`s and the API's resource policy. gatewayd keeps " +
			"its own users, as self-hosted S3-compatible stores do; their ARNs are `arn:aws:iam::000000000000:user/PATH/NAME`. A user " +
			"with access keys or policies cannot be deleted (delete those first, as Terraform does).",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the user: 1 to 64 letters, digits and `+=,.@_-`. Changing it replaces the user.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(model.IAMNamePattern, "must be 1 to 64 letters, digits and +=,.@_-")},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional attributes
			"path": schema.StringAttribute{
				MarkdownDescription: "Path of the user, part of its ARN. Defaults to `/`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("/"),
				Validators:          []validator.String{stringvalidator.RegexMatches(model.IAMPathPattern, "must be / or start and end with /")},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "The user's name, also its import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the user, for policies' `Principal` and `Resource`, and `$context.identity.userArn`.",
				Computed:            true,
			},
			"unique_id": schema.StringAttribute{
				MarkdownDescription: "Unique id of the user (`AIDA...`), `$context.identity.user`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *iamUserResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *iamUserModel) fromAPI(u model.IAMUser) {
	m.ID = types.StringValue(u.Name)
	m.Name = types.StringValue(u.Name)
	m.Path = types.StringValue(u.Path)
	m.Tags = stringMapValue(u.Tags)
	m.ARN = types.StringValue(u.ARN)
	m.UniqueID = types.StringValue(u.UniqueID)
}

func (r *iamUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan iamUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := model.IAMUser{Name: plan.Name.ValueString(), Path: plan.Path.ValueString(), Tags: toStringMap(ctx, plan.Tags, &resp.Diagnostics)}
	out, err := r.client.CreateIAMUser(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create IAM user "+in.Name, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *iamUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state iamUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetIAMUser(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read IAM user "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *iamUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state iamUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.ID.ValueString()
	in := model.IAMUser{Name: name, Path: plan.Path.ValueString(), Tags: toStringMap(ctx, plan.Tags, &resp.Diagnostics)}
	out, ok := conditionalUpdate[model.IAMUser, iamUserModel]{
		what: "IAM user " + name, state: state, plan: plan,
		fromAPI: (*iamUserModel).fromAPI,
		version: func(u model.IAMUser) int64 { return u.Version },
		put: func(opts ...client.WriteOption) (model.IAMUser, error) {
			return r.client.UpdateIAMUser(ctx, name, in, opts...)
		},
		get: func() (model.IAMUser, error) { return r.client.GetIAMUser(ctx, name) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *iamUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state iamUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteIAMUser(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete IAM user "+state.ID.ValueString(), err))
	}
}

func (r *iamUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
