package control

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Error codes, as the admin API reports them.
const (
	CodeBadRequest         = "BadRequest"
	CodeNotFound           = "NotFound"
	CodeConflict           = "Conflict"
	CodePreconditionFailed = "PreconditionFailed"
	CodeUnprocessable      = "UnprocessableEntity"
	CodeInternal           = "InternalError"
	// CodeUnavailable: the store cannot be reached (503, with Retry-After); nothing was changed.
	CodeUnavailable = "ServiceUnavailable"
)

// Error is a control-plane failure that a caller can act on. The admin API renders it as JSON with
// Status as the HTTP status.
type Error struct {
	Status  int
	Code    string
	Field   string
	Message string
	// cause, when set, is the failure behind an internal error.
	cause error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the failure behind an internal error, or nil.
func (e *Error) Unwrap() error { return e.cause }

func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

func badRequest(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

// unprocessable reports a well-formed body that refers to something that does not exist.
func unprocessable(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeUnprocessable, Field: field, Message: fmt.Sprintf(format, args...)}
}

// invalid turns a model validation error into a 400 naming the field.
func invalid(err error) error {
	var fe *model.FieldError
	if errors.As(err, &fe) {
		return badRequest(fe.Field, "%s %s", fe.Field, fe.Message)
	}
	return err
}

// storeErr translates the store's conditional-write errors for the object described by what.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrVersionMismatch):
		return &Error{Status: http.StatusPreconditionFailed, Code: CodePreconditionFailed,
			Message: what + " was changed by someone else (version mismatch); read it again and retry"}
	case errors.Is(err, store.ErrExists):
		return conflict("%s already exists", what)
	case errors.Is(err, store.ErrNotFound):
		return notFound("%s not found", what)
	}
	return err
}

// IsNotFound reports whether err is a control-plane 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}
