package model

import (
	"regexp"
	"slices"
)

// Gateway response types, as API Gateway's: each answer the gateway makes itself (not its backend's)
// has one, and an API may customize the answer of each type (gatewayd_gateway_response).
const (
	ResponseAccessDenied                 = "ACCESS_DENIED"
	ResponseAPIConfigurationError        = "API_CONFIGURATION_ERROR"
	ResponseAuthorizerConfigurationError = "AUTHORIZER_CONFIGURATION_ERROR"
	ResponseAuthorizerFailure            = "AUTHORIZER_FAILURE"
	ResponseBadRequestParameters         = "BAD_REQUEST_PARAMETERS"
	ResponseBadRequestBody               = "BAD_REQUEST_BODY"
	ResponseDefault4XX                   = "DEFAULT_4XX"
	ResponseDefault5XX                   = "DEFAULT_5XX"
	ResponseExpiredToken                 = "EXPIRED_TOKEN"
	ResponseIntegrationFailure           = "INTEGRATION_FAILURE"
	ResponseIntegrationTimeout           = "INTEGRATION_TIMEOUT"
	ResponseInvalidAPIKey                = "INVALID_API_KEY"
	ResponseInvalidSignature             = "INVALID_SIGNATURE"
	ResponseMissingAuthenticationToken   = "MISSING_AUTHENTICATION_TOKEN"
	ResponseQuotaExceeded                = "QUOTA_EXCEEDED"
	ResponseRequestTooLarge              = "REQUEST_TOO_LARGE"
	ResponseResourceNotFound             = "RESOURCE_NOT_FOUND"
	ResponseThrottled                    = "THROTTLED"
	ResponseUnauthorized                 = "UNAUTHORIZED"
	ResponseUnsupportedMediaType         = "UNSUPPORTED_MEDIA_TYPE"
	ResponseWAFFiltered                  = "WAF_FILTERED"
)

// GatewayResponseTypes lists every response type API Gateway has. gatewayd produces all of them but
// RESOURCE_NOT_FOUND and WAF_FILTERED, which are accepted so that ported configurations apply.
var GatewayResponseTypes = []string{
	ResponseAccessDenied, ResponseAPIConfigurationError, ResponseAuthorizerConfigurationError,
	ResponseAuthorizerFailure, ResponseBadRequestBody, ResponseBadRequestParameters, ResponseDefault4XX,
	ResponseDefault5XX, ResponseExpiredToken, ResponseIntegrationFailure, ResponseIntegrationTimeout,
	ResponseInvalidAPIKey, ResponseInvalidSignature, ResponseMissingAuthenticationToken,
	ResponseQuotaExceeded, ResponseRequestTooLarge, ResponseResourceNotFound, ResponseThrottled,
	ResponseUnauthorized, ResponseUnsupportedMediaType, ResponseWAFFiltered,
}

// DefaultGatewayResponseTemplate is API Gateway's body of every gateway response.
const DefaultGatewayResponseTemplate = `{"message":$context.error.messageString}`

var (
	// GatewayResponseParameterPattern matches the key of a gateway response's parameter.
	GatewayResponseParameterPattern = regexp.MustCompile(`^gatewayresponse\.header\.[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+$`)
	// GatewayResponseValuePattern matches the value of a gateway response's parameter: a literal, a
	// request parameter, a stage variable or a context variable.
	GatewayResponseValuePattern = regexp.MustCompile(`^('[^'\x00-\x1f\x7f]*'|method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)
)

// GatewayResponse customizes the answers of one response type of an API: status, headers and body.
type GatewayResponse struct {
	RestAPIID    string `json:"rest_api_id"`
	ResponseType string `json:"response_type"`
	// StatusCode replaces the answer's status; empty keeps it. On DEFAULT_4XX and DEFAULT_5XX it
	// applies to every type of the class that has no response of its own.
	StatusCode string `json:"status_code"`
	// ResponseParameters sets headers: gatewayresponse.header.NAME to 'literal',
	// method.request.{header,querystring,path}.NAME, stageVariables.NAME or context.NAME.
	ResponseParameters map[string]string `json:"response_parameters"`
	// ResponseTemplates are the body's mapping templates by content type; none keeps API Gateway's
	// {"message":$context.error.messageString}.
	ResponseTemplates map[string]string `json:"response_templates"`
	Version           int64             `json:"version"`
}

// Normalize fills defaults.
func (g *GatewayResponse) Normalize() {
	g.ResponseParameters = emptyIfNil(g.ResponseParameters)
	g.ResponseTemplates = emptyIfNil(g.ResponseTemplates)
}

// Validate checks the fields a client sets.
func (g *GatewayResponse) Validate() error {
	if !slices.Contains(GatewayResponseTypes, g.ResponseType) {
		return oneOf("response_type", g.ResponseType, GatewayResponseTypes)
	}
	if g.StatusCode != "" && !StatusCodePattern.MatchString(g.StatusCode) {
		return fieldErr("status_code", "must be an HTTP status code between 100 and 599, got %q", g.StatusCode)
	}
	for k, v := range g.ResponseParameters {
		if !GatewayResponseParameterPattern.MatchString(k) {
			return fieldErr("response_parameters", "key %q must look like gatewayresponse.header.NAME", k)
		}
		if !GatewayResponseValuePattern.MatchString(v) {
			return fieldErr("response_parameters", "value %q of %q must be 'literal', method.request.{header|querystring|path}.NAME, stageVariables.NAME or context.NAME", v, k)
		}
	}
	for ct, t := range g.ResponseTemplates {
		if !MediaTypePattern.MatchString(ct) {
			return fieldErr("response_templates", "key %q must be a content type", ct)
		}
		if err := checkText("response_templates."+ct, t, MaxTemplateLength, true); err != nil {
			return err
		}
	}
	return nil
}
