package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ datasource.DataSourceWithConfigure      = (*apiKeysDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*apiKeysDataSource)(nil)
)

// NewAPIKeysDataSource returns the gatewayd_api_keys data source.
func NewAPIKeysDataSource() datasource.DataSource { return &apiKeysDataSource{} }

type apiKeysDataSource struct {
	client *client.Client
}

type apiKeysDataModel struct {
	ID            types.String       `tfsdk:"id"`
	CustomerID    types.String       `tfsdk:"customer_id"`
	IncludeValues types.Bool         `tfsdk:"include_values"`
	Items         []apiKeysItemModel `tfsdk:"items"`
}

type apiKeysItemModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Enabled         types.Bool   `tfsdk:"enabled"`
	CreatedDate     types.String `tfsdk:"created_date"`
	LastUpdatedDate types.String `tfsdk:"last_updated_date"`
	CustomerID      types.String `tfsdk:"customer_id"`
	StageKeys       types.List   `tfsdk:"stage_keys"`
	Tags            types.Map    `tfsdk:"tags"`
}

func (d *apiKeysDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_keys"
}

func (d *apiKeysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists API keys, all of them or one customer's, as `aws_api_gateway_api_keys` does. It never has the " +
			"keys' values: gatewayd keeps only a hash of each and returns it once, to the `gatewayd_api_key` that creates the key " +
			"(the `gatewayd_api_key` data source has no value either), so the items have no `value` and `include_values = true` " +
			"is refused.",
		Attributes: map[string]schema.Attribute{
			"customer_id": schema.StringAttribute{
				MarkdownDescription: "Lists only the keys whose `customer_id` is this one. Without it, every key is listed.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"include_values": schema.BoolAttribute{
				MarkdownDescription: "Accepted for compatibility, as `false` only: gatewayd stores key values hashed and can never " +
					"return them, so `true` is refused when the configuration is validated. Defaults to `false`.",
				Optional: true,
			},
			"id": str("`api_keys`, or `api_keys/CUSTOMER_ID` with a `customer_id` filter."),
			"items": schema.ListNestedAttribute{
				MarkdownDescription: "The keys, ordered by name then id; `[]` when there are none.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                str("ID of the key."),
					"name":              str("Name of the key."),
					"description":       str("Description of the key."),
					"enabled":           schema.BoolAttribute{MarkdownDescription: "Whether callers may use the key.", Computed: true},
					"created_date":      str("When the key was created (RFC 3339)."),
					"last_updated_date": str("When the key was last changed (RFC 3339)."),
					"customer_id":       str("AWS Marketplace customer of the key, stored for ported configurations; `\"\"` for none."),
					"stage_keys": schema.ListAttribute{
						MarkdownDescription: "Always `[]`: gatewayd attaches keys to stages only through usage plans " +
							"(`gatewayd_usage_plan_key`), not with API Gateway's legacy stage keys.",
						ElementType: types.StringType,
						Computed:    true,
					},
					"tags": schema.MapAttribute{MarkdownDescription: "Key-value tags of the key.", ElementType: types.StringType, Computed: true},
				}},
			},
		},
	}
}

func (d *apiKeysDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig refuses include_values = true at plan time rather than return items without the
// values a configuration would then read.
func (d *apiKeysDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m apiKeysDataModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("include_values"), &m.IncludeValues)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.IncludeValues.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("include_values"), "API Key Values Are Not Readable",
			"include_values = true asks for the keys' values, which gatewayd cannot return: it stores only a hash of each "+
				"value, and returns the value once, to the gatewayd_api_key that creates the key. Remove include_values, or "+
				"set it to false, and read the value of a key you create from its gatewayd_api_key resource.")
	}
}

func (d *apiKeysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m apiKeysDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var keys []model.APIKey
	var err error
	if m.CustomerID.IsNull() {
		keys, err = d.client.ListAPIKeys(ctx)
		m.ID = types.StringValue("api_keys")
	} else {
		keys, err = d.client.ListAPIKeysOfCustomer(ctx, m.CustomerID.ValueString())
		m.ID = types.StringValue("api_keys/" + m.CustomerID.ValueString())
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("list api keys", err))
		return
	}
	m.Items = make([]apiKeysItemModel, 0, len(keys))
	for _, k := range keys {
		m.Items = append(m.Items, apiKeysItemModel{
			ID:              types.StringValue(k.ID),
			Name:            types.StringValue(k.Name),
			Description:     types.StringValue(k.Description),
			Enabled:         types.BoolValue(k.Enabled),
			CreatedDate:     types.StringValue(k.CreatedDate.Format(time.RFC3339)),
			LastUpdatedDate: types.StringValue(k.LastUpdatedDate.Format(time.RFC3339)),
			CustomerID:      types.StringValue(k.CustomerID),
			StageKeys:       stringListValue(nil),
			Tags:            stringMapValue(k.Tags),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
