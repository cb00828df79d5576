package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

var (
	_ resource.ResourceWithConfigure      = (*certificateResource)(nil)
	_ resource.ResourceWithImportState    = (*certificateResource)(nil)
	_ resource.ResourceWithValidateConfig = (*certificateResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*certificateResource)(nil)
)

// NewCertificateResource returns the gatewayd_certificate resource.
func NewCertificateResource() resource.Resource { return &certificateResource{} }

type certificateResource struct {
	client *client.Client
}

type certificateModel struct {
	ID                      types.String `tfsdk:"id"`
	ARN                     types.String `tfsdk:"arn"`
	DomainName              types.String `tfsdk:"domain_name"`
	SubjectAlternativeNames types.Set    `tfsdk:"subject_alternative_names"`
	ValidationMethod        types.String `tfsdk:"validation_method"`
	CertificateBody         types.String `tfsdk:"certificate_body"`
	CertificateChain        types.String `tfsdk:"certificate_chain"`
	PrivateKey              types.String `tfsdk:"private_key"`
	Tags                    types.Map    `tfsdk:"tags"`
	Status                  types.String `tfsdk:"status"`
	NotBefore               types.String `tfsdk:"not_before"`
	NotAfter                types.String `tfsdk:"not_after"`
	Serial                  types.String `tfsdk:"serial"`
	KeyAlgorithm            types.String `tfsdk:"key_algorithm"`
	FailureReason           types.String `tfsdk:"failure_reason"`
}

// acmeWait bounds how long Create waits for an ACME certificate to leave PENDING_VALIDATION (the
// daemon bounds one order to 5 minutes); acmePoll is how often it looks.
const (
	acmeWait = 10 * time.Minute
	acmePoll = time.Second
)

func (r *certificateResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_certificate"
}

