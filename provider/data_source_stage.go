package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*stageDataSource)(nil)

// NewStageDataSource returns the gatewayd_stage data source.
func NewStageDataSource() datasource.DataSource { return &stageDataSource{} }

type stageDataSource struct {
	client *client.Client
}

func (d *stageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stage"
}

func (d *stageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a stage of a REST API, for modules that publish to a stage they do not manage.",
		Attributes: map[string]schema.Attribute{
			"rest_api_id":           schema.StringAttribute{MarkdownDescription: "ID of the REST API.", Required: true},
			"stage_name":            schema.StringAttribute{MarkdownDescription: "Name of the stage.", Required: true},
			"id":                    computed("`REST_API_ID/STAGE_NAME`."),
			"deployment_id":         computed("ID of the deployment the stage serves."),
			"auto_deploy":           schema.BoolAttribute{MarkdownDescription: "Whether gatewayd deploys every change of the API to the stage.", Computed: true},
			"description":           computed("Description of the stage."),
			"variables":             schema.MapAttribute{MarkdownDescription: "Stage variables.", ElementType: types.StringType, Computed: true},
			"tags":                  schema.MapAttribute{MarkdownDescription: "Tags.", ElementType: types.StringType, Computed: true},
			"invoke_url":            computed("URL that serves the stage."),
			"arn":                   computed("ARN of the stage, `arn:aws:apigateway:REGION::/restapis/REST_API_ID/stages/STAGE_NAME`."),
			"execution_arn":         computed("Prefix of the stage's method ARNs, `arn:aws:execute-api:REGION:000000000000:REST_API_ID/STAGE_NAME`."),
			"cache_cluster_enabled": schema.BoolAttribute{MarkdownDescription: "Whether the stage caches responses.", Computed: true},
			"cache_cluster_size":    computed("Size of the stage's cache in GB."),
			"created_date":          computed("When the stage was created (RFC 3339)."),
			"canary_settings":       canaryDataSourceAttribute(),
			"access_log_settings":   accessLogDataSourceAttribute(),
			"client_certificate_id": computed("ID of the client certificate the stage presents to its backends, `\"\"` for none."),
			"documentation_version": computed("Documentation version the stage's exports carry, `\"\"` for the API's current parts."),
			"xray_tracing_enabled":  schema.BoolAttribute{MarkdownDescription: "Whether X-Ray tracing was asked for (no effect here).", Computed: true},
			"web_acl_arn":           computed("ARN of the stage's AWS WAF web ACL (not applicable here)."),
		},
	}
}

func (d *stageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *stageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m stageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := d.client.GetStage(ctx, m.RestAPIID.ValueString(), m.StageName.ValueString())
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read stage "+m.StageName.ValueString()+" of rest api "+m.RestAPIID.ValueString(), err))
		return
	}
	m.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
