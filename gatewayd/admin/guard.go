package admin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
)

// This file holds what ServeHTTP does before a call reaches its route: the path check, reading the
// body, the in-flight slots, and the log of refused tokens.

// pathProblem says why the admin API refuses r's path, or "" when it is fine. A path must start with
// "/" and hold no ".", ".." or empty ("//") segment, even percent-encoded, and no encoded "/": no
// object's ID contains one, and http.ServeMux would answer such a path with a redirect to its cleaned
// form, which is neither JSON nor what the client asked for. A trailing "/" is left to the routes.
func pathProblem(r *http.Request) string {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("request path %q must start with /", r.RequestURI)
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		switch {
		case err != nil:
			return fmt.Sprintf("request path %q has an invalid percent-encoding in segment %q", p, seg)
		case seg == "" && i < len(segs)-1:
			return fmt.Sprintf(`request path %q has an empty segment ("//"); send it without`, p)
		case dec == "." || dec == "..":
			how := ""
			if seg != dec {
				how = fmt.Sprintf(" (encoded as %q)", seg)
			}
			return fmt.Sprintf("request path %q has a %q segment%s; send the path without dot segments", p, dec, how)
		case strings.Contains(dec, "/"):
			return fmt.Sprintf("request path %q has an encoded slash (%%2F) in segment %q", p, seg)
		}
	}
	return ""
}

// readBody reads r's whole body, at most MaxBodyBytes of it, and replaces r.Body with what it read,
// before the call takes an in-flight slot: a slow sender then holds a goroutine and a connection until
// BodyReadTimeout, never a slot. On failure it returns the status and error to answer.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) (int, apiError) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return 0, apiError{}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody(r)))
	var maxErr *http.MaxBytesError
	var netErr net.Error
	switch {
	case err == nil && !utf8.Valid(b):
		// encoding/json would replace the invalid bytes with U+FFFD and store something else than sent.
		return http.StatusBadRequest, apiError{Code: control.CodeBadRequest, Message: "request body is not valid UTF-8 (JSON must be)"}
	case err == nil:
		r.Body = io.NopCloser(bytes.NewReader(b))
		return 0, apiError{}
	case errors.As(err, &maxErr):
		return http.StatusRequestEntityTooLarge, apiError{Code: "PayloadTooLarge",
			Message: fmt.Sprintf("request body is larger than %d bytes", maxErr.Limit)}
	case errors.As(err, &netErr) && netErr.Timeout():
		return http.StatusRequestTimeout, apiError{Code: "RequestTimeout",
			Message: fmt.Sprintf("the request body did not arrive within %v (%d bytes read)", a.opts.BodyReadTimeout, len(b))}
	}
	return http.StatusBadRequest, apiError{Code: control.CodeBadRequest,
		Message: fmt.Sprintf("reading the request body (%d bytes read): %v", len(b), err)}
}

// answerUnread answers a call whose body has not been read, or not in full: a refusal before the
// route, or a health check. When a body may still be on the wire, the connection is closed after the
// answer; draining it instead would hold the answer back until the body arrives or times out.
func (a *API) answerUnread(w http.ResponseWriter, r *http.Request, status int, body any) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	a.writeJSON(w, status, body)
}

// acquire takes an in-flight slot for r, or reports that there is none. Reads (GET, HEAD) and writes
// share MaxInFlight slots, but writes may hold at most MaxInFlight - MaxInFlight/4 of them: however
// many writes are slow (a long transaction, a busy store), a quarter of the slots stays free for
// reads, so terraform plan and refresh, the provider's reads after a write, and operators keep an
// answer. Reads may take every slot: they are short and take no write lock. A write takes its write
// slot first, then a shared one; neither waits, so the two never deadlock.
func (a *API) acquire(r *http.Request) (release func(), ok bool) {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !read {
		select {
		case a.writeSlots <- struct{}{}:
		default:
			return nil, false
		}
	}
	select {
	case a.slots <- struct{}{}:
	default:
		if !read {
			<-a.writeSlots
		}
		return nil, false
	}
	return func() {
		<-a.slots
		if !read {
			<-a.writeSlots
		}
	}, true
}

// Reasons of gatewayd_admin_unauthorized_total.
const (
	reasonMissing = "missing"
	reasonInvalid = "invalid"
)

// refusalLog logs refused admin tokens at most once a second, with the number of refusals it left
// out since the line before: a probe of thousands of calls must not flood the log.
// gatewayd_admin_unauthorized_total counts every one.
type refusalLog struct {
	logger     *slog.Logger
	every      *rate.Limiter
	suppressed atomic.Int64
}

func newRefusalLog(logger *slog.Logger) *refusalLog {
	return &refusalLog{logger: logger, every: rate.NewLimiter(rate.Every(time.Second), 1)}
}

func (l *refusalLog) log(r *http.Request, reason string) {
	if !l.every.Allow() {
		l.suppressed.Add(1)
		return
	}
	l.logger.Warn("admin call refused", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr,
		"reason", reason, "suppressed", l.suppressed.Swap(0))
}