func (r *certificateResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A TLS certificate that `gatewayd_domain_name` serves, in the shape of `aws_acm_certificate`: either " +
			"**issued by gatewayd's own CA** (`validation_method = \"INTERNAL\"`, with `domain_name` and `subject_alternative_names`; " +
			"valid 90 days and renewed by gatewayd with 30 days left, under the same ARN; clients trust the CA's root, which " +
			"`GET /v1/ca/certificate` on the admin API serves and the data directory keeps as `ca.pem`), or **imported** " +
			"(`certificate_body`, `private_key` and optionally `certificate_chain`, PEM; its names are read from the certificate). " +
			"The private key is never returned by the admin API and is kept encrypted (AES-256-GCM) with the key in gatewayd's data " +
			"directory. A replaced imported certificate (new body and key) is served from the next TLS handshake on, without a " +
			"restart; or **issued by an ACME CA** (`validation_method = \"ACME\"`: Let's Encrypt, or the CA gatewayd is started with, " +
			"`--acme-directory-url`), which validates the names through gatewayd's own listeners (tls-alpn-01 on the TLS listener, " +
			"http-01 on the plain one): the names' DNS records must point at gatewayd. gatewayd answers the create at once with " +
			"`status = \"PENDING_VALIDATION\"` and orders the certificate in the background; `terraform apply` waits (up to 10 " +
			"minutes, as `aws_acm_certificate_validation` waits) until it is `ISSUED`, or fails with the CA's reason " +
			"(`failure_reason`; the certificate is then tainted, and the next apply orders a new one). ACME certificates are renewed " +
			"by gatewayd with a third of their validity left, under the same ARN. ACM's `DNS` and `EMAIL` validation are not built.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes
			"domain_name": schema.StringAttribute{
				MarkdownDescription: "The certificate's name (`api.example.com`, or `*.example.com` with `INTERNAL`: ACME's tls-alpn-01 and " +
					"http-01 cannot validate wildcards). Required with `INTERNAL` and `ACME`; for an " +
					"imported certificate it is read from the certificate (its common name, else its first name). Changing it " +
					"replaces the certificate.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"subject_alternative_names": schema.SetAttribute{
				MarkdownDescription: "More names of the certificate, with `INTERNAL` or `ACME`. For an imported certificate, its DNS names and IP " +
					"addresses. Defaults to none. Changing it replaces the certificate.",
				ElementType:   types.StringType,
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Set{setplanmodifier.RequiresReplaceIfConfigured()},
				Validators:    []validator.Set{setvalidator.ValueStringsAre(stringvalidator.RegexMatches(model.DomainNamePattern, "must be a lowercase DNS name"))},
			},
			"validation_method": schema.StringAttribute{
				MarkdownDescription: "`INTERNAL`: gatewayd's own CA issues the certificate. `ACME`: the ACME CA gatewayd is started " +
					"with issues it (the daemon needs `--acme-accept-tos`; otherwise the create is refused). Leave it out to import a " +
					"certificate. Changing it replaces the certificate.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.OneOf(model.ValidationInternal, model.ValidationACME)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"certificate_body": schema.StringAttribute{
				MarkdownDescription: "The certificate, PEM, to import (one certificate; intermediates go in `certificate_chain`). With " +
					"`INTERNAL` or `ACME`, the issued certificate (computed; empty until an ACME certificate is issued). A new body (with its `private_key`) replaces the certificate in place.",
				Optional: true,
				Computed: true,
			},
			"certificate_chain": schema.StringAttribute{
				MarkdownDescription: "The intermediate certificates, PEM, served after `certificate_body`. With `INTERNAL`, the CA's root; with " +
					"`ACME`, the CA's intermediates (computed). Defaults to none for an imported certificate.",
				Optional: true,
				Computed: true,
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "The private key of `certificate_body`, PEM (PKCS #1, PKCS #8 or SEC 1). Required to import. Never " +
					"returned by gatewayd: kept in state as given, and empty after `terraform import`.",
				Optional:  true,
				Sensitive: true,
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Key-value tags, at most 50. Defaults to `{}`.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
			},
			// Computed attributes
			"id": schema.StringAttribute{
				MarkdownDescription: "The certificate's ARN, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				MarkdownDescription: "The certificate's ARN (`arn:aws:acm:REGION:000000000000:certificate/ID`): what " +
					"`gatewayd_domain_name.regional_certificate_arn` names. It stays across renewals and re-imports.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status": schema.StringAttribute{MarkdownDescription: "`ISSUED`, or `EXPIRED` past `not_after`; an `ACME` certificate is " +
				"`PENDING_VALIDATION` until issued, or `FAILED` (see `failure_reason`).", Computed: true},
			"failure_reason": schema.StringAttribute{MarkdownDescription: "Why an `ACME` certificate failed (the CA's problem, such as a " +
				"challenge it could not reach), or why its last renewal failed while it is still `ISSUED` (retried hourly). Empty " +
				"otherwise.", Computed: true},
			"not_before":    schema.StringAttribute{MarkdownDescription: "Start of validity (RFC 3339); empty until an `ACME` certificate is issued.", Computed: true},
			"not_after":     schema.StringAttribute{MarkdownDescription: "End of validity (RFC 3339); empty until an `ACME` certificate is issued.", Computed: true},
			"serial":        schema.StringAttribute{MarkdownDescription: "The certificate's serial number, hexadecimal.", Computed: true},
			"key_algorithm": schema.StringAttribute{MarkdownDescription: "ACM's name of the key's algorithm (`RSA_2048`, `EC_prime256v1`, ...).", Computed: true},
		},
	}
}

func (r *certificateResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = configureClient(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig ties the attributes of each form together at plan time.
func (r *certificateResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m certificateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.ValidationMethod.IsUnknown() {
		return
	}
	if vm := m.ValidationMethod.ValueString(); vm != "" {
		for name, v := range map[string]types.String{"certificate_body": m.CertificateBody, "certificate_chain": m.CertificateChain, "private_key": m.PrivateKey} {
			if !v.IsNull() {
				resp.Diagnostics.AddAttributeError(path.Root(name), "Conflicting Certificate Attributes",
					name+" cannot be set with validation_method = \""+vm+"\": the CA issues the certificate and gatewayd makes its key.")
			}
		}
		if m.DomainName.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("domain_name"), "Missing Domain Name",
				"domain_name is required with validation_method = \""+vm+"\".")
		}
		return
	}
	if m.CertificateBody.IsNull() || m.PrivateKey.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("certificate_body"), "Missing Certificate",
			"An imported certificate needs certificate_body and private_key; set validation_method = \"INTERNAL\" to have gatewayd issue one instead.")
	}
	if !m.DomainName.IsNull() || !m.SubjectAlternativeNames.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("domain_name"), "Conflicting Certificate Attributes",
			"domain_name and subject_alternative_names are read from an imported certificate; set them only with validation_method = \"INTERNAL\".")
	}
}

