package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*restAPIDataSource)(nil)

// NewRestAPIDataSource returns the gatewayd_rest_api data source.
func NewRestAPIDataSource() datasource.DataSource { return &restAPIDataSource{} }

type restAPIDataSource struct {
	client *client.Client
}

func (d *restAPIDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rest_api"
}

func (d *restAPIDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds a REST API by name. Exactly one API must have the name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the API to find. It is an error when no API or several APIs have it.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the API.",
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the API.",
				Computed:            true,
			},
			"api_key_source": schema.StringAttribute{
				MarkdownDescription: "Where API keys come from: `HEADER` or `AUTHORIZER`.",
				Computed:            true,
			},
			"binary_media_types": schema.ListAttribute{
				MarkdownDescription: "Media types treated as binary.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags of the API.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"policy": schema.StringAttribute{
				MarkdownDescription: "The API's resource policy (IAM JSON), or `\"\"`.",
				Computed:            true,
			},
			"minimum_compression_size": schema.StringAttribute{
				MarkdownDescription: "Smallest answer body, in bytes, that gatewayd compresses; `-1` when it compresses nothing.",
				Computed:            true,
			},
			"root_resource_id": schema.StringAttribute{
				MarkdownDescription: "ID of the API's root resource `/`.",
				Computed:            true,
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the API, `arn:aws:apigateway:REGION::/restapis/ID`.",
				Computed:            true,
			},
			"execution_arn": schema.StringAttribute{
				MarkdownDescription: "Prefix of the API's method ARNs, `arn:aws:execute-api:REGION:000000000000:ID`, what policies name.",
				Computed:            true,
			},
			"created_date": schema.StringAttribute{
				MarkdownDescription: "When the API was created (RFC 3339).",
				Computed:            true,
			},
			"disable_execute_api_endpoint": schema.BoolAttribute{
				MarkdownDescription: "Whether the stages answer 403 at their `invoke_url` (the API is reached through domain names only).",
				Computed:            true,
			},
		},
	}
}

func (d *restAPIDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *restAPIDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg restAPIModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := cfg.Name.ValueString()
	apis, err := d.client.ListRestAPIs(ctx)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("list rest apis", err))
		return
	}
	a, ok := oneNamed(apis, name, "REST API", "REST API", func(a model.RestAPI) string { return a.Name },
		func(a model.RestAPI) string { return a.ID }, &resp.Diagnostics)
	if !ok {
		return
	}
	cfg.fromAPI(a)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
