// Package admin serves gatewayd's admin API: JSON over HTTP under /v1, a bearer token on every route,
// one error renderer, conditional writes with ETag/If-Match, an audit log of every changing call, and
// /healthz, /readyz and /metrics.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Auditor stores and lists audit entries.
type Auditor interface {
	AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error)
	ListAudit(ctx context.Context, after int64, limit int) ([]model.AuditEntry, error)
}

// Options configure the admin API.
type Options struct {
	// Token is the bearer token every /v1 call must present. It must not be empty.
	Token   string
	Service *control.Service
	Audit   Auditor
	Logger  *slog.Logger
	// Metrics serves /metrics; nil serves 404.
	Metrics http.Handler
	// Ready reports whether the daemon can serve; nil means always ready.
	Ready func(ctx context.Context) error
	// Console, when set, serves /console and the paths under it (gatewayd/console): it signs in with
	// the token itself and keeps sessions with CSRF tokens. /v1 keeps needing the bearer token.
	Console http.Handler
	// MaxBodyBytes caps request bodies: a declared Content-Length above it gets 413 before anything is
	// read, a longer chunked body gets 413 when it passes the cap. Default 1 MiB.
	MaxBodyBytes int64
	// MaxInFlight caps concurrent /v1 calls; more get 429 with Retry-After. Writes may hold at most
	// three quarters of the slots, so that reads always find some (see acquire). Default 64.
	MaxInFlight int
	// BodyReadTimeout is how long a client has to send the rest of a request once its headers are in:
	// a body that has not arrived in full by then gets 408. The body is read before the call takes
	// an in-flight slot, so slow senders never hold one. Default 10s.
	BodyReadTimeout time.Duration
	// MaxHeaderBytes caps the request line and headers on the server that Server returns; more get
	// 431 (JSON, through Listener). Default 64 KiB.
	MaxHeaderBytes int
	// Registerer receives the admin API's metrics (gatewayd_admin_unauthorized_total); nil registers
	// them nowhere.
	Registerer prometheus.Registerer
	// BeforeUsageReport, when set, runs before a usage report reads the store, so that the daemon can
	// flush the data plane's in-memory counters first. An error fails the report.
	BeforeUsageReport func(ctx context.Context) error
	// FlushStageCache empties a stage's response cache (DELETE .../stages/{stage}/cache); nil answers
	// 501. The stage must exist: the admin API checks that first.
	FlushStageCache func(apiID, stage string)
}

// API is the admin API's HTTP handler.
type API struct {
	opts      Options
	tokenHash [32]byte
	mux       *http.ServeMux
	// slots holds a token per call in flight; writeSlots one per write in flight (see acquire).
	slots, writeSlots chan struct{}
	unauthorized      *prometheus.CounterVec
	refusals          *refusalLog
}

// New validates opts and returns the handler.
func New(opts Options) (*API, error) {
	if opts.Token == "" {
		return nil, errors.New("admin: a token is required; there is no anonymous admin access")
	}
	if opts.Service == nil || opts.Audit == nil {
		return nil, errors.New("admin: Service and Audit are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 64
	}
	if opts.BodyReadTimeout <= 0 {
		opts.BodyReadTimeout = 10 * time.Second
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = 64 << 10
	}
	a := &API{opts: opts, tokenHash: sha256.Sum256([]byte(opts.Token)), mux: http.NewServeMux(),
		slots:      make(chan struct{}, opts.MaxInFlight),
		writeSlots: make(chan struct{}, opts.MaxInFlight-opts.MaxInFlight/4),
		unauthorized: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatewayd_admin_unauthorized_total",
			Help: "Admin API calls refused with 401, by reason: missing (no Authorization header) or invalid (any other).",
		}, []string{"reason"}),
		refusals: newRefusalLog(opts.Logger),
	}
	for _, reason := range []string{reasonMissing, reasonInvalid} {
		a.unauthorized.WithLabelValues(reason) // export both series from the start, at 0
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(a.unauthorized); err != nil {
			return nil, fmt.Errorf("admin: registering metrics: %w", err)
		}
	}
	a.routes()
	return a, nil
}

// apiError is what every failed call renders.
type apiError struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
}

