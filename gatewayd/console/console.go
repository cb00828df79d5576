// Package console serves gatewayd's web console on the admin listener, under /console/: the APIs and
// their resource trees, each stage with live charts fed by the data plane's in-memory counters, its
// deployment history with a rollback button, and the audit log.
//
// The console is read-mostly: the one change it makes is the one an operator makes in an incident, a
// rollback; everything else stays in Terraform. Pages are rendered on the server (html/template), so
// they read without JavaScript; a small embedded script draws the live chart.
//
// Signing in takes the admin token and gives a session cookie (random, HttpOnly, SameSite=Strict,
// Secure over TLS, scoped to /console, kept in memory with an absolute and an idle lifetime). Every
// state-changing request needs the session and its CSRF token, compared in constant time: without a
// session it is refused with 401, without the right token with 403. The admin API's bearer token
// stays required on /v1; the session cookie opens nothing there.
package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

//go:embed templates/*.html static/*
var files embed.FS

// Auditor stores and lists audit entries (the admin API's audit log).
type Auditor interface {
	AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error)
	ListAudit(ctx context.Context, after int64, limit int) ([]model.AuditEntry, error)
}

// Options configure the console.
type Options struct {
	// Token is the admin token; signing in takes it. It must not be empty.
	Token   string
	Service *control.Service
	Audit   Auditor
	// Live returns a stage's running totals from the data plane (dataplane.Server.LiveTotals).
	Live   func(apiID, stage string) (telemetry.LiveTotals, bool)
	Logger *slog.Logger
	// SessionTTL is a session's absolute lifetime (default 8h); SessionIdle ends a session unused for
	// that long (default 1h). MaxSessions caps the sessions kept (default 1024; the least recently
	// used goes first).
	SessionTTL, SessionIdle time.Duration
	MaxSessions             int
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Console is the console's HTTP handler. Close stops its sampler.
type Console struct {
	opts      Options
	tokenHash [32]byte
	mux       *http.ServeMux
	sessions  *sessions
	sampler   *sampler
	pages     map[string]*template.Template
	// signInFailures limits failed sign-ins (5 a second, bursts of 10) so that guessing the token is
	// slow even from many clients; successful sign-ins pass while it has tokens left.
	signInFailures *rate.Limiter
	stop           chan struct{}
	stopOnce       sync.Once
}

// New validates opts and returns the console, with its sampler running.
func New(opts Options) (*Console, error) {
	if opts.Token == "" {
		return nil, errors.New("console: a token is required")
	}
	if opts.Service == nil || opts.Audit == nil || opts.Live == nil {
		return nil, errors.New("console: Service, Audit and Live are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 8 * time.Hour
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = time.Hour
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 1024
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{
		opts:      opts,
		tokenHash: sha256.Sum256([]byte(opts.Token)),
		mux:       http.NewServeMux(),
		sessions: &sessions{byHash: map[[32]byte]*session{}, ttl: opts.SessionTTL, idle: opts.SessionIdle,
			max: opts.MaxSessions, now: opts.Now},
		sampler:        &sampler{totals: opts.Live, now: opts.Now, watched: map[[2]string]*series{}},
		pages:          pages,
		signInFailures: rate.NewLimiter(5, 10),
		stop:           make(chan struct{}),
	}
	c.routes()
	go c.sampler.run(c.stop)
	return c, nil
}

// Close stops the sampler.
func (c *Console) Close() { c.stopOnce.Do(func() { close(c.stop) }) }

func (c *Console) routes() {
	static, _ := fs.Sub(files, "static")
	c.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	c.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	c.mux.HandleFunc("GET /console/{$}", c.page(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, "/console/apis", http.StatusSeeOther)
	}))
	c.mux.HandleFunc("GET /console/signin", c.signInPage)
	c.mux.HandleFunc("POST /console/signin", c.signIn)
	c.mux.HandleFunc("POST /console/signout", c.action(c.signOut))
	c.mux.HandleFunc("GET /console/apis", c.page(c.apisPage))
	c.mux.HandleFunc("GET /console/apis/{api}", c.page(c.apiPage))
	c.mux.HandleFunc("GET /console/apis/{api}/stages/{stage}", c.page(c.stagePage))
	c.mux.HandleFunc("GET /console/apis/{api}/stages/{stage}/metrics", c.page(c.stageMetrics))
	c.mux.HandleFunc("POST /console/apis/{api}/stages/{stage}/rollback", c.action(c.rollback))
	c.mux.HandleFunc("GET /console/apis/{api}/diff", c.page(c.diffPage))
	c.mux.HandleFunc("GET /console/audit", c.page(c.auditPage))
	c.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusNotFound, "error", nil, errorView{Message: "There is no console page at " + r.URL.Path + "."})
	})
}

