// Package accesslog writes the access logs of stages with access_log_settings: one line per request in
// the stage's format of API Gateway $context variables, to a file, stdout or syslog.
//
// A format is parsed once (model.ParseAccessLogFormat, which the admin API and the provider also use)
// and compiled into a list of parts, so that rendering a line is a loop of appends into a pooled
// buffer. Lines go to a Sink: a bounded queue and one writer goroutine per destination, so a request
// never waits for a disk or a syslog daemon; a full queue drops the line and counts it.
package accesslog

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Entry is what one line may show: the request's $context (filled by the pipeline for templates and
// authorizers) and how the request ended.
type Entry struct {
	Ctx *apigw.Context
	// Status is the answer's status; ResponseLength the bytes of its body.
	Status, ResponseLength int
	ResponseLatency        time.Duration
	// IntegrationLatency is negative when no backend was called.
	IntegrationLatency time.Duration
	// IntegrationStatus is the status the backend answered (for AWS_PROXY the Invoke API's);
	// FunctionStatus is an AWS_PROXY function's statusCode. 0 when unknown.
	IntegrationStatus, FunctionStatus int
	// IntegrationError is why the backend call failed; empty when it did not.
	IntegrationError string
	// HasError is set for answers the gateway made itself, with ErrorMessage (empty renders
	// messageString as null), ErrorType (the gateway response type) and ValidationError.
	HasError                                 bool
	ErrorMessage, ErrorType, ValidationError string
	Canary                                   bool
}

type varID uint8

const (
	vLiteral varID = iota
	vDash
	vAccountID
	vAPIID
	vPrincipalID
	vClaim
	vAuthorizerKey
	vDeploymentID
	vDomainName
	vDomainPrefix
	vErrorMessage
	vErrorMessageString
	vErrorResponseType
	vValidationError
	vExtendedRequestID
	vHTTPMethod
	vAccessKey
	vIdentityAccountID
	vAPIKey
	vAPIKeyID
	vCaller
	vUser
	vUserArn
	vSourceIP
	vUserAgent
	vIntegrationError
	vIntegrationStatus
	vIntegrationLatency
	vFunctionStatus
	vIsCanary
	vPath
	vProtocol
	vRequestID
	vRequestTime
	vRequestTimeEpoch
	vResourceID
	vResourcePath
	vResponseLatency
	vResponseLength
	vStage
	vStatus
)

var varIDs = map[string]varID{
	"accountId":                     vAccountID,
	"apiId":                         vAPIID,
	"authorizer.principalId":        vPrincipalID,
	"deploymentId":                  vDeploymentID,
	"domainName":                    vDomainName,
	"domainPrefix":                  vDomainPrefix,
	"error.message":                 vErrorMessage,
	"error.messageString":           vErrorMessageString,
	"error.responseType":            vErrorResponseType,
	"error.validationErrorString":   vValidationError,
	"extendedRequestId":             vExtendedRequestID,
	"httpMethod":                    vHTTPMethod,
	"identity.accessKey":            vAccessKey,
	"identity.accountId":            vIdentityAccountID,
	"identity.apiKey":               vAPIKey,
	"identity.apiKeyId":             vAPIKeyID,
	"identity.caller":               vCaller,
	"identity.user":                 vUser,
	"identity.userArn":              vUserArn,
	"identity.sourceIp":             vSourceIP,
	"identity.userAgent":            vUserAgent,
	"integration.error":             vIntegrationError,
	"integrationErrorMessage":       vIntegrationError,
	"integration.integrationStatus": vIntegrationStatus,
	"integrationStatus":             vIntegrationStatus,
	"integration.latency":           vIntegrationLatency,
	"integrationLatency":            vIntegrationLatency,
	"integration.status":            vFunctionStatus,
	"isCanaryRequest":               vIsCanary,
	"path":                          vPath,
	"protocol":                      vProtocol,
	"requestId":                     vRequestID,
	"requestTime":                   vRequestTime,
	"requestTimeEpoch":              vRequestTimeEpoch,
	"resourceId":                    vResourceID,
	"resourcePath":                  vResourcePath,
	"responseLatency":               vResponseLatency,
	"responseLength":                vResponseLength,
	"stage":                         vStage,
	"status":                        vStatus,
}

func init() {
	// Every variable the model accepts renders something: a value, or "-" for features gatewayd lacks.
	for _, v := range model.AccessLogVariables {
		_, ok := varIDs[v.Name]
		switch {
		case v.Dash && !ok:
			varIDs[v.Name] = vDash
		case !v.Dash && !ok && !strings.HasPrefix(v.Name, "authorizer."):
			panic("accesslog: no value for $context." + v.Name)
		}
	}
}

