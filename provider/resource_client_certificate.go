package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	_ resource.ResourceWithConfigure   = (*clientCertificateResource)(nil)
	_ resource.ResourceWithImportState = (*clientCertificateResource)(nil)
)

// NewClientCertificateResource returns the gatewayd_client_certificate resource.
func NewClientCertificateResource() resource.Resource { return &clientCertificateResource{} }

type clientCertificateResource struct {
	client *client.Client
}

type clientCertificateModel struct {
	ID                    types.String `tfsdk:"id"`
	ARN                   types.String `tfsdk:"arn"`
	Description           types.String `tfsdk:"description"`
	Tags                  types.Map    `tfsdk:"tags"`
	PEMEncodedCertificate types.String `tfsdk:"pem_encoded_certificate"`
	CreatedDate           types.String `tfsdk:"created_date"`
	ExpirationDate        types.String `tfsdk:"expiration_date"`
}

func (r *clientCertificateResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_client_certificate"
}

func (r *clientCertificateResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A client certificate, as `aws_api_gateway_client_certificate`: gatewayd generates a key pair and a " +
			"self-signed certificate valid for a year. A stage whose `client_certificate_id` names it presents it to the " +
			"https backends of its `HTTP` and `HTTP_PROXY` integrations that ask for a client certificate (mutual TLS to the " +
			"backend); the backend trusts `pem_encoded_certificate`. The private key never leaves gatewayd: it is kept " +
			"encrypted (AES-256-GCM) with the key in gatewayd's data directory and is never returned by the admin API. " +
			"A certificate a stage names cannot be deleted. Renewing means making a new one and pointing the stage at it.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the client certificate. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(model.MaxDescriptionLength)},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(emptyStringMap()),
			},
			// Computed attributes
			"arn": schema.StringAttribute{
				MarkdownDescription: "ARN of the client certificate, `arn:aws:apigateway:REGION::/clientcertificates/ID` (REGION is gatewayd's `--region`).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "ID of the client certificate (6 lowercase alphanumerics), also the import ID.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"pem_encoded_certificate": schema.StringAttribute{
				MarkdownDescription: "The certificate, PEM: what a backend trusts to accept the gateway's calls.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"created_date": schema.StringAttribute{
				MarkdownDescription: "When the certificate was generated (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"expiration_date": schema.StringAttribute{
				MarkdownDescription: "When the certificate expires (RFC 3339), a year after `created_date`.",
				Computed:            true,
				PlanModifiers:       keep,
			},
		},
	}
}

func (r *clientCertificateResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

func (m *clientCertificateModel) fromAPI(c model.ClientCertificate) {
	m.ID = types.StringValue(c.ID)
	m.ARN = types.StringValue(c.ARN)
	m.Description = types.StringValue(c.Description)
	m.Tags = stringMapValue(c.Tags)
	m.PEMEncodedCertificate = types.StringValue(c.PEMEncodedCertificate)
	m.CreatedDate = types.StringValue(c.CreatedDate.UTC().Format(time.RFC3339))
	m.ExpirationDate = types.StringValue(c.ExpirationDate.UTC().Format(time.RFC3339))
}

func (r *clientCertificateResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan clientCertificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := model.ClientCertificate{Description: plan.Description.ValueString(), Tags: toStringMap(ctx, plan.Tags, &resp.Diagnostics)}
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.GenerateClientCertificate(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("generate a client certificate", err))
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *clientCertificateResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state clientCertificateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	out, err := r.client.GetClientCertificate(ctx, id)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read client certificate "+id, err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *clientCertificateResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state clientCertificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	in := model.ClientCertificate{ID: id, Description: plan.Description.ValueString(), Tags: toStringMap(ctx, plan.Tags, &resp.Diagnostics)}
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.ClientCertificate, clientCertificateModel]{
		what: "client certificate " + id, state: state, plan: plan,
		fromAPI: (*clientCertificateModel).fromAPI,
		version: func(c model.ClientCertificate) int64 { return c.Version },
		put: func(opts ...client.WriteOption) (model.ClientCertificate, error) {
			return r.client.UpdateClientCertificate(ctx, id, in, opts...)
		},
		get: func() (model.ClientCertificate, error) { return r.client.GetClientCertificate(ctx, id) },
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *clientCertificateResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state clientCertificateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if err := r.client.DeleteClientCertificate(ctx, id); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete client certificate "+id, err))
	}
}

// ImportState takes the client certificate's id, as aws_api_gateway_client_certificate does.
func (r *clientCertificateResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
