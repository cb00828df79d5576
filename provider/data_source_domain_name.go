package provider

import (
	"context"
	"fmt"

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

var _ datasource.DataSourceWithConfigure = (*domainNameDataSource)(nil)

// NewDomainNameDataSource returns the gatewayd_domain_name data source.
func NewDomainNameDataSource() datasource.DataSource { return &domainNameDataSource{} }

type domainNameDataSource struct {
	client *client.Client
}

func (d *domainNameDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain_name"
}

// Schema has the attributes of the gatewayd_domain_name resource, all computed but the name (and the
// optional id that confirms it), so that the resource's model reads both.
func (d *domainNameDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a custom domain name by name, as `aws_api_gateway_domain_name` does, typically to point a DNS " +
			"record at `regional_domain_name` or to map a base path on a domain managed in another configuration. Its values are " +
			"those of the `gatewayd_domain_name` resource. The AWS data source's Route 53 zone ids (`regional_zone_id`, " +
			"`cloudfront_zone_id`), certificate names and private-domain `policy` have no counterpart here and are not attributes.",
		Attributes: map[string]schema.Attribute{
			"domain_name": schema.StringAttribute{
				MarkdownDescription: "The domain name to find, lowercase (`api.example.com`). It is an error when gatewayd has no such domain.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.RegexMatches(model.DomainNamePattern, "must be a lowercase DNS name")},
			},
			"domain_name_id": schema.StringAttribute{
				MarkdownDescription: "Identifier gatewayd gave the domain name. Optional: when set, it must be the found domain's, " +
					"else it is an error (in AWS it tells private domains of the same name apart; gatewayd's names are unique).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id":                       str("The domain name."),
			"arn":                      str("ARN of the domain name, `arn:aws:apigateway:REGION::/domainnames/NAME`."),
			"certificate_arn":          str("ARN of the `gatewayd_certificate` the domain serves, when set in the edge form; null otherwise."),
			"regional_certificate_arn": str("ARN of the `gatewayd_certificate` the domain serves, when set in the regional form; null otherwise."),
			"certificate_upload_date":  str("When the domain name was created (RFC 3339)."),
			"security_policy":          str("The lowest TLS version of the domain's handshakes: `TLS_1_2` or `TLS_1_0`."),
			"regional_domain_name":     str("Where the domain's DNS record should point: the host of gatewayd's TLS listener."),
			"cloudfront_domain_name":   str("The same as `regional_domain_name` (gatewayd has no edge network)."),
			"tags":                     schema.MapAttribute{MarkdownDescription: "Key-value tags of the domain name.", ElementType: types.StringType, Computed: true},
			"endpoint_configuration": schema.ListNestedAttribute{
				MarkdownDescription: "The endpoint type recorded for the domain, one element (`REGIONAL` unless its configuration said " +
					"otherwise). It has no effect here: gatewayd serves every domain from its own TLS listener.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"types": schema.ListAttribute{MarkdownDescription: "One of `REGIONAL`, `EDGE`, `PRIVATE`.", ElementType: types.StringType, Computed: true},
				}},
			},
			"mutual_tls_authentication": schema.ListNestedAttribute{
				MarkdownDescription: "The domain's mutual TLS: one element when clients must present a certificate, `[]` otherwise.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"truststore_uri":     str("The CA certificates clients' certificates must be signed by: a `file://` URI on gatewayd's machine, or PEM text."),
					"truststore_version": str("The truststore's version, null when none was given."),
				}},
			},
		},
	}
}

func (d *domainNameDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *domainNameDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m domainNameModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, wantID := m.DomainName.ValueString(), m.DomainNameID.ValueString()
	out, err := d.client.GetDomainName(ctx, name)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("domain_name"), "No Domain Name Found",
			fmt.Sprintf("gatewayd has no domain name %q. Check the name, or whether the domain was deleted.", name))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read domain name "+name, err))
		return
	}
	if wantID != "" && out.DomainNameID != wantID {
		resp.Diagnostics.AddAttributeError(path.Root("domain_name_id"), "Domain Name ID Does Not Match",
			fmt.Sprintf("The domain name %q has domain_name_id %q, not %q. Remove domain_name_id, or correct it.", name, out.DomainNameID, wantID))
		return
	}
	m.fromAPI(out)
	// Unlike the resource, which keeps a block absent that was absent, the data source always says what
	// gatewayd recorded.
	m.EndpointConfiguration = []endpointConfigurationModel{{Types: stringListValue(out.EndpointConfiguration.Types)}}
	if m.MutualTLS == nil {
		m.MutualTLS = []mutualTLSModel{} // [], as the resource's absent block, so that length() works
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
