package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.ResourceWithConfigure   = (*domainNameResource)(nil)
	_ resource.ResourceWithImportState = (*domainNameResource)(nil)
)

// NewDomainNameResource returns the gatewayd_domain_name resource.
func NewDomainNameResource() resource.Resource { return &domainNameResource{} }

type domainNameResource struct {
	client *client.Client
}

type domainNameModel struct {
	ID                     types.String                 `tfsdk:"id"`
	DomainName             types.String                 `tfsdk:"domain_name"`
	CertificateARN         types.String                 `tfsdk:"certificate_arn"`
	RegionalCertificateARN types.String                 `tfsdk:"regional_certificate_arn"`
	SecurityPolicy         types.String                 `tfsdk:"security_policy"`
	EndpointConfiguration  []endpointConfigurationModel `tfsdk:"endpoint_configuration"`
	MutualTLS              []mutualTLSModel             `tfsdk:"mutual_tls_authentication"`
	Tags                   types.Map                    `tfsdk:"tags"`
	ARN                    types.String                 `tfsdk:"arn"`
	DomainNameID           types.String                 `tfsdk:"domain_name_id"`
	RegionalDomainName     types.String                 `tfsdk:"regional_domain_name"`
	CloudfrontDomainName   types.String                 `tfsdk:"cloudfront_domain_name"`
	CertificateUploadDate  types.String                 `tfsdk:"certificate_upload_date"`
}

type endpointConfigurationModel struct {
	Types types.List `tfsdk:"types"`
}

type mutualTLSModel struct {
	TruststoreURI     types.String `tfsdk:"truststore_uri"`
	TruststoreVersion types.String `tfsdk:"truststore_version"`
}

func (r *domainNameResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain_name"
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc, Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func (r *domainNameResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A custom domain name served on gatewayd's TLS listener (`--tls-listen`), as `aws_api_gateway_domain_name`: " +
			"the certificate the handshakes of this name (SNI) get, their lowest TLS version, and optionally mutual TLS. " +
			"`gatewayd_base_path_mapping` routes its paths to stages. A change is live from the next handshake on. The inline " +
			"certificate attributes of the AWS resource (`certificate_body`, `certificate_private_key`, `certificate_chain`, " +
			"`certificate_name`) are not accepted: import the certificate with `gatewayd_certificate` and name its ARN.",
		Attributes: map[string]schema.Attribute{
			// Required attributes
			"domain_name": schema.StringAttribute{
				MarkdownDescription: "The fully qualified name, lowercase (`api.example.com`). Changing it replaces the domain.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.RegexMatches(model.DomainNamePattern, "must be a lowercase DNS name")},
			},
			// Optional attributes
			"certificate_arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the `gatewayd_certificate` to serve (the AWS provider's edge form). Exactly one of " +
					"`certificate_arn` and `regional_certificate_arn` is required; they mean the same here.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.ExactlyOneOf(path.MatchRoot("regional_certificate_arn"))},
			},
			"regional_certificate_arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the `gatewayd_certificate` to serve (the AWS provider's regional form). The certificate " +
					"must cover `domain_name`.",
				Optional: true,
			},
			"security_policy": schema.StringAttribute{
				MarkdownDescription: "The lowest TLS version of the domain's handshakes: `TLS_1_2` (default) or `TLS_1_0`. TLS 1.3 is " +
					"always offered; cipher suites are ECDHE with AES-GCM or ChaCha20-Poly1305, plus ECDHE AES-CBC-SHA for TLS 1.0 and " +
					"1.1 clients (API Gateway's policies also offer plain RSA key exchange, which gatewayd does not).",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(model.SecurityPolicyTLS12),
				Validators: []validator.String{stringvalidator.OneOf(model.SecurityPolicyTLS10, model.SecurityPolicyTLS12)},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
			},
			// Computed attributes
			"id":             computedString("The domain name, also the import ID."),
			"arn":            computedString("ARN of the domain name (`arn:aws:apigateway:REGION::/domainnames/NAME`)."),
			"domain_name_id": computedString("Identifier gatewayd gave the domain name."),
			"regional_domain_name": computedString("Where the domain's DNS record should point: the host of gatewayd's TLS listener " +
				"(the `--tls-listen` address's host)."),
			"cloudfront_domain_name":  computedString("The same as `regional_domain_name` (gatewayd has no edge network)."),
			"certificate_upload_date": computedString("When the domain name was created (RFC 3339)."),
		},
		Blocks: map[string]schema.Block{
			"endpoint_configuration": schema.ListNestedBlock{
				MarkdownDescription: "Accepted for ported configurations: gatewayd serves every domain from its own TLS listener, so " +
					"the type changes nothing. At most one block; gatewayd records `REGIONAL` without it.",
				Validators: []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"types": schema.ListAttribute{
							MarkdownDescription: "One of `REGIONAL`, `EDGE`, `PRIVATE`.",
							ElementType:         types.StringType,
							Required:            true,
							Validators: []validator.List{listvalidator.SizeBetween(1, 1),
								listvalidator.ValueStringsAre(stringvalidator.OneOf(model.EndpointRegional, model.EndpointEdge, model.EndpointPrivate))},
						},
					},
				},
			},
			"mutual_tls_authentication": schema.ListNestedBlock{
				MarkdownDescription: "Requires clients to present a certificate signed by a CA of the truststore: a handshake without " +
					"one, or with another, fails. At most one block; without it no client certificate is asked for.",
				Validators: []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"truststore_uri": schema.StringAttribute{
							MarkdownDescription: "The CA certificates (PEM): `file:///absolute/path.pem` on gatewayd's machine, read when " +
								"the domain is written and whenever gatewayd reloads its domains (an unreadable file fails the " +
								"domain's handshakes, never serves it without mutual TLS), or the PEM text itself. `s3://` is refused.",
							Required: true,
						},
						"truststore_version": schema.StringAttribute{
							MarkdownDescription: "Free text; change it to make gatewayd read a changed `file://` truststore now. Defaults to none.",
							Optional:            true,
						},
					},
				},
			},
		},
	}
}