// ModifyPlan keeps the computed attributes when the certificate itself does not change, and leaves
// them unknown when a new body is imported (its names, dates and serial come from it).
func (r *certificateResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var plan, state certificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	reimport := plan.ValidationMethod.IsNull() &&
		(!plan.CertificateBody.Equal(state.CertificateBody) || !plan.PrivateKey.Equal(state.PrivateKey) ||
			(!plan.CertificateChain.IsUnknown() && !plan.CertificateChain.Equal(state.CertificateChain)))
	if reimport {
		if plan.CertificateChain.IsUnknown() {
			plan.CertificateChain = types.StringValue("")
		}
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	keep := func(p *types.String, s types.String) {
		if p.IsUnknown() {
			*p = s
		}
	}
	keep(&plan.DomainName, state.DomainName)
	keep(&plan.CertificateBody, state.CertificateBody)
	keep(&plan.CertificateChain, state.CertificateChain)
	keep(&plan.Status, state.Status)
	keep(&plan.NotBefore, state.NotBefore)
	keep(&plan.NotAfter, state.NotAfter)
	keep(&plan.Serial, state.Serial)
	keep(&plan.KeyAlgorithm, state.KeyAlgorithm)
	keep(&plan.FailureReason, state.FailureReason)
	if plan.SubjectAlternativeNames.IsUnknown() {
		plan.SubjectAlternativeNames = state.SubjectAlternativeNames
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// fromAPI sets the model from a certificate; the private key is kept (gatewayd never returns it).
func (m *certificateModel) fromAPI(c model.Certificate) {
	m.ID = types.StringValue(c.ARN)
	m.ARN = types.StringValue(c.ARN)
	m.DomainName = types.StringValue(c.DomainName)
	m.SubjectAlternativeNames = stringSetValue(c.SubjectAlternativeNames)
	if c.ValidationMethod == "" {
		m.ValidationMethod = types.StringNull()
	} else {
		m.ValidationMethod = types.StringValue(c.ValidationMethod)
	}
	m.CertificateBody = types.StringValue(c.CertificateBody)
	m.CertificateChain = types.StringValue(c.CertificateChain)
	if m.PrivateKey.IsUnknown() {
		m.PrivateKey = types.StringNull()
	}
	m.Tags = stringMapValue(c.Tags)
	m.Status = types.StringValue(c.Status)
	m.NotBefore = types.StringValue(rfc3339OrEmpty(c.NotBefore))
	m.NotAfter = types.StringValue(rfc3339OrEmpty(c.NotAfter))
	m.Serial = types.StringValue(c.Serial)
	m.KeyAlgorithm = types.StringValue(c.KeyAlgorithm)
	m.FailureReason = types.StringValue(c.FailureReason)
}

// rfc3339OrEmpty formats a validity date; an ACME certificate not issued has none.
func rfc3339OrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// certificateID is the id at the end of a certificate ARN (or the id itself).
func certificateID(arn string) string {
	if i := strings.LastIndex(arn, "certificate/"); i >= 0 {
		return arn[i+len("certificate/"):]
	}
	return arn
}

func (r *certificateResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan certificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := model.Certificate{
		ValidationMethod: plan.ValidationMethod.ValueString(),
		Tags:             toStringMap(ctx, plan.Tags, &resp.Diagnostics),
		PrivateKey:       plan.PrivateKey.ValueString(),
	}
	if in.ValidationMethod != "" {
		in.DomainName = plan.DomainName.ValueString()
		in.SubjectAlternativeNames = toStrings(ctx, plan.SubjectAlternativeNames, &resp.Diagnostics)
	} else {
		in.CertificateBody, in.CertificateChain = plan.CertificateBody.ValueString(), plan.CertificateChain.ValueString()
	}
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := r.client.CreateCertificate(ctx, in)
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("create a certificate", err))
		return
	}
	if out.Status == model.CertificatePending {
		out = r.waitIssued(ctx, out, &resp.Diagnostics)
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// waitIssued polls an ACME certificate until it leaves PENDING_VALIDATION, for at most acmeWait, and
// reports a failure (the resource is then saved tainted: the next apply orders a new certificate).
func (r *certificateResource) waitIssued(ctx context.Context, c model.Certificate, diags *diag.Diagnostics) model.Certificate {
	wctx, cancel := context.WithTimeout(ctx, acmeWait)
	defer cancel()
	t := time.NewTicker(acmePoll)
	defer t.Stop()
	for c.Status == model.CertificatePending {
		select {
		case <-wctx.Done():
			diags.AddError("Certificate Not Issued",
				fmt.Sprintf("ACME certificate %s for %s was still PENDING_VALIDATION after %s: check that its names' DNS records point at gatewayd "+
					"and that the CA reaches its TLS listener on port 443 (tls-alpn-01) or its plain listener on port 80 (http-01).", c.ARN, c.DomainName, acmeWait))
			return c
		case <-t.C:
		}
		next, err := r.client.GetCertificate(wctx, c.ID)
		if err != nil {
			if wctx.Err() == nil {
				diags.Append(diagnostics.ClientError("read certificate "+c.ID, err))
				return c
			}
			continue
		}
		c = next
	}
	if c.Status == model.CertificateFailed {
		diags.AddError("Certificate Issuance Failed",
			fmt.Sprintf("The ACME CA did not issue certificate %s for %s: %s", c.ARN, c.DomainName, c.FailureReason))
	}
	return c
}

func (r *certificateResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state certificateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := certificateID(state.ID.ValueString())
	out, err := r.client.GetCertificate(ctx, id)
	if readGone(ctx, err, resp) {
		return
	}
	if err != nil {
		resp.Diagnostics.Append(diagnostics.ClientError("read certificate "+id, err))
		return
	}
	state.fromAPI(out)
	resp.Diagnostics.Append(keepVersion(ctx, resp.Private, out.Version)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *certificateResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state certificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := certificateID(state.ID.ValueString())
	in := model.Certificate{ID: id, ValidationMethod: state.ValidationMethod.ValueString(),
		Tags: toStringMap(ctx, plan.Tags, &resp.Diagnostics)}
	if in.ValidationMethod != "" {
		in.DomainName = state.DomainName.ValueString()
		in.SubjectAlternativeNames = toStrings(ctx, state.SubjectAlternativeNames, &resp.Diagnostics)
	} else {
		in.CertificateBody, in.CertificateChain = plan.CertificateBody.ValueString(), plan.CertificateChain.ValueString()
		if !plan.CertificateBody.Equal(state.CertificateBody) || !plan.CertificateChain.Equal(state.CertificateChain) || !plan.PrivateKey.Equal(state.PrivateKey) {
			in.PrivateKey = plan.PrivateKey.ValueString()
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	out, ok := conditionalUpdate[model.Certificate, certificateModel]{
		what: "certificate " + id, state: state, plan: plan,
		fromAPI: (*certificateModel).fromAPI,
		version: func(c model.Certificate) int64 { return c.Version },
		put: func(opts ...client.WriteOption) (model.Certificate, error) {
			return r.client.UpdateCertificate(ctx, id, in, opts...)
		},
		get: func() (model.Certificate, error) { return r.client.GetCertificate(ctx, id) },
		// Renewals change the body, dates and serial of an INTERNAL certificate on their own.
		ignore: []string{"private_key", "certificate_body", "certificate_chain", "status", "not_before", "not_after", "serial", "failure_reason"},
	}.run(ctx, req, resp)
	if !ok {
		return
	}
	plan.fromAPI(out)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *certificateResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state certificateModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := certificateID(state.ID.ValueString())
	if err := r.client.DeleteCertificate(ctx, id); err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.Append(diagnostics.ClientError("delete certificate "+id, err))
	}
}

// ImportState takes the certificate's ARN, as aws_acm_certificate does.
func (r *certificateResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !strings.HasPrefix(req.ID, "arn:aws:acm:") || !strings.Contains(req.ID, ":certificate/") {
		resp.Diagnostics.Append(diagnostics.ImportIDError(req.ID, "the certificate's ARN", "arn:aws:acm:us-east-1:000000000000:certificate/0123abcd-..."))
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
