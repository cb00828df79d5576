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

var _ datasource.DataSourceWithConfigure = (*usagePlanDataSource)(nil)

// NewUsagePlanDataSource returns the gatewayd_usage_plan data source.
func NewUsagePlanDataSource() datasource.DataSource { return &usagePlanDataSource{} }

type usagePlanDataSource struct {
	client *client.Client
}

func (d *usagePlanDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_usage_plan"
}

func (d *usagePlanDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	rate := schema.Float64Attribute{MarkdownDescription: "Steady-state rate in requests per second.", Computed: true}
	burst := schema.Int64Attribute{MarkdownDescription: "Burst: the token bucket's size.", Computed: true}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds a usage plan by name. Exactly one plan must have the name. Its nested values have the shape of " +
			"the `gatewayd_usage_plan` resource's blocks.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the plan to find. It is an error when no plan or several plans have it.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			"id":           schema.StringAttribute{MarkdownDescription: "ID of the plan.", Computed: true},
			"arn":          schema.StringAttribute{MarkdownDescription: "ARN of the plan, `arn:aws:apigateway:REGION::/usageplans/ID`.", Computed: true},
			"description":  schema.StringAttribute{MarkdownDescription: "Description of the plan.", Computed: true},
			"product_code": schema.StringAttribute{MarkdownDescription: "AWS Marketplace product of the plan (no meaning here).", Computed: true},
			"tags":         schema.MapAttribute{MarkdownDescription: "Key-value tags of the plan.", ElementType: types.StringType, Computed: true},
			"throttle_settings": schema.ListNestedAttribute{
				MarkdownDescription: "The plan's token bucket for each key: one element, or none when the plan does not throttle.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"rate_limit": rate, "burst_limit": burst,
				}},
			},
			"quota_settings": schema.ListNestedAttribute{
				MarkdownDescription: "The plan's quota for each key: one element, or none when the plan has no quota.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"limit":  schema.Int64Attribute{MarkdownDescription: "Requests each key may make per period.", Computed: true},
					"period": schema.StringAttribute{MarkdownDescription: "`DAY`, `WEEK` or `MONTH`, in UTC.", Computed: true},
					"offset": schema.Int64Attribute{MarkdownDescription: "Shift of the period's start (weekday for `WEEK`, day of the month less one for `MONTH`).", Computed: true},
				}},
			},
			"api_stages": schema.SetNestedAttribute{
				MarkdownDescription: "The API stages the plan applies to.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"api_id": schema.StringAttribute{MarkdownDescription: "ID of the REST API.", Computed: true},
					"stage":  schema.StringAttribute{MarkdownDescription: "Name of the stage.", Computed: true},
					"throttle": schema.SetNestedAttribute{
						MarkdownDescription: "The plan's limits for single methods of the stage.",
						Computed:            true,
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"path":       schema.StringAttribute{MarkdownDescription: "The method: `/RESOURCE_PATH/HTTP_METHOD`.", Computed: true},
							"rate_limit": rate, "burst_limit": burst,
						}},
					},
				}},
			},
		},
	}
}

func (d *usagePlanDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *usagePlanDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg usagePlanModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := cfg.Name.ValueString()
	plans, err := d.client.ListUsagePlans(ctx)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("list usage plans", err))
		return
	}
	p, ok := oneNamed(plans, name, "Usage Plan", "usage plan", func(p model.UsagePlan) string { return p.Name },
		func(p model.UsagePlan) string { return p.ID }, &resp.Diagnostics)
	if !ok {
		return
	}
	cfg.fromAPI(p)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
