// Package openapi converts between OpenAPI documents and gatewayd's object model: Import reads an
// OpenAPI 3.0 or 3.1 or Swagger 2.0 document (JSON or YAML) with API Gateway's x-amazon-apigateway-*
// extensions into a model.APIDefinition, which the control plane applies in one transaction; Export
// writes a deployment's snapshot as an OpenAPI 3.0 or Swagger 2.0 document. Parsing, $ref resolution
// and the Swagger 2.0 conversion are getkin/kin-openapi's.
//
// What is read from a document (and written back by Export):
//   - info.title and info.description: the API's name and description;
//   - paths: resources ({param}, {proxy+}) and their operations: methods, with operationId as
//     operation_name, parameters (path, query, header) as request_parameters with their required
//     flags, request bodies as request_models, responses (status, headers, content) as method responses;
//     x-amazon-apigateway-any-method under a path is the ANY method;
//   - x-amazon-apigateway-integration on an operation: the integration (type, uri, httpMethod,
//     requestParameters, requestTemplates, passthroughBehavior, timeoutInMillis, cacheKeyParameters,
//     cacheNamespace, contentHandling) and its responses (selection pattern, or "default", to
//     statusCode, responseParameters, responseTemplates, contentHandling);
//   - components.schemas (definitions in Swagger 2.0): models, whose $refs to each other become API
//     Gateway's model URLs; an inline request or response schema becomes a model of its own;
//   - x-amazon-apigateway-request-validators, and x-amazon-apigateway-request-validator at the top
//     (every method's default) or on an operation;
//   - x-amazon-apigateway-binary-media-types and x-amazon-apigateway-api-key-source;
//   - securitySchemes: an apiKey scheme on the x-api-key header makes the methods that require it
//     api_key_required, x-amazon-apigateway-authtype awsSigv4 makes them AWS_IAM, and
//     x-amazon-apigateway-auth on an operation sets its authorization type;
//   - securitySchemes with x-amazon-apigateway-authorizer: authorizers named after their schemes
//     (type token, request or cognito_user_pools, authorizerUri, authorizerCredentials,
//     identitySource, identityValidationExpression, authorizerResultTtlInSeconds, providerARNs, and
//     gatewayd's audiences); a TOKEN or Cognito authorizer without identitySource reads the scheme's
//     header. An operation requiring such a scheme gets authorization CUSTOM (or COGNITO_USER_POOLS
//     with the requirement's scopes as authorization_scopes) and the authorizer;
//   - x-amazon-apigateway-gateway-responses: the API's gateway responses (statusCode,
//     responseParameters, responseTemplates by response type);
//   - x-amazon-apigateway-policy: the API's resource policy, checked as gatewayd_rest_api_policy
//     checks it (a document without one leaves the API's).
//
// What gatewayd cannot honour is refused, never dropped, where dropping it could open a method:
// operations that require a scheme that defines no authorizer (x-amazon-apigateway-authtype custom
// without x-amazon-apigateway-authorizer) or another security scheme (OAuth 2, HTTP). What is only
// descriptive is a
// warning (Import's second result), which fail_on_warnings turns into an error: endpoint configuration, documentation, cookie parameters, "default" responses,
// operations without an integration, unknown keys of an integration.
//
// Errors and warnings name the JSON pointer of what they are about (such as
// /paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/uri).
package openapi

import (
	"fmt"
	"strings"
)

// Error is a document that cannot be imported, with the JSON pointer of the part at fault.
type Error struct {
	Pointer string
	Message string
}

func (e *Error) Error() string {
	if e.Pointer == "" {
		return e.Message
	}
	return e.Pointer + ": " + e.Message
}

// Warning is something of a document that the import leaves out, with its JSON pointer.
type Warning struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

func (w Warning) String() string {
	if w.Pointer == "" {
		return w.Message
	}
	return w.Pointer + ": " + w.Message
}

// pointer builds a JSON pointer (RFC 6901) from its reference tokens.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

func errAt(ptr, format string, args ...any) *Error {
	return &Error{Pointer: ptr, Message: fmt.Sprintf(format, args...)}
}

// MaxDocumentBytes is the largest document Import reads: API Gateway's limit.
const MaxDocumentBytes = 2 << 20

// Extension names.
const (
	extIntegration         = "x-amazon-apigateway-integration"
	extAnyMethod           = "x-amazon-apigateway-any-method"
	extValidators          = "x-amazon-apigateway-request-validators"
	extValidator           = "x-amazon-apigateway-request-validator"
	extBinaryMediaTypes    = "x-amazon-apigateway-binary-media-types"
	extAPIKeySource        = "x-amazon-apigateway-api-key-source"
	extMinCompression      = "x-amazon-apigateway-minimum-compression-size"
	extAuthType            = "x-amazon-apigateway-authtype"
	extAuthorizer          = "x-amazon-apigateway-authorizer"
	extAuth                = "x-amazon-apigateway-auth"
	extImportExportVersion = "x-amazon-apigateway-importexport-version"
)

// schemaRefPrefix is how OpenAPI 3 documents refer to a schema of components.
const schemaRefPrefix = "#/components/schemas/"
