package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// gatewayd_rest_api's OpenAPI body: the attributes, the import, and the plan modifier that keeps the
// attributes the document sets quiet.

const restAPIBodyDescription = "\n\n**OpenAPI.** With `body`, the API is defined by an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML, " +
	"up to 2 MB), as with API Gateway's import: paths become resources and methods, `x-amazon-apigateway-integration` " +
	"integrations with their responses, `components.schemas` models, `x-amazon-apigateway-request-validators` request " +
	"validators, an `apiKey` security scheme on `x-api-key` makes methods require an API key, security schemes with " +
	"`x-amazon-apigateway-authorizer` are authorizers (named after the scheme) that the operations requiring them use, " +
	"`x-amazon-apigateway-gateway-responses` the API's gateway responses, `x-amazon-apigateway-policy` its resource policy " +
	"(unless `policy` is set). " +
	"The whole document is applied " +
	"in one transaction, and the API's `auto_deploy` stages serve it in the same apply (one deployment). Attributes set " +
	"in the configuration beside `body` (`name`, `description`, `api_key_source`, `binary_media_types`) win over the " +
	"document's `info.title`, `info.description` and extensions; those left out take the document's values and stay " +
	"quiet in later plans. Errors name the JSON pointer of the part of the document at fault. A stage released by hand " +
	"redeploys with `triggers = { redeploy = sha1(gatewayd_rest_api.example.body) }` on its `gatewayd_deployment`. " +
	"Changes made to the API outside the document (other resources, the admin API) are not detected as drift of `body`."

// restAPIResourceModel is gatewayd_rest_api's model: the data source's, and the OpenAPI body.
type restAPIResourceModel struct {
	restAPIModel
	Body           types.String `tfsdk:"body"`
	PutRestAPIMode types.String `tfsdk:"put_rest_api_mode"`
	FailOnWarnings types.Bool   `tfsdk:"fail_on_warnings"`
	Parameters     types.Map    `tfsdk:"parameters"`
}

// bodyDefaults fills the body's options after an import, which has none.
func (m *restAPIResourceModel) bodyDefaults() {
	if m.PutRestAPIMode.IsNull() {
		m.PutRestAPIMode = types.StringValue("overwrite")
	}
	if m.FailOnWarnings.IsNull() {
		m.FailOnWarnings = types.BoolValue(false)
	}
}

// bodyAttributes are the attributes of the OpenAPI body.
func bodyAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"body": schema.StringAttribute{
			MarkdownDescription: "An OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML, at most 2 MB) that defines the API, " +
				"typically `jsonencode({...})` or `file(\"openapi.yaml\")`. Changing it imports it again. Removing it leaves the API " +
				"as the last import made it.",
			Optional: true,
		},
		"put_rest_api_mode": schema.StringAttribute{
			MarkdownDescription: "How `body` is applied: `overwrite` replaces the API's definition (resources, methods, models, " +
				"request validators and authorizers the document lacks are deleted, gateway responses too when the document has " +
				"`x-amazon-apigateway-gateway-responses`; stages, deployments and method settings stay) or `merge` adds " +
				"the document's definitions (a method in both is replaced by the document's). Defaults to `\"overwrite\"`. A " +
				"change imports `body` again.",
			Optional:   true,
			Computed:   true,
			Default:    stringdefault.StaticString("overwrite"),
			Validators: []validator.String{stringvalidator.OneOf("overwrite", "merge")},
		},
		"fail_on_warnings": schema.BoolAttribute{
			MarkdownDescription: "Whether an import that would leave part of `body` out (endpoint configuration, " +
				"operations without an integration...) fails instead of applying with warnings. Defaults to `false`: the warnings " +
				"are shown by Terraform.",
			Optional: true,
			Computed: true,
			Default:  booldefault.StaticBool(false),
		},
		"parameters": schema.MapAttribute{
			MarkdownDescription: "Import parameters, as API Gateway's: `basepath` (`ignore`, the default, `prepend` or `split`: what " +
				"becomes of the path of the document's first server) and `ignore = \"documentation\"`. A change imports `body` again.",
			ElementType: types.StringType,
			Optional:    true,
			Validators:  []validator.Map{mapvalidator.KeysAre(stringvalidator.OneOf("basepath", "ignore"))},
		},
	}
}

// bodyImportChanged reports whether the plan imports body: it is set and it, the mode or the parameters
// changed (on create: it is set).
func bodyImportChanged(ctx context.Context, config tfsdk.Config, state tfsdk.State, diags *diag.Diagnostics) (set, changed bool) {
	var body types.String
	diags.Append(config.GetAttribute(ctx, path.Root("body"), &body)...)
	if body.IsNull() {
		return false, false
	}
	if state.Raw.IsNull() || body.IsUnknown() {
		return true, true
	}
	for _, name := range []string{"body", "put_rest_api_mode", "parameters"} {
		var cfg, prior attr.Value
		diags.Append(config.GetAttribute(ctx, path.Root(name), &cfg)...)
		diags.Append(state.GetAttribute(ctx, path.Root(name), &prior)...)
		if cfg == nil || prior == nil {
			continue
		}
		if name == "put_rest_api_mode" && cfg.IsNull() {
			cfg = types.StringValue("overwrite")
		}
		if cfg.IsUnknown() || !cfg.Equal(prior) {
			return true, true
		}
	}
	return true, false
}

