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
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*authorizerDataSource)(nil)

// NewAuthorizerDataSource returns the gatewayd_authorizer data source.
func NewAuthorizerDataSource() datasource.DataSource { return &authorizerDataSource{} }

type authorizerDataSource struct {
	client *client.Client
}

// authorizerDataModel is the resource's model plus authorizer_id, the AWS data source's argument, so
// that the resource's fromAPI fills both.
type authorizerDataModel struct {
	authorizerModel
	AuthorizerID types.String `tfsdk:"authorizer_id"`
}

func (d *authorizerDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_authorizer"
}

// Schema has the attributes of the gatewayd_authorizer resource, all computed but the two that find it.
func (d *authorizerDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	set := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{MarkdownDescription: desc, ElementType: types.StringType, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an authorizer of a REST API by its ID, as `aws_api_gateway_authorizer` does, typically to " +
			"set a method's `authorizer_id` to an authorizer managed in another configuration. Its values are those of the " +
			"`gatewayd_authorizer` resource.",
		Attributes: map[string]schema.Attribute{
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API the authorizer belongs to.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"authorizer_id": schema.StringAttribute{
				MarkdownDescription: "ID of the authorizer to find. It is an error when the API has no authorizer with it.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id":                     str("ID of the authorizer, the same as `authorizer_id`."),
			"arn":                    str("ARN of the authorizer, `arn:aws:apigateway:REGION::/restapis/REST_API_ID/authorizers/ID`."),
			"name":                   str("Name of the authorizer."),
			"type":                   str("`TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`."),
			"authorizer_uri":         str("The function of a `TOKEN` or `REQUEST` authorizer (Lambda ARN URI or Lambda Invoke URL); `\"\"` for `COGNITO_USER_POOLS`."),
			"authorizer_credentials": str("The IAM role gatewayd assumes to invoke a Lambda ARN URI, `\"\"` for none."),
			"identity_source":        str("Where the identity is read, such as `method.request.header.Authorization`."),
			"identity_validation_expression": str("The regular expression a `TOKEN` or `COGNITO_USER_POOLS` token must match whole, " +
				"`\"\"` for none."),
			"authorizer_result_ttl_in_seconds": schema.Int64Attribute{
				MarkdownDescription: "How long a decision is cached per identity, in seconds (0: not cached).",
				Computed:            true,
			},
			"provider_arns": set("The token issuers of a `COGNITO_USER_POOLS` authorizer: Cognito user pool ARNs or OpenID Connect issuer URLs."),
			"audiences":     set("*gatewayd-specific.* The client ids a `COGNITO_USER_POOLS` token must be for."),
		},
	}
}

func (d *authorizerDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *authorizerDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m authorizerDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, id := m.RestAPIID.ValueString(), m.AuthorizerID.ValueString()
	out, err := d.client.GetAuthorizer(ctx, apiID, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("authorizer_id"), "No Authorizer Found",
			fmt.Sprintf("gatewayd has no authorizer with id %q in REST API %q. Check both ids, or whether the authorizer "+
				"or the API was deleted.", id, apiID))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read authorizer "+id+" of rest api "+apiID, err))
		return
	}
	m.fromAPI(out)
	m.AuthorizerID = types.StringValue(out.ID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
