// Package provider is the Terraform provider of gatewayd. It talks to gatewayd only through
// gatewayd/client.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
)

var _ provider.Provider = (*gatewaydProvider)(nil)

// Environment variables the provider reads when its configuration leaves a value out.
const (
	EnvEndpoint = "GATEWAYD_ENDPOINT"
	EnvToken    = "GATEWAYD_TOKEN"
)

type gatewaydProvider struct {
	version string
}

type providerModel struct {
	Endpoint types.String `tfsdk:"endpoint"`
	Token    types.String `tfsdk:"token"`
}

// New returns the provider factory for providerserver.Serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &gatewaydProvider{version: version} }
}

func (p *gatewaydProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gatewayd"
	resp.Version = p.version
}

func (p *gatewaydProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages a [gatewayd](https://github.com/gatewayd/terraform-provider-gatewayd) API gateway through its admin API.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of gatewayd's admin API, such as `http://127.0.0.1:9080`. Defaults to the `" + EnvEndpoint + "` environment variable, then to `http://127.0.0.1:9080`.",
				Optional:            true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "Bearer token of the admin API (`gatewayd serve` prints where it keeps a generated one). Defaults to the `" + EnvToken + "` environment variable.",
				Optional:            true,
				Sensitive:           true,
			},
		},
	}
}

func (p *gatewaydProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Endpoint.IsUnknown() || cfg.Token.IsUnknown() {
		// Known only after another resource is applied; resources will be planned as unknown.
		return
	}
	endpoint := firstSet(cfg.Endpoint.ValueString(), os.Getenv(EnvEndpoint), "http://127.0.0.1:9080")
	token := firstSet(cfg.Token.ValueString(), os.Getenv(EnvToken))
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing gatewayd Admin Token",
			"The provider needs the admin API's bearer token. Set the token attribute or the "+EnvToken+
				" environment variable; gatewayd prints where it keeps a generated token when it starts.")
		return
	}
	c, err := client.New(endpoint, token, client.Options{UserAgent: "terraform-provider-gatewayd/" + p.version})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid gatewayd Endpoint",
			"The provider cannot use the endpoint: "+err.Error())
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (p *gatewaydProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewRestAPIResource,
		NewResourceResource,
		NewMethodResource,
		NewMethodResponseResource,
		NewIntegrationResource,
		NewIntegrationResponseResource,
		NewDeploymentResource,
		NewStageResource,
		NewAPIKeyResource,
		NewUsagePlanResource,
		NewUsagePlanKeyResource,
		NewMethodSettingsResource,
		NewModelResource,
		NewRequestValidatorResource,
		NewAuthorizerResource,
		NewGatewayResponseResource,
		NewIAMUserResource,
		NewIAMAccessKeyResource,
		NewIAMUserPolicyResource,
		NewRestAPIPolicyResource,
		NewCertificateResource,
		NewVPCLinkResource,
		NewClientCertificateResource,
		NewAccountResource,
		NewDocumentationPartResource,
		NewDocumentationVersionResource,
		NewDomainNameResource,
		NewBasePathMappingResource,
	}
}

func (p *gatewaydProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewRestAPIDataSource,
		NewResourceDataSource,
		NewStageDataSource,
		NewAPIKeyDataSource,
		NewUsagePlanDataSource,
		NewExportDataSource,
		NewVPCLinkDataSource,
		NewAuthorizerDataSource,
		NewAuthorizersDataSource,
		NewDomainNameDataSource,
		NewAPIKeysDataSource,
	}
}
