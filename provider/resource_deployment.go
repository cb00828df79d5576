package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
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
	_ resource.ResourceWithConfigure      = (*deploymentResource)(nil)
	_ resource.ResourceWithImportState    = (*deploymentResource)(nil)
	_ resource.ResourceWithValidateConfig = (*deploymentResource)(nil)
)

// NewDeploymentResource returns the gatewayd_deployment resource.
func NewDeploymentResource() resource.Resource { return &deploymentResource{} }

type deploymentResource struct {
	client *client.Client
}

type deploymentModel struct {
	ID          types.String `tfsdk:"id"`
	RestAPIID   types.String `tfsdk:"rest_api_id"`
	Description types.String `tfsdk:"description"`
	Triggers    types.Map    `tfsdk:"triggers"`
	CreatedDate types.String `tfsdk:"created_date"`
	StageName   types.String `tfsdk:"stage_name"`
	Canary      types.List   `tfsdk:"canary_settings"`
}

func (r *deploymentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

func (r *deploymentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An immutable snapshot of a REST API's whole configuration, taken when it is created. " +
			"A `gatewayd_stage` serves one deployment; pointing the stage at another one releases or rolls back.\n\n" +
			"Replacing a deployment that a stage still serves works in one apply, without `create_before_destroy`: " +
			"the old deployment is retired at once and removed by gatewayd when the stage moves to the new one.\n\n" +
			"A stage with `auto_deploy = true` needs no `gatewayd_deployment` at all: gatewayd deploys every change for it.\n\n" +
			"**Canary form.** With `stage_name` and `canary_settings`, the new deployment becomes the canary of that existing stage " +
			"(API Gateway's CreateDeployment with canary settings); the stage keeps serving its own deployment to the rest of its " +
			"traffic. The settings are used when the deployment is created: changing them replaces the deployment, which moves the " +
			"canary to the new one. A `gatewayd_stage` that manages the same stage must then leave its canary alone with " +
			"`lifecycle { ignore_changes = [canary_settings] }` (otherwise its next apply removes the canary, as removing its " +
			"block would); or use the stage's own `canary_settings` block instead of this form. Promote with " +
			"`POST /v1/restapis/{id}/stages/{name}/canary/promote`, or by setting the stage's `deployment_id` to this deployment.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API to deploy. Changing it replaces the deployment.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the deployment, the only part of it that can change in place. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(4096)},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when changed, replace the deployment (take a new snapshot), " +
					"as in the AWS provider: for example `{ redeploy = sha1(jsonencode([gatewayd_integration.example])) }`. " +
					"Not needed with a stage's `auto_deploy`. Triggers given to a deployment that has none in state (after " +
					"`terraform import`, which cannot read them back) are recorded without a new deployment. Defaults to none.",
				ElementType: types.StringType,
				Optional:    true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(
					func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
						resp.RequiresReplace = !req.StateValue.IsNull()
					},
					"Replaces the deployment when its triggers change, unless the state has none (an import).",
					"Replaces the deployment when its triggers change, unless the state has none (an import).")},
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the deployment.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_date": schema.StringAttribute{
				MarkdownDescription: "When the deployment was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"stage_name": schema.StringAttribute{
				MarkdownDescription: "With `canary_settings`: the existing stage whose canary the new deployment becomes. Only used with " +
					"`canary_settings` (a stage is pointed at a deployment by `gatewayd_stage.deployment_id`). Changing it replaces the deployment.",
				Optional:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
		},
		Blocks: map[string]schema.Block{
			"canary_settings": deploymentCanaryBlock(),
		},
	}
}

// ValidateConfig ties stage_name and canary_settings together: the deployment form of a canary needs both.
func (r *deploymentResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg deploymentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.StageName.IsUnknown() || cfg.Canary.IsUnknown() {
		return
	}
	hasCanary := !cfg.Canary.IsNull() && len(cfg.Canary.Elements()) > 0
	switch {
	case hasCanary && cfg.StageName.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("stage_name"), "Missing Canary Stage",
			"canary_settings needs stage_name: the stage whose canary the new deployment becomes.")
	case !hasCanary && !cfg.StageName.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("stage_name"), "Stage Name Without Canary",
			"stage_name is only used with canary_settings. To release a deployment to a stage, set the gatewayd_stage's deployment_id.")
	}
}

func (r *deploymentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *deploymentModel) fromAPI(d model.Deployment) {
	m.ID = types.StringValue(d.ID)
	m.RestAPIID = types.StringValue(d.RestAPIID)
	m.Description = types.StringValue(d.Description)
	m.CreatedDate = types.StringValue(d.CreatedDate.Format(time.RFC3339))
}

func (r *deploymentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan deploymentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := model.Deployment{Description: plan.Description.ValueString()}
	var out model.Deployment
	var err error
	if c := canaryToAPI(ctx, plan.Canary, &resp.Diagnostics); c != nil {
		out, err = r.client.CreateCanaryDeployment(ctx, plan.RestAPIID.ValueString(), in, plan.StageName.ValueString(), *c)
	} else if !resp.Diagnostics.HasError() {
		out, err = r.client.CreateDeployment(ctx, plan.RestAPIID.ValueString(), in, "")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create a deployment of rest api "+plan.RestAPIID.ValueString(), err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *deploymentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetDeployment(ctx, state.RestAPIID.ValueString(), state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read deployment "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *deploymentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state deploymentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.Deployment, deploymentModel]{
		what: "deployment " + plan.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*deploymentModel).fromAPI,
		version: func(o model.Deployment) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.Deployment, error) {
			return r.client.UpdateDeployment(ctx, plan.RestAPIID.ValueString(), plan.ID.ValueString(), model.Deployment{Description: plan.Description.ValueString()}, opts...)
		},
		get: func() (model.Deployment, error) {
			return r.client.GetDeployment(ctx, plan.RestAPIID.ValueString(), plan.ID.ValueString())
		},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete retires a deployment a stage still serves instead of failing: Terraform destroys the old
// deployment of a replacement before it updates the stage that points at it.
func (r *deploymentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteDeployment(ctx, state.RestAPIID.ValueString(), state.ID.ValueString(), true)
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete deployment "+state.ID.ValueString(), err))
	}
}

func (r *deploymentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts, ok := splitImportID(req.ID, 2, false)
	if !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "REST_API_ID/DEPLOYMENT_ID", "abc123defg/xyz987wvut"))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("rest_api_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[1])...)
}
