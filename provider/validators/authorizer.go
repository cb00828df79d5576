package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// These check one authorizer attribute each, with the admin API's rules, so that terraform validate
// reports every bad value of an authorizer at once; the rules that tie attributes together stay in the
// resource's ValidateConfig.

type identitySource struct{}

// IdentitySource checks an authorizer's identity_source list (model.ParseIdentitySources).
func IdentitySource() validator.String { return identitySource{} }

func (identitySource) Description(context.Context) string {
	return "must be a comma-separated list of method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME"
}

func (v identitySource) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (identitySource) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := model.ParseIdentitySources(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Identity Source", fmt.Sprintf("Attribute %s %s.", req.Path, err))
	}
}

type authorizerURI struct{}

// AuthorizerURI checks a non-empty authorizer_uri: a Lambda ARN URI or a Lambda Invoke URL
// (model.ValidateAuthorizerURI). Whether it may be empty depends on the type: ValidateConfig's rule.
func AuthorizerURI() validator.String { return authorizerURI{} }

func (authorizerURI) Description(context.Context) string {
	return "must be a Lambda ARN URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations) or a Lambda Invoke URL"
}

func (v authorizerURI) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (authorizerURI) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	if err := model.ValidateAuthorizerURI(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Authorizer URI", fmt.Sprintf("Attribute %s %s.", req.Path, err))
	}
}

type tokenIssuer struct{}

// TokenIssuer checks one of provider_arns: a Cognito user pool ARN or an OpenID Connect issuer URL
// (model.IssuerOf).
func TokenIssuer() validator.String { return tokenIssuer{} }

func (tokenIssuer) Description(context.Context) string {
	return "must be a Cognito user pool ARN or an OpenID Connect issuer URL"
}

func (v tokenIssuer) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (tokenIssuer) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, _, err := model.IssuerOf(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Token Issuer", fmt.Sprintf("Attribute %s %s.", req.Path, err))
	}
}
