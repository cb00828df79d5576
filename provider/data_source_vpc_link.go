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

var _ datasource.DataSourceWithConfigure = (*vpcLinkDataSource)(nil)

// NewVPCLinkDataSource returns the gatewayd_vpc_link data source.
func NewVPCLinkDataSource() datasource.DataSource { return &vpcLinkDataSource{} }

type vpcLinkDataSource struct {
	client *client.Client
}

func (d *vpcLinkDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vpc_link"
}

// Schema has the attributes of the gatewayd_vpc_link resource, all computed but name, so that the
// resource's model reads both.
func (d *vpcLinkDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	num := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds a VPC link by name, as `aws_api_gateway_vpc_link` does, typically to set an integration's " +
			"`connection_id` to a link managed in another configuration. Exactly one link must have the name.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the link to find. It is an error when no link or several links have it.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
			"id":          str("ID of the link, what integrations' `connection_id` names."),
			"arn":         str("ARN of the link, `arn:aws:apigateway:REGION::/vpclinks/ID`."),
			"description": str("Description of the link."),
			"target_arns": schema.ListAttribute{
				MarkdownDescription: "The link's targets: backend addresses `host:port`, or ARNs mapped by gatewayd's `--vpc-link-targets`.",
				ElementType:         types.StringType, Computed: true,
			},
			"tags":                          schema.MapAttribute{MarkdownDescription: "Key-value tags of the link.", ElementType: types.StringType, Computed: true},
			"status":                        str("`AVAILABLE`, or `FAILED` when a target no longer resolves."),
			"status_message":                str("API Gateway's `Your VPC link is ready to route traffic` when `AVAILABLE`, else why it `FAILED`."),
			"load_balancing_algorithm":      str("*gatewayd-specific.* `ROUND_ROBIN` or `LEAST_REQUESTS`."),
			"health_check_path":             str("*gatewayd-specific.* The path of the active health checks, or `\"\"` when there are none."),
			"health_check_interval_seconds": num("*gatewayd-specific.* Seconds between active health checks."),
			"unhealthy_threshold":           num("*gatewayd-specific.* Failed requests in a row that eject a target."),
			"ejection_seconds":              num("*gatewayd-specific.* Seconds an ejected target gets no requests."),
		},
	}
}

func (d *vpcLinkDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *vpcLinkDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg vpcLinkModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	links, err := d.client.ListVPCLinks(ctx)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("list VPC links", err))
		return
	}
	l, ok := oneNamed(links, cfg.Name.ValueString(), "VPC Link", "VPC link", func(l model.VPCLink) string { return l.Name },
		func(l model.VPCLink) string { return l.ID }, &resp.Diagnostics)
	if !ok {
		return
	}
	cfg.fromAPI(l)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