// escaping is how values are written so that a line always parses in its format's syntax.
type escaping uint8

const (
	escText escaping = iota // " and \ backslash-escaped, control characters as \xHH (as Apache's CLF)
	escJSON                 // JSON string escapes
	escXML                  // XML entities
)

type part struct {
	id  varID
	lit string // the literal, or the authorizer key or claim name
}

// Format is a compiled access log format; it is immutable and safe for concurrent use.
type Format struct {
	src   string
	parts []part
	esc   escaping
	// now caches the current second's requestTime text, so that most lines copy it.
	now atomic.Pointer[clfTime]
}

type clfTime struct {
	sec  int64
	text string
}

// Compile parses and compiles an access log format.
func Compile(format string) (*Format, error) {
	parsed, err := model.ParseAccessLogFormat(format)
	if err != nil {
		return nil, err
	}
	f := &Format{src: format, parts: make([]part, 0, len(parsed))}
	switch strings.TrimLeft(format, " \t")[0] {
	case '{', '[':
		f.esc = escJSON
	case '<':
		f.esc = escXML
	}
	for _, p := range parsed {
		if p.Variable == "" {
			f.parts = append(f.parts, part{id: vLiteral, lit: p.Literal})
			continue
		}
		if id, ok := varIDs[p.Variable]; ok {
			f.parts = append(f.parts, part{id: id})
			continue
		}
		if claim, ok := strings.CutPrefix(p.Variable, "authorizer.claims."); ok {
			f.parts = append(f.parts, part{id: vClaim, lit: claim})
			continue
		}
		if key, ok := strings.CutPrefix(p.Variable, "authorizer."); ok {
			f.parts = append(f.parts, part{id: vAuthorizerKey, lit: key})
			continue
		}
		return nil, fmt.Errorf("access log format: no value for $context.%s", p.Variable)
	}
	return f, nil
}

// String returns the format's source.
func (f *Format) String() string { return f.src }

// Append renders e's line (without a line break) at the end of dst.
func (f *Format) Append(dst []byte, e *Entry) []byte {
	c := e.Ctx
	for i := range f.parts {
		p := &f.parts[i]
		switch p.id {
		case vLiteral:
			dst = append(dst, p.lit...)
		case vDash:
			dst = append(dst, '-')
		case vAccountID:
			dst = f.str(dst, c.AccountID)
		case vAPIID:
			dst = f.str(dst, c.APIID)
		case vPrincipalID:
			if a := c.Authorizer; a != nil {
				dst = f.str(dst, a.PrincipalID)
			} else {
				dst = append(dst, '-')
			}
		case vClaim:
			if a := c.Authorizer; a != nil {
				dst = f.str(dst, a.Claims[p.lit])
			} else {
				dst = append(dst, '-')
			}
		case vAuthorizerKey:
			if a := c.Authorizer; a != nil {
				dst = f.str(dst, a.Context[p.lit])
			} else {
				dst = append(dst, '-')
			}
		case vDeploymentID:
			dst = f.str(dst, c.DeploymentID)
		case vDomainName:
			dst = f.str(dst, c.DomainName)
		case vDomainPrefix:
			dst = f.str(dst, c.DomainPrefix)
		case vErrorMessage:
			dst = f.str(dst, e.ErrorMessage)
		case vErrorMessageString:
			dst = f.messageString(dst, e)
		case vErrorResponseType:
			dst = f.str(dst, e.ErrorType)
		case vValidationError:
			dst = f.str(dst, e.ValidationError)
		case vExtendedRequestID:
			if c.ExtendedRequestID != "" {
				dst = f.str(dst, c.ExtendedRequestID)
			} else {
				dst = f.str(dst, c.RequestID)
			}
		case vHTTPMethod:
			dst = f.str(dst, c.HTTPMethod)
		case vAccessKey:
			dst = f.str(dst, c.Identity.AccessKey)
		case vIdentityAccountID:
			dst = f.str(dst, c.Identity.AccountID)
		case vAPIKey:
			dst = f.str(dst, c.Identity.APIKey)
		case vAPIKeyID:
			dst = f.str(dst, c.Identity.APIKeyID)
		case vCaller:
			dst = f.str(dst, c.Identity.Caller)
		case vUser:
			dst = f.str(dst, c.Identity.User)
		case vUserArn:
			dst = f.str(dst, c.Identity.UserArn)
		case vSourceIP:
			dst = f.str(dst, c.Identity.SourceIP)
		case vUserAgent:
			dst = f.str(dst, c.Identity.UserAgent)
		case vIntegrationError:
			dst = f.str(dst, e.IntegrationError)
		case vIntegrationStatus:
			dst = num(dst, int64(e.IntegrationStatus), e.IntegrationStatus > 0)
		case vIntegrationLatency:
			dst = num(dst, e.IntegrationLatency.Milliseconds(), e.IntegrationLatency >= 0)
		case vFunctionStatus:
			if e.FunctionStatus > 0 {
				dst = strconv.AppendInt(dst, int64(e.FunctionStatus), 10)
			} else {
				dst = num(dst, int64(e.IntegrationStatus), e.IntegrationStatus > 0)
			}
		case vIsCanary:
			dst = strconv.AppendBool(dst, e.Canary)
		case vPath:
			dst = f.str(dst, c.Path)
		case vProtocol:
			dst = f.str(dst, c.Protocol)
		case vRequestID:
			dst = f.str(dst, c.RequestID)
		case vRequestTime:
			dst = f.requestTime(dst, c.RequestTime)
		case vRequestTimeEpoch:
			dst = num(dst, c.RequestTime.UnixMilli(), !c.RequestTime.IsZero())
		case vResourceID:
			dst = f.str(dst, c.ResourceID)
		case vResourcePath:
			dst = f.str(dst, c.ResourcePath)
		case vResponseLatency:
			dst = strconv.AppendInt(dst, e.ResponseLatency.Milliseconds(), 10)
		case vResponseLength:
			dst = strconv.AppendInt(dst, int64(e.ResponseLength), 10)
		case vStage:
			dst = f.str(dst, c.Stage)
		case vStatus:
			dst = num(dst, int64(e.Status), e.Status > 0)
		}
	}
	return dst
}