// ServeHTTP serves the console. The admin API hands it every /console path before its own token
// check.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer browsers send "Origin: null" on the console's
	// own form posts, which sameOrigin refuses.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodPost {
		// A form is small; a bigger body is refused before anything reads it in full.
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			c.render(w, r, http.StatusBadRequest, "error", nil, errorView{Message: "The form could not be read: " + err.Error()})
			return
		}
		if !sameOrigin(r) {
			c.refuse(w, r, http.StatusForbidden, "The request came from another site (its Origin header does not match this console).")
			return
		}
	}
	// The request is in: lift the read deadline the admin listener set for the body.
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	c.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a POST's Origin header, when it has one, names this console. Browsers
// send it on every cross-site POST; SameSite=Strict and the CSRF token already refuse those, this is
// one more wall.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, sess *session)

// page wraps a read: without a session it answers 401 with the sign-in form (JSON for the metrics).
func (c *Console) page(h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := c.sessions.get(r)
		if sess == nil {
			c.refuse(w, r, http.StatusUnauthorized, "")
			return
		}
		h(w, r, sess)
	}
}

// action wraps a change: it needs a session (else 401) and its CSRF token in the form field csrf or
// the X-CSRF-Token header (else 403).
func (c *Console) action(h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := c.sessions.get(r)
		if sess == nil {
			c.refuse(w, r, http.StatusUnauthorized, "")
			return
		}
		tok := r.PostFormValue("csrf")
		if tok == "" {
			tok = r.Header.Get("X-CSRF-Token")
		}
		if !validCSRF(sess, tok) {
			c.refuse(w, r, http.StatusForbidden, "The request carried no valid CSRF token; reload the page and try again.")
			return
		}
		h(w, r, sess)
	}
}

// refuse answers a refused request: JSON to a script (the metrics endpoint), else the sign-in form
// (401) or an error page (403).
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasSuffix(r.URL.Path, "/metrics") {
		if msg == "" {
			msg = "sign in to the console first"
		}
		writeJSON(w, status, map[string]string{"message": msg})
		return
	}
	if status == http.StatusUnauthorized {
		next := ""
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		c.render(w, r, status, "signin", nil, signInView{Next: next, Message: msg})
		return
	}
	c.render(w, r, status, "error", nil, errorView{Message: msg})
}

type signInView struct {
	Next, Message string
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if c.sessions.get(r) != nil {
		http.Redirect(w, r, "/console/apis", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "signin", nil, signInView{Next: r.URL.Query().Get("next")})
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	next := r.PostFormValue("next")
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "/console//") || strings.Contains(next, `\`) {
		next = "/console/apis"
	}
	if c.signInFailures.Tokens() < 1 {
		w.Header().Set("Retry-After", "1")
		c.render(w, r, http.StatusTooManyRequests, "signin", nil, signInView{Next: next, Message: "Too many failed sign-ins; wait a second and try again."})
		return
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(r.PostFormValue("token"))))
	if subtle.ConstantTimeCompare(sum[:], c.tokenHash[:]) != 1 {
		c.signInFailures.Allow()
		c.opts.Logger.Warn("console sign-in refused", "remote", r.RemoteAddr)
		c.render(w, r, http.StatusUnauthorized, "signin", nil, signInView{Next: next, Message: "That is not the admin token."})
		return
	}
	id, sess, err := c.sessions.create()
	if err != nil {
		c.render(w, r, http.StatusInternalServerError, "error", nil, errorView{Message: "Could not start a session: " + err.Error()})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/console", MaxAge: int(c.opts.SessionTTL.Seconds()),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	c.opts.Logger.Info("console session started", "session", sess.label, "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, sess *session) {
	c.sessions.remove(r)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/console", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	c.opts.Logger.Info("console session ended", "session", sess.label)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// actor names a session in the audit log.
func actor(sess *session) string { return "console-session:" + sess.label }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusOf maps a control-plane error to its HTTP status.
func statusOf(err error) int {
	var ce *control.Error
	if errors.As(err, &ce) {
		return ce.Status
	}
	return http.StatusInternalServerError
}

// messageOf is what a page says about err: the control plane's message, or a generic one (the
// details go to the log).
func (c *Console) messageOf(r *http.Request, err error) string {
	var ce *control.Error
	if errors.As(err, &ce) {
		return ce.Message
	}
	c.opts.Logger.Error("console call failed", "path", r.URL.Path, "err", err)
	return fmt.Sprintf("Internal error (%s); see gatewayd's log.", http.StatusText(http.StatusInternalServerError))
}
