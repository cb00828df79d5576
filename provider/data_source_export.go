package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*exportDataSource)(nil)

// NewExportDataSource returns the gatewayd_export data source.
func NewExportDataSource() datasource.DataSource { return &exportDataSource{} }

type exportDataSource struct {
	client *client.Client
}

type exportModel struct {
	ID          types.String `tfsdk:"id"`
	RestAPIID   types.String `tfsdk:"rest_api_id"`
	StageName   types.String `tfsdk:"stage_name"`
	ExportType  types.String `tfsdk:"export_type"`
	Accepts     types.String `tfsdk:"accepts"`
	Parameters  types.Map    `tfsdk:"parameters"`
	Body        types.String `tfsdk:"body"`
	ContentType types.String `tfsdk:"content_type"`
}

func (d *exportDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_export"
}

func (d *exportDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Exports what a stage serves as an OpenAPI document, as the AWS provider's `aws_api_gateway_export`: " +
			"OpenAPI 3.0 (`oas30`) or Swagger 2.0 (`swagger`), JSON or YAML. With `parameters = { extensions = \"apigateway\" }` " +
			"the document carries every API Gateway extension, so that `gatewayd_rest_api.body` (or API Gateway) can import it " +
			"into another API; export, import and export again give the same document but for `servers`, which names each " +
			"stage's own URL. The document also feeds standard OpenAPI client generators (see the provider's guide).",
		Attributes: map[string]schema.Attribute{
			"rest_api_id": schema.StringAttribute{MarkdownDescription: "ID of the REST API.", Required: true},
			"stage_name":  schema.StringAttribute{MarkdownDescription: "Name of the stage whose deployment is exported.", Required: true},
			"export_type": schema.StringAttribute{
				MarkdownDescription: "`oas30` (OpenAPI 3.0) or `swagger` (Swagger 2.0).",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf("oas30", "swagger")},
			},
			"accepts": schema.StringAttribute{
				MarkdownDescription: "`application/json` (the default) or `application/yaml`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("application/json", "application/yaml")},
			},
			"parameters": schema.MapAttribute{
				MarkdownDescription: "Export parameters, as API Gateway's: `extensions`, a comma-separated list of `integrations` " +
					"(`x-amazon-apigateway-integration`), `authorizers` and `apigateway` (every extension). `postman` is refused.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.Map{mapvalidator.KeysAre(stringvalidator.OneOf("extensions"))},
			},
			"id":           schema.StringAttribute{MarkdownDescription: "`REST_API_ID:STAGE_NAME:EXPORT_TYPE`.", Computed: true},
			"body":         schema.StringAttribute{MarkdownDescription: "The document.", Computed: true},
			"content_type": schema.StringAttribute{MarkdownDescription: "Its content type.", Computed: true},
		},
	}
}

func (d *exportDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *exportDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m exportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var exts []string
	if e := toStringMap(ctx, m.Parameters, &resp.Diagnostics)["extensions"]; e != "" {
		for x := range strings.SplitSeq(e, ",") {
			exts = append(exts, strings.TrimSpace(x))
		}
	}
	out, err := d.client.ExportStage(ctx, m.RestAPIID.ValueString(), m.StageName.ValueString(), m.ExportType.ValueString(), m.Accepts.ValueString(), exts)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("export stage "+m.StageName.ValueString()+" of rest api "+m.RestAPIID.ValueString(), err))
		return
	}
	m.ID = types.StringValue(m.RestAPIID.ValueString() + ":" + m.StageName.ValueString() + ":" + m.ExportType.ValueString())
	m.Body = types.StringValue(string(out.Body))
	m.ContentType = types.StringValue(out.ContentType)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
