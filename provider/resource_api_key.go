package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
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
	_ resource.ResourceWithConfigure   = (*apiKeyResource)(nil)
	_ resource.ResourceWithImportState = (*apiKeyResource)(nil)
)

// NewAPIKeyResource returns the gatewayd_api_key resource.
func NewAPIKeyResource() resource.Resource { return &apiKeyResource{} }

type apiKeyResource struct {
	client *client.Client
}

type apiKeyModel struct {
	ID              types.String `tfsdk:"id"`
	ARN             types.String `tfsdk:"arn"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Enabled         types.Bool   `tfsdk:"enabled"`
	Value           types.String `tfsdk:"value"`
	Tags            types.Map    `tfsdk:"tags"`
	CustomerID      types.String `tfsdk:"customer_id"`
	CreatedDate     types.String `tfsdk:"created_date"`
	LastUpdatedDate types.String `tfsdk:"last_updated_date"`
}

func (r *apiKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An API key: callers send its `value` in the `x-api-key` header to methods with `api_key_required = true`. " +
			"Attach it to a `gatewayd_usage_plan` with `gatewayd_usage_plan_key` to meter and limit it.\n\n" +
			"gatewayd keeps only a SHA-256 hash of the value and returns the value once, in the answer that creates the key; " +
			"the provider keeps it in state (marked sensitive) from then on. **After `terraform import` the value is unknown**: " +
			"`value` stays null in state, because gatewayd cannot return it. Setting `value` in the configuration of an imported key " +
			"plans an update that gatewayd accepts only when the value is the key's own; a different value is refused.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the key, 1 to 1024 characters.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the key. Defaults to `\"Managed by Terraform\"`, as in the AWS provider.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("Managed by Terraform"),
				Validators:          []validator.String{stringvalidator.LengthAtMost(4096)},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether callers may use the key; a disabled key gets `403 Forbidden`. Defaults to `true`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"value": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Value of the key, %d to 128 printable ASCII characters without spaces. "+
					"When it is not set, gatewayd generates 40 random letters and digits. Changing it replaces the key "+
					"(removing it from the configuration keeps the key and its value). Null after `terraform import`: "+
					"gatewayd never returns a value after creating the key. Defaults to a generated value.", model.MinAPIKeyLength),
				Optional:      true,
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{apiKeyValuePlan{}},
				Validators: []validator.String{
					stringvalidator.LengthBetween(model.MinAPIKeyLength, 128),
					stringvalidator.RegexMatches(model.APIKeyValuePattern, "must be printable ASCII characters without spaces"),
				},
			},
			"customer_id": schema.StringAttribute{
				MarkdownDescription: "Accepted for compatibility, and stored: the AWS Marketplace customer of the key, as in API " +
					"Gateway. It has no effect here: gatewayd sells through no marketplace. Defaults to `\"\"`.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(emptyStringMap()),
			},
			// Computed attributes
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the key, `arn:aws:apigateway:REGION::/apikeys/ID` (REGION is gatewayd's `--region`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the key, also its import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_date": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"last_updated_date": schema.StringAttribute{
				MarkdownDescription: "When the key was last changed (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

// apiKeyValuePlan plans the key's value, which gatewayd returns only when it creates the key:
//   - on create with no value configured, it stays unknown (gatewayd generates one);
//   - afterwards, with no value configured, the value in state is kept, even when it is null after an
//     import, so that an imported key never shows a diff;
//   - a configured value that differs from a known one in state replaces the key; one configured over a
//     null state (an imported key) is an in-place update, which gatewayd checks against the key's hash.
type apiKeyValuePlan struct{}

func (apiKeyValuePlan) Description(context.Context) string {
	return "Keeps the value in state unless the configuration sets a different one, which replaces the key."
}

func (m apiKeyValuePlan) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (apiKeyValuePlan) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // create or destroy
	}
	switch {
	case req.ConfigValue.IsUnknown():
		if !req.StateValue.IsNull() {
			resp.RequiresReplace = true // may differ; known only at apply time
		}
	case req.ConfigValue.IsNull():
		resp.PlanValue = req.StateValue
	case !req.StateValue.IsNull() && !req.ConfigValue.Equal(req.StateValue):
		resp.RequiresReplace = true
	}
}

func (r *apiKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *apiKeyModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.APIKey {
	k := model.APIKey{
		Name:        m.Name.ValueString(),
		Description: m.Description.ValueString(),
		Enabled:     m.Enabled.ValueBool(),
		Tags:        toStringMap(ctx, m.Tags, diags),
		CustomerID:  m.CustomerID.ValueString(),
	}
	if !m.Value.IsUnknown() && !m.Value.IsNull() {
		k.Value = m.Value.ValueString()
	}
	return k
}

// fromAPI copies what gatewayd returns. It never touches Value: reads return none.
func (m *apiKeyModel) fromAPI(k model.APIKey) {
	m.ID = types.StringValue(k.ID)
	m.ARN = types.StringValue(k.ARN)
	m.Name = types.StringValue(k.Name)
	m.Description = types.StringValue(k.Description)
	m.Enabled = types.BoolValue(k.Enabled)
	m.Tags = stringMapValue(k.Tags)
	m.CustomerID = types.StringValue(k.CustomerID)
	m.CreatedDate = types.StringValue(k.CreatedDate.Format(time.RFC3339))
	m.LastUpdatedDate = types.StringValue(k.LastUpdatedDate.Format(time.RFC3339))
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateAPIKey(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create api key "+in.Name, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	// The only answer that carries the value: keep it.
	plan.Value = types.StringValue(out.Value)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetAPIKey(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read api key "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// A value is sent only to be checked (an imported key's configured value); gatewayd refuses one
	// that is not the key's own.
	out, ok := conditionalUpdate[model.APIKey, apiKeyModel]{
		what: "api key " + plan.ID.ValueString(), state: state, plan: plan,
		fromAPI: (*apiKeyModel).fromAPI,
		version: func(o model.APIKey) int64 { return o.Version },
		put: func(opts ...client.WriteOption) (model.APIKey, error) {
			return r.client.UpdateAPIKey(ctx, plan.ID.ValueString(), in, opts...)
		},
		get: func() (model.APIKey, error) { return r.client.GetAPIKey(ctx, plan.ID.ValueString()) },
		// Every update stamps the date, whoever makes it.
		ignore: []string{"last_updated_date"},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteAPIKey(ctx, state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete api key "+state.ID.ValueString(), err))
	}
}

// ImportState imports a key by its ID. Its value cannot be read back, so it stays null in state.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if _, ok := splitImportID(req.ID, 1, false); !ok {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "API_KEY_ID", "a1b2c3d4e5"))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