// result is what a handler returns on success.
type result struct {
	status int
	body   any
	// objectID names the object the call changed, for the audit log.
	objectID string
}

type handler func(r *http.Request) (result, error)

// route serves one path with a handler per method; other methods get 405 with Allow.
func (a *API) route(pattern string, methods map[string]handler) {
	allow := make([]string, 0, len(methods))
	for m := range methods {
		allow = append(allow, m)
	}
	sort.Strings(allow)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			a.writeJSON(w, http.StatusMethodNotAllowed, apiError{Code: "MethodNotAllowed",
				Message: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))})
			return
		}
		a.serve(w, r, h)
	})
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, h handler) {
	res, err := h(r)
	status := res.status
	if err != nil {
		status = a.writeError(w, r, err)
	} else {
		if v := versionOf(res.body); v > 0 {
			w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(v, 10)))
		}
		if status == 0 {
			status = http.StatusOK
		}
		switch b := res.body.(type) {
		case nil:
			w.WriteHeader(status)
		case rawBody:
			b.write(w, status)
		default:
			a.writeJSON(w, status, res.body)
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.audit(r, status, err, res.objectID)
	}
}

func (a *API) audit(r *http.Request, status int, err error, objectID string) {
	outcome := "ok"
	if err != nil {
		outcome = err.Error()
	}
	e := model.AuditEntry{Time: time.Now().UTC(), Actor: "admin-token", Remote: r.RemoteAddr, Method: r.Method,
		Path: r.URL.RequestURI(), Status: status, Result: outcome, ObjectID: objectID}
	// The audit write must not be lost with the request: use a context the client cannot cancel.
	if _, aerr := a.opts.Audit.AppendAudit(context.WithoutCancel(r.Context()), e); aerr != nil {
		a.opts.Logger.Error("writing audit entry", "err", aerr, "method", e.Method, "path", e.Path)
	}
}

func (a *API) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	if err := enc.Encode(v); err != nil {
		a.opts.Logger.Debug("writing admin response", "err", err)
	}
}

// writeError is the one error renderer. It returns the status it wrote.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) int {
	var ce *control.Error
	var maxErr *http.MaxBytesError
	body := apiError{Code: control.CodeInternal, Message: "internal error"}
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &ce):
		status, body = ce.Status, apiError{Code: ce.Code, Message: ce.Message, Field: ce.Field}
	case errors.As(err, &maxErr):
		status, body = http.StatusRequestEntityTooLarge, apiError{Code: "PayloadTooLarge",
			Message: fmt.Sprintf("request body is larger than %d bytes", maxErr.Limit)}
	case errors.Is(err, context.Canceled):
		status, body = 499, apiError{Code: "ClientClosedRequest", Message: "client closed the request"}
	default:
		a.opts.Logger.Error("admin call failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	a.writeJSON(w, status, body)
	return status
}

