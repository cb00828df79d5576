package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*authorizersDataSource)(nil)

// NewAuthorizersDataSource returns the gatewayd_authorizers data source.
func NewAuthorizersDataSource() datasource.DataSource { return &authorizersDataSource{} }

type authorizersDataSource struct {
	client *client.Client
}

type authorizersDataModel struct {
	ID        types.String `tfsdk:"id"`
	RestAPIID types.String `tfsdk:"rest_api_id"`
	IDs       types.List   `tfsdk:"ids"`
}

func (d *authorizersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_authorizers"
}

func (d *authorizersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the ids of a REST API's authorizers, as `aws_api_gateway_authorizers` does; look each one up " +
			"with the `gatewayd_authorizer` data source.",
		Attributes: map[string]schema.Attribute{
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API. It is an error when gatewayd has no API with it.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id": schema.StringAttribute{MarkdownDescription: "The same as `rest_api_id`.", Computed: true},
			"ids": schema.ListAttribute{
				MarkdownDescription: "IDs of the API's authorizers, in ascending order; `[]` when it has none.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (d *authorizersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *authorizersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m authorizersDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID := m.RestAPIID.ValueString()
	list, err := d.client.ListAuthorizers(ctx, apiID)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("rest_api_id"), "No REST API Found",
			fmt.Sprintf("gatewayd has no REST API with id %q, so it has no authorizers to list. Check the id, or whether "+
				"the API was deleted.", apiID))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("list the authorizers of rest api "+apiID, err))
		return
	}
	ids := make([]string, 0, len(list))
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	// Sorted so that the list, which modules index, does not depend on the store's order.
	slices.Sort(ids)
	m.ID = types.StringValue(apiID)
	m.IDs = stringListValue(ids)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
