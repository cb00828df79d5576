package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*apiKeyDataSource)(nil)

// NewAPIKeyDataSource returns the gatewayd_api_key data source.
func NewAPIKeyDataSource() datasource.DataSource { return &apiKeyDataSource{} }

type apiKeyDataSource struct {
	client *client.Client
}

type apiKeyDataModel struct {
	ID              types.String `tfsdk:"id"`
	ARN             types.String `tfsdk:"arn"`
	Name            types.String `tfsdk:"name"`
	Description     types.String `tfsdk:"description"`
	Enabled         types.Bool   `tfsdk:"enabled"`
	Tags            types.Map    `tfsdk:"tags"`
	CustomerID      types.String `tfsdk:"customer_id"`
	CreatedDate     types.String `tfsdk:"created_date"`
	LastUpdatedDate types.String `tfsdk:"last_updated_date"`
}

func (d *apiKeyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (d *apiKeyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an API key by ID. It never has the key's value: gatewayd keeps only a hash of it and " +
			"returns it once, to the `gatewayd_api_key` that creates the key.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the key. It is an error when no key has it.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"arn":               schema.StringAttribute{MarkdownDescription: "ARN of the key, `arn:aws:apigateway:REGION::/apikeys/ID`.", Computed: true},
			"name":              computed("Name of the key."),
			"description":       computed("Description of the key."),
			"enabled":           schema.BoolAttribute{MarkdownDescription: "Whether callers may use the key.", Computed: true},
			"tags":              schema.MapAttribute{MarkdownDescription: "Key-value tags of the key.", ElementType: types.StringType, Computed: true},
			"customer_id":       computed("AWS Marketplace customer of the key, as stored for ported configurations; it has no effect here. `\"\"` for none."),
			"created_date":      computed("When the key was created (RFC 3339)."),
			"last_updated_date": computed("When the key was last changed (RFC 3339)."),
		},
	}
}

func (d *apiKeyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *apiKeyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m apiKeyDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.ID.ValueString()
	out, err := d.client.GetAPIKey(ctx, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "No API Key Found",
			fmt.Sprintf("gatewayd has no API key with id %q. Check the id, or whether the key was deleted.", id))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read api key "+id, err))
		return
	}
	m.ID = types.StringValue(out.ID)
	m.ARN = types.StringValue(out.ARN)
	m.Name = types.StringValue(out.Name)
	m.Description = types.StringValue(out.Description)
	m.Enabled = types.BoolValue(out.Enabled)
	m.Tags = stringMapValue(out.Tags)
	m.CustomerID = types.StringValue(out.CustomerID)
	m.CreatedDate = types.StringValue(out.CreatedDate.Format(time.RFC3339))
	m.LastUpdatedDate = types.StringValue(out.LastUpdatedDate.Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