// ServeHTTP checks the path, authenticates, reads the body, sheds load and dispatches. Every answer
// is JSON, errors as {"message","code"}, except /metrics (Prometheus text) and 204s. Calls refused
// before dispatch (400 for the path, 401, 408, 413, 429) change nothing and are not audited.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The rest of the request, its body, must arrive within BodyReadTimeout.
	_ = rc.SetReadDeadline(time.Now().Add(a.opts.BodyReadTimeout))
	if problem := pathProblem(r); problem != "" {
		a.answerUnread(w, r, http.StatusBadRequest, apiError{Code: control.CodeBadRequest, Message: problem})
		return
	}
	switch r.URL.Path {
	case "/healthz":
		a.answerUnread(w, r, http.StatusOK, map[string]string{"status": "ok"})
		return
	case "/readyz":
		if a.opts.Ready != nil {
			if err := a.opts.Ready(r.Context()); err != nil {
				a.answerUnread(w, r, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
				return
			}
		}
		a.answerUnread(w, r, http.StatusOK, map[string]string{"status": "ready"})
		return
	}
	if a.serveConsole(w, r) {
		return
	}
	if !a.authorized(r) {
		reason, msg := reasonMissing, "missing Authorization: Bearer <token> header"
		if r.Header.Get("Authorization") != "" {
			reason, msg = reasonInvalid, "invalid admin token"
		}
		a.unauthorized.WithLabelValues(reason).Inc()
		a.refusals.log(r, reason)
		w.Header().Set("WWW-Authenticate", `Bearer realm="gatewayd"`)
		a.answerUnread(w, r, http.StatusUnauthorized, apiError{Code: "Unauthorized", Message: msg})
		return
	}
	if max := a.maxBody(r); r.ContentLength > max {
		a.answerUnread(w, r, http.StatusRequestEntityTooLarge, apiError{Code: "PayloadTooLarge",
			Message: fmt.Sprintf("request body is larger than %d bytes (Content-Length %d)", max, r.ContentLength)})
		return
	}
	if status, body := a.readBody(w, r); status != 0 {
		a.answerUnread(w, r, status, body)
		return
	}
	// The request is in: lift the deadline, as net/http now watches the connection for a client that
	// goes away, and a deadline passing would cancel the call.
	_ = rc.SetReadDeadline(time.Time{})
	if r.URL.Path == "/metrics" {
		if a.opts.Metrics == nil {
			a.writeJSON(w, http.StatusNotFound, apiError{Code: control.CodeNotFound, Message: "this gatewayd serves no metrics"})
			return
		}
		a.opts.Metrics.ServeHTTP(w, r)
		return
	}
	release, ok := a.acquire(r)
	if !ok {
		w.Header().Set("Retry-After", "1")
		a.writeJSON(w, http.StatusTooManyRequests, apiError{Code: "TooManyRequests", Message: "the admin API is busy; retry after 1 second"})
		return
	}
	defer release()
	a.mux.ServeHTTP(w, r)
}

func (a *API) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	// Comparing fixed-length digests keeps the comparison constant-time regardless of token length.
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(sum[:], a.tokenHash[:]) == 1
}

// decode reads one JSON object into v, rejecting unknown fields, trailing data and wrong types with a
// 400 that names the field.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &control.Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Message: fmt.Sprintf("Content-Type must be application/json, got %q", ct)}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Message: "request body must hold exactly one JSON object"}
	}
	return nil
}

func decodeErr(err error) error {
	var maxErr *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	bad := func(field, msg string) error {
		return &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: field, Message: msg}
	}
	switch {
	case errors.As(err, &maxErr):
		return err
	case errors.Is(err, io.EOF):
		return bad("", "request body is empty; a JSON object is required")
	case errors.As(err, &syn):
		return bad("", fmt.Sprintf("request body is not valid JSON (at byte %d): %v", syn.Offset, err))
	case errors.As(err, &typ):
		return bad(typ.Field, fmt.Sprintf("field %s must be %s, got JSON %s", typ.Field, typ.Type, typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return bad(name, fmt.Sprintf("unknown field %q", name))
	}
	return bad("", "invalid request body: "+err.Error())
}

// precondition parses If-Match and If-None-Match.
func precondition(r *http.Request) (control.Precondition, error) {
	var p control.Precondition
	if v := r.Header.Get("If-None-Match"); v != "" {
		if strings.TrimSpace(v) != "*" {
			return p, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: "If-None-Match",
				Message: `If-None-Match supports only "*" (create only)`}
		}
		p.IfNoneMatch = true
	}
	if v := r.Header.Get("If-Match"); v != "" {
		s := strings.Trim(strings.TrimPrefix(strings.TrimSpace(v), "W/"), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return p, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: "If-Match",
				Message: fmt.Sprintf("If-Match must be an object version such as \"3\", got %q", v)}
		}
		p.IfMatch = n
	}
	return p, nil
}

// versionOf returns the version an object carries, for the ETag header.
func versionOf(v any) int64 {
	switch o := v.(type) {
	case model.RestAPI:
		return o.Version
	case model.Resource:
		return o.Version
	case model.Method:
		return o.Version
	case model.Integration:
		return o.Version
	case model.MethodResponse:
		return o.Version
	case model.IntegrationResponse:
		return o.Version
	case model.Deployment:
		return o.Version
	case model.Stage:
		return o.Version
	case model.APIKey:
		return o.Version
	case model.UsagePlan:
		return o.Version
	case model.UsagePlanKey:
		return o.Version
	case model.MethodSettings:
		return o.Version
	case model.Model:
		return o.Version
	case model.RequestValidator:
		return o.Version
	}
	return 0
}