func (r *domainNameResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// toAPI builds the domain name the plan describes.
func (m *domainNameModel) toAPI(ctx context.Context, diags *diag.Diagnostics) model.DomainName {
	d := model.DomainName{
		DomainName:             m.DomainName.ValueString(),
		CertificateARN:         m.CertificateARN.ValueString(),
		RegionalCertificateARN: m.RegionalCertificateARN.ValueString(),
		SecurityPolicy:         m.SecurityPolicy.ValueString(),
		Tags:                   toStringMap(ctx, m.Tags, diags),
	}
	if len(m.EndpointConfiguration) > 0 {
		d.EndpointConfiguration.Types = toStrings(ctx, m.EndpointConfiguration[0].Types, diags)
	}
	if len(m.MutualTLS) > 0 {
		d.MutualTLS = &model.MutualTLSAuthentication{TruststoreURI: m.MutualTLS[0].TruststoreURI.ValueString(),
			TruststoreVersion: m.MutualTLS[0].TruststoreVersion.ValueString()}
	}
	return d
}

// fromAPI sets the model from a domain name. endpoint_configuration stays absent when it was and
// gatewayd recorded its default.
func (m *domainNameModel) fromAPI(d model.DomainName) {
	m.ID = types.StringValue(d.DomainName)
	m.DomainName = types.StringValue(d.DomainName)
	m.CertificateARN = optionalString(d.CertificateARN)
	m.RegionalCertificateARN = optionalString(d.RegionalCertificateARN)
	m.SecurityPolicy = types.StringValue(d.SecurityPolicy)
	if len(m.EndpointConfiguration) > 0 || len(d.EndpointConfiguration.Types) != 1 || d.EndpointConfiguration.Types[0] != model.EndpointRegional {
		m.EndpointConfiguration = []endpointConfigurationModel{{Types: stringListValue(d.EndpointConfiguration.Types)}}
	}
	m.MutualTLS = nil
	if t := d.MutualTLS; t != nil {
		m.MutualTLS = []mutualTLSModel{{TruststoreURI: types.StringValue(t.TruststoreURI), TruststoreVersion: optionalString(t.TruststoreVersion)}}
	}
	m.Tags = stringMapValue(d.Tags)
	m.ARN = types.StringValue(d.ARN)
	m.DomainNameID = types.StringValue(d.DomainNameID)
	m.RegionalDomainName = types.StringValue(d.RegionalDomainName)
	m.CloudfrontDomainName = types.StringValue(d.DistributionDomain)
	m.CertificateUploadDate = types.StringValue(d.CreatedDate.UTC().Format(time.RFC3339))
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func (r *domainNameResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan domainNameModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateDomainName(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create domain name "+in.DomainName, err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *domainNameResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state domainNameModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GetDomainName(ctx, state.ID.ValueString())
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read domain name "+state.ID.ValueString(), err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *domainNameResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state domainNameModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.ID.ValueString()
	in := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.DomainName, domainNameModel]{
		what: "domain name " + name, state: state, plan: plan,
		fromAPI: (*domainNameModel).fromAPI,
		version: func(d model.DomainName) int64 { return d.Version },
		put: func(opts ...client.WriteOption) (model.DomainName, error) {
			return r.client.UpdateDomainName(ctx, name, in, opts...)
		},
		get: func() (model.DomainName, error) { return r.client.GetDomainName(ctx, name) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *domainNameResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state domainNameModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteDomainName(ctx, state.ID.ValueString()); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete domain name "+state.ID.ValueString(), err))
	}
}

// ImportState takes the domain name, as aws_api_gateway_domain_name does.
func (r *domainNameResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