func num(dst []byte, n int64, ok bool) []byte {
	if !ok {
		return append(dst, '-')
	}
	return strconv.AppendInt(dst, n, 10)
}

// requestTime appends t as CLF's dd/MMM/yyyy:HH:mm:ss +0000, in UTC as API Gateway writes it.
func (f *Format) requestTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, '-')
	}
	sec := t.Unix()
	if c := f.now.Load(); c != nil && c.sec == sec {
		return append(dst, c.text...)
	}
	c := &clfTime{sec: sec, text: t.UTC().Format("02/Jan/2006:15:04:05 -0700")}
	f.now.Store(c)
	return append(dst, c.text...)
}

// messageString is $context.error.messageString: the message as a JSON string ("null" for an answer
// without one); "-" when the gateway made no answer of its own.
func (f *Format) messageString(dst []byte, e *Entry) []byte {
	if !e.HasError {
		return append(dst, '-')
	}
	if e.ErrorMessage == "" {
		return append(dst, "null"...)
	}
	if f.esc == escJSON {
		dst = append(dst, '"')
		dst = appendJSON(dst, e.ErrorMessage)
		return append(dst, '"')
	}
	// In other formats the quotes are part of the value and escaped as such.
	dst = f.escape(dst, `"`)
	dst = f.escape(dst, e.ErrorMessage)
	return f.escape(dst, `"`)
}

// str appends s escaped for the format, or "-" when it is empty.
func (f *Format) str(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return f.escape(dst, s)
}

func (f *Format) escape(dst []byte, s string) []byte {
	switch f.esc {
	case escJSON:
		return appendJSON(dst, s)
	case escXML:
		return appendXML(dst, s)
	}
	return appendText(dst, s)
}

const hexDigits = "0123456789abcdef"

// special marks the bytes that need escaping in some format: control characters, quotes, backslash,
// XML's <, > and &, and every byte of a multi-byte (or invalid) UTF-8 sequence.
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x7f
	}
	return t
}()

// safe reports whether s needs no escaping in any format: the common case (ids, IPs, paths).
func safe(s string) bool {
	for i := 0; i < len(s); i++ {
		if special[s[i]] {
			return false
		}
	}
	return true
}

func appendJSON(dst []byte, s string) []byte {
	if safe(s) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		default:
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

func appendXML(dst []byte, s string) []byte {
	if safe(s) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			dst = append(dst, "&lt;"...)
		case c == '>':
			dst = append(dst, "&gt;"...)
		case c == '&':
			dst = append(dst, "&amp;"...)
		case c == '"':
			dst = append(dst, "&quot;"...)
		case c == '\t' || c == '\n' || c == '\r':
			dst = append(dst, '&', '#', '0'+c/10, '0'+c%10, ';') // as references, so the line stays one line
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '?') // XML 1.0 cannot carry these at all
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		default:
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

func appendText(dst []byte, s string) []byte {
	if safe(s) {
		return append(dst, s...)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
				n = 1
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		default:
			dst = append(dst, c) // <, > and & need no escaping in text
		}
		i++
	}
	return dst
}
