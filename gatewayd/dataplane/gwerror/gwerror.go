// Package gwerror defines the errors pipeline steps return to make the gateway answer on their behalf.
// The data plane renders every one of them the same way, as {"message": ...} JSON.
package gwerror

import (
	"fmt"
	"net/http"
)

// Error is an answer of the gateway itself. Message is what the client sees; Err, if set, is the cause
// that goes to the log only.
type Error struct {
	Status  int
	Message string
	Err     error
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
	return &Error{Status: http.StatusForbidden, Message: "Missing Authentication Token"}
}

// Forbidden refuses a request that is not authorized.
func Forbidden(cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: "Forbidden", Err: cause}
}

// Internal reports a failure of the gateway or its configuration; cause goes to the log.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "Internal server error", Err: cause}
}

// BadGateway reports a backend that could not be reached or answered something unusable.
func BadGateway(cause error) *Error {
	return &Error{Status: http.StatusBadGateway, Message: "Internal server error", Err: cause}
}

// Timeout reports a backend that did not answer within the integration timeout.
func Timeout(cause error) *Error {
	return &Error{Status: http.StatusGatewayTimeout, Message: "Endpoint request timed out", Err: cause}
}

// TooLarge refuses a request body over the limit.
func TooLarge() *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Message: "Request Too Long"}
}

// BadRequest refuses a request the gateway cannot read.
func BadRequest(message string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Err: cause}
}

// UnsupportedMediaType refuses a body no request template accepts under the passthrough behaviour.
func UnsupportedMediaType() *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Message: "Unsupported Media Type"}
}

// TooManyRequests refuses a request over a throttle limit.
func TooManyRequests(cause error) *Error {
	return &Error{Status: http.StatusTooManyRequests, Message: "Too Many Requests", Err: cause}
}

// LimitExceeded refuses a request over its usage plan's quota.
func LimitExceeded(cause error) *Error {
	return &Error{Status: http.StatusTooManyRequests, Message: "Limit Exceeded", Err: cause}
}