// documentDefault plans an attribute that body may set: the configuration's value when it has one;
// else, without body, its default; with body, the state's value unless the plan imports body again
// (then unknown: the document decides).
type documentDefault struct {
	def attr.Value
}

func (m documentDefault) Description(context.Context) string {
	return "Defaults to " + m.def.String() + " without body; with body, takes the document's value unless set."
}

func (m documentDefault) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (m documentDefault) plan(ctx context.Context, config tfsdk.Config, state tfsdk.State, configValue, stateValue attr.Value, diags *diag.Diagnostics) (attr.Value, bool) {
	if !configValue.IsNull() {
		return nil, false
	}
	set, changed := bodyImportChanged(ctx, config, state, diags)
	switch {
	case !set:
		return m.def, true
	case changed || stateValue.IsNull():
		return nil, true // unknown
	}
	return stateValue, true
}

func (m documentDefault) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	v, ok := m.plan(ctx, req.Config, req.State, req.ConfigValue, req.StateValue, &resp.Diagnostics)
	switch {
	case !ok:
	case v == nil:
		resp.PlanValue = types.StringUnknown()
	default:
		resp.PlanValue = v.(types.String)
	}
}

func (m documentDefault) PlanModifyList(ctx context.Context, req planmodifier.ListRequest, resp *planmodifier.ListResponse) {
	v, ok := m.plan(ctx, req.Config, req.State, req.ConfigValue, req.StateValue, &resp.Diagnostics)
	switch {
	case !ok:
	case v == nil:
		resp.PlanValue = types.ListUnknown(types.StringType)
	default:
		resp.PlanValue = v.(types.List)
	}
}

// documentOrState plans an attribute that body may set and that, left out of the configuration, is
// otherwise whatever gatewayd has (policy, which a gatewayd_rest_api_policy may manage): the state's
// value, unknown when the plan imports body again (the document may set it).
type documentOrState struct{}

func (documentOrState) Description(context.Context) string {
	return "Without a value in the configuration, keeps gatewayd's; with body, takes the document's when it is imported again."
}

func (m documentOrState) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (documentOrState) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() || req.State.Raw.IsNull() {
		return
	}
	if _, changed := bodyImportChanged(ctx, req.Config, req.State, &resp.Diagnostics); changed {
		resp.PlanValue = types.StringUnknown()
		return
	}
	resp.PlanValue = req.StateValue
}

// importOptions are the body's import options, with the attributes the configuration sets, which win
// over the document.
func (m *restAPIResourceModel) importOptions(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) client.ImportOptions {
	var cfg restAPIResourceModel
	diags.Append(config.Get(ctx, &cfg)...)
	opts := client.ImportOptions{Mode: m.PutRestAPIMode.ValueString(), FailOnWarnings: m.FailOnWarnings.ValueBool(),
		Parameters: toStringMap(ctx, m.Parameters, diags)}
	name := m.Name.ValueString()
	opts.Name = &name
	tags := toStringMap(ctx, m.Tags, diags)
	opts.Tags = &tags
	if !cfg.Description.IsNull() {
		v := m.Description.ValueString()
		opts.Description = &v
	}
	if !cfg.APIKeySource.IsNull() {
		v := m.APIKeySource.ValueString()
		opts.APIKeySource = &v
	}
	if !cfg.BinaryMediaTypes.IsNull() {
		v := toStrings(ctx, m.BinaryMediaTypes, diags)
		opts.BinaryMediaTypes = &v
	}
	if !cfg.Policy.IsNull() {
		v := m.Policy.ValueString()
		opts.Policy = &v
	}
	if !cfg.MinimumCompressionSize.IsNull() {
		v := -1
		if n := m.compressionSize(); n != nil {
			v = *n
		}
		opts.MinimumCompressionSize = &v
	}
	return opts
}

// importBody imports the plan's body into API id, adding the import's warnings to diags.
func (r *restAPIResource) importBody(ctx context.Context, id string, plan *restAPIResourceModel, config tfsdk.Config, diags *diag.Diagnostics, wopts ...client.WriteOption) (model.RestAPI, error) {
	opts := plan.importOptions(ctx, config, diags)
	if diags.HasError() {
		return model.RestAPI{}, fmt.Errorf("reading the configuration")
	}
	out, err := r.client.ImportRestAPI(ctx, id, []byte(plan.Body.ValueString()), opts, wopts...)
	if err != nil {
		return model.RestAPI{}, err
	}
	if len(out.Warnings) > 0 {
		lines := make([]string, len(out.Warnings))
		for i, w := range out.Warnings {
			lines[i] = "- " + w.Pointer + ": " + w.Message
		}
		diags.AddAttributeWarning(path.Root("body"), "OpenAPI Import Left Parts Out",
			fmt.Sprintf("gatewayd imported the document of rest api %s without these parts (set fail_on_warnings = true to refuse such a document):\n%s",
				id, strings.Join(lines, "\n")))
	}
	return out.RestAPI, nil
}

var _ resource.ResourceWithConfigure = (*restAPIResource)(nil)
