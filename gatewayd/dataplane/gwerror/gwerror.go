// Package gwerror defines the errors pipeline steps return to make the gateway answer on their behalf.
// The data plane renders every one of them the same way, as {"message": ...} JSON.
package gwerror

import (
	"fmt"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Error is an answer of the gateway itself. Message is what the client sees (empty renders as null,
// as API Gateway's AUTHORIZER_CONFIGURATION_ERROR); Err, if set, is the cause that goes to the log only.
type Error struct {
	Status  int
	Message string
	Err     error
	// Type is the gateway response type (model.Response*) an API may customize; empty falls back to
	// DEFAULT_4XX or DEFAULT_5XX by status.
	Type string
	// ErrorType, when set, is sent as x-amzn-ErrorType, as API Gateway does.
	ErrorType string
	// RetryAfter, when positive, is sent as Retry-After (seconds): every 429 carries one, so that
	// clients (generated SDKs among them) know when to retry.
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%d %s", e.Status, e.Message)
	}
	return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a cause for the log.
func New(status int, message string, cause error) *Error {
	return &Error{Status: status, Message: message, Err: cause}
}

// The answers API Gateway gives, with its messages.

// MissingAuthenticationToken is API Gateway's answer to an unknown API, stage, resource or verb.
func MissingAuthenticationToken() *Error {
	return &Error{Status: http.StatusForbidden, Message: "Missing Authentication Token", Type: model.ResponseMissingAuthenticationToken, ErrorType: "MissingAuthenticationTokenException"}
}

// Forbidden refuses a request that is not authorized.
func Forbidden(cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: "Forbidden", Err: cause, Type: model.ResponseAccessDenied, ErrorType: "ForbiddenException"}
}

// Internal reports a failure of the gateway or its configuration; cause goes to the log.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "Internal server error", Err: cause, ErrorType: "InternalServerErrorException"}
}

// BadGateway reports a backend that could not be reached or answered something unusable.
func BadGateway(cause error) *Error {
	return &Error{Status: http.StatusBadGateway, Message: "Internal server error", Err: cause, Type: model.ResponseIntegrationFailure, ErrorType: "InternalServerErrorException"}
}

// Timeout reports a backend that did not answer within the integration timeout.
func Timeout(cause error) *Error {
	return &Error{Status: http.StatusGatewayTimeout, Message: "Endpoint request timed out", Err: cause, Type: model.ResponseIntegrationTimeout, ErrorType: "InternalServerErrorException"}
}

// TooLarge refuses a request body over the limit.
func TooLarge() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request Too Long", Type: model.ResponseRequestTooLarge}
}

// BadRequest refuses a request the gateway cannot read.
func BadRequest(message string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Err: cause, ErrorType: "BadRequestException"}
}

// UnsupportedMediaType refuses a body no request template accepts under the passthrough behaviour.
func UnsupportedMediaType() *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Message: "Unsupported Media Type", Type: model.ResponseUnsupportedMediaType, ErrorType: "UnsupportedMediaTypeException"}
}

// TooManyRequests refuses a request over a throttle limit.
func TooManyRequests(cause error) *Error {
	return &Error{Status: http.StatusTooManyRequests, Message: "Too Many Requests", Err: cause, Type: model.ResponseThrottled, ErrorType: "TooManyRequestsException"}
}

// LimitExceeded refuses a request over its usage plan's quota.
func LimitExceeded(cause error) *Error {
	return &Error{Status: http.StatusTooManyRequests, Message: "Limit Exceeded", Err: cause, Type: model.ResponseQuotaExceeded, ErrorType: "LimitExceededException"}
}

// BadRequestParameters refuses a request missing parameters its method's validator requires.
func BadRequestParameters(message string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Err: cause, Type: model.ResponseBadRequestParameters, ErrorType: "BadRequestException"}
}

// BadRequestBody refuses a request whose body its method's validator refuses.
func BadRequestBody(message string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Err: cause, Type: model.ResponseBadRequestBody, ErrorType: "BadRequestException"}
}

// InvalidAPIKey refuses a request without a valid API key where the method requires one.
func InvalidAPIKey(cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: "Forbidden", Err: cause, Type: model.ResponseInvalidAPIKey, ErrorType: "ForbiddenException"}
}

// Unauthorized refuses a request whose identity is missing, does not match the authorizer's validation
// expression, or that the authorizer refused ("Unauthorized" from a function, a token that fails).
func Unauthorized(cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Message: "Unauthorized", Err: cause, Type: model.ResponseUnauthorized, ErrorType: "UnauthorizedException"}
}

// AccessDenied refuses a request an authorizer's policy, an IAM policy or the resource policy does not
// allow, with API Gateway's messages: explicit says a Deny statement applied.
func AccessDenied(explicit bool, cause error) *Error {
	msg := "User is not authorized to access this resource"
	if explicit {
		msg += " with an explicit deny"
	}
	return &Error{Status: http.StatusForbidden, Message: msg, Err: cause, Type: model.ResponseAccessDenied, ErrorType: "AccessDeniedException"}
}

// AccessDeniedMessage refuses with a message of its own (IAM's "User: ARN is not authorized to perform:
// execute-api:Invoke on resource: ARN").
func AccessDeniedMessage(message string, cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: message, Err: cause, Type: model.ResponseAccessDenied, ErrorType: "AccessDeniedException"}
}

// AuthorizerConfiguration reports an authorizer that could not be called or answered something
// unusable: API Gateway answers 500 {"message": null}.
func AuthorizerConfiguration(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Err: cause, Type: model.ResponseAuthorizerConfigurationError, ErrorType: "AuthorizerConfigurationException"}
}

// AuthorizerFailure reports an authorizer that failed to authenticate for a reason of its own (a JWKS
// that cannot be fetched).
func AuthorizerFailure(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Err: cause, Type: model.ResponseAuthorizerFailure, ErrorType: "AuthorizerFailureException"}
}

// InvalidSignature refuses a SigV4 request whose signature, credential or form is wrong.
func InvalidSignature(message string, cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: message, Err: cause, Type: model.ResponseInvalidSignature, ErrorType: "InvalidSignatureException"}
}

// IncompleteSignature refuses a SigV4 request missing a part of its signature.
func IncompleteSignature(message string, cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: message, Err: cause, Type: model.ResponseMissingAuthenticationToken, ErrorType: "IncompleteSignatureException"}
}

// ExpiredToken refuses a SigV4 request outside its date window.
func ExpiredToken(message string, cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: message, Err: cause, Type: model.ResponseExpiredToken, ErrorType: "InvalidSignatureException"}
}

// UnrecognizedClient refuses a SigV4 request signed with an access key gatewayd does not know.
func UnrecognizedClient(cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: "The security token included in the request is invalid.", Err: cause,
		Type: model.ResponseInvalidSignature, ErrorType: "UnrecognizedClientException"}
}
