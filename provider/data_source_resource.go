package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var _ datasource.DataSourceWithConfigure = (*resourceDataSource)(nil)

// resourceFullPathRE accepts "/" and slash-separated segments without a trailing slash.
var resourceFullPathRE = regexp.MustCompile(`^(/|(/[^/\s]+)+)$`)

// NewResourceDataSource returns the gatewayd_resource data source.
func NewResourceDataSource() datasource.DataSource { return &resourceDataSource{} }

type resourceDataSource struct {
	client *client.Client
}

func (d *resourceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_resource"
}

func (d *resourceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds a resource of a REST API by its full path.",
		Attributes: map[string]schema.Attribute{
			"rest_api_id": schema.StringAttribute{
				MarkdownDescription: "ID of the REST API.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"path": schema.StringAttribute{
				MarkdownDescription: "Full path of the resource, such as `/pets/{petId}`; `/` is the root resource.",
				Required:            true,
				Validators: []validator.String{stringvalidator.RegexMatches(resourceFullPathRE,
					"must be a path starting with /, such as /pets/{petId}")},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the resource.",
				Computed:            true,
			},
			"parent_id": schema.StringAttribute{
				MarkdownDescription: "ID of the parent resource; `\"\"` for the root resource.",
				Computed:            true,
			},
			"path_part": schema.StringAttribute{
				MarkdownDescription: "Last path segment of the resource; `\"\"` for the root resource.",
				Computed:            true,
			},
		},
	}
}

func (d *resourceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (d *resourceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg resourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	apiID, want := cfg.RestAPIID.ValueString(), cfg.Path.ValueString()
	all, err := d.client.ListResources(ctx, apiID)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("list the resources of rest api "+apiID, err))
		return
	}
	for _, r := range all {
		if r.Path == want {
			cfg.fromAPI(r)
			resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
			return
		}
	}
	// Name a few existing paths to show what is there; an API may have hundreds.
	var paths []string
	for _, r := range all {
		if len(paths) == 20 {
			paths = append(paths, "...")
			break
		}
		paths = append(paths, r.Path)
	}
	resp.Diagnostics.AddAttributeError(path.Root("path"), "No Resource Found",
		fmt.Sprintf("REST API %s has no resource with path %q. Its resources are: %s.", apiID, want, strings.Join(paths, ", ")))
}
