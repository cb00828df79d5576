package dataplane

import (
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/cache"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/integration"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/router"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// step is one stage of the pipeline. A step answers early by returning an error (a *gwerror.Error for
// an answer of the gateway) or by setting ex.resp.
type step func(ctx context.Context, ex *exchange) error

// exchange carries one request through the pipeline.
type exchange struct {
	req message.Request
	// path is the escaped request path as the client sent it; logPath is its unescaped form, which the
	// access log shows.
	path, logPath string
	// rawPath is the path as the client sent it (what a SigV4 signature covers).
	rawPath string
	// body streams the request body when the front end has not buffered it into req.Body (net/http);
	// bodyLen is its Content-Length, -1 when unknown.
	body    io.Reader
	bodyLen int64
	// hw answers a net/http request; kept here so that passing it as a responder allocates nothing.
	hw httpResponder
	// fw answers a fasthttp request.
	fw    fastResponder
	stage *stage
	ep    *endpoint
	// paramNames and params are the captured path parameters (values still escaped).
	paramNames []string
	paramBuf   [8]string
	params     []string
	mctx       mapping.Context
	// caller is who presented an API key, for methods that require one.
	caller authorize.Caller
	levels [throttle.MaxLevels]throttle.Level
	resp   *message.Response
	// respBuf holds an answer from the cache, so that serving one allocates nothing.
	respBuf message.Response
	// cacheStatus and cacheInvalidation are the cache step's response headers, if any.
	cacheStatus, cacheInvalidation []string
	// keyBuf and keyParams build cache keys of methods with cache key parameters.
	keyBuf    [256]byte
	keyParams [4]cache.KeyParam
	// integration is the time spent in the backend call; negative when none was made.
	integration time.Duration
	// tls is set for requests over TLS, sni to the server name the client's handshake named, and
	// clientCert to the certificate a mutual TLS client presented.
	tls        bool
	sni        string
	clientCert *x509.Certificate
	// viaDomain is set when a domain name routed the request, not /{api_id}/{stage}.
	viaDomain bool
}

var exchanges = sync.Pool{New: func() any { return new(exchange) }}

// statusClientClosed is logged for requests whose client went away before the answer.
const statusClientClosed = 499

// responder writes the answer of an exchange to its client; each server kind has one.
type responder interface {
	// setHeader sets one of the gateway's own headers, which win over the answer's.
	setHeader(name string, values []string)
	// send writes status, the headers of h not set with setHeader, and body; it returns the bytes of body
	// written.
	send(status int, h http.Header, body []byte) int
}

// ServeHTTP runs the pipeline for one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := exchanges.Get().(*exchange)
	*ex = exchange{integration: -1}
	defer func() {
		*ex = exchange{} // drop references to bodies before pooling
		exchanges.Put(ex)
	}()

	ex.hw.w = w
	ex.path, ex.logPath = r.URL.EscapedPath(), r.URL.Path
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		ex.body, ex.bodyLen = r.Body, r.ContentLength
	}
	ex.req = message.Request{
		Method:   r.Method,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header,
		SourceIP: sourceIP(r.RemoteAddr),
		Scheme:   "http",
		Host:     r.Host,
		Protocol: r.Proto,
	}
	if r.TLS != nil {
		ex.req.Scheme = "https"
		ex.tls, ex.sni = true, r.TLS.ServerName
		if len(r.TLS.PeerCertificates) > 0 {
			ex.clientCert = r.TLS.PeerCertificates[0]
		}
	}
	if len(r.TransferEncoding) > 0 && r.ProtoMajor == 1 {
		// net/http drops a Content-Length sent beside Transfer-Encoding, so a CL.TE or TE.CL request
		// cannot be told from a plain chunked one here. RFC 9112 6.3 asks to close the connection after
		// such a request: whatever follows its body is never read as another request.
		w.Header()["Connection"] = []string{"close"}
	}
	s.serve(r.Context(), ex, &ex.hw)
}

// serve runs the pipeline for a request a front end has read into ex, and answers through rw. ctx is
// cancelled when the client goes away.
func (s *Server) serve(ctx context.Context, ex *exchange, rw responder) {
	id := newRequestID()
	ex.req.ID = id[0]
	ex.req.Received = time.Now()
	rw.setHeader(integration.RequestIDHeader, id)
	if ex.tls && s.hsts != nil {
		rw.setHeader("Strict-Transport-Security", s.hsts)
	}

	err := s.runSteps(ctx, ex)

	if ex.cacheStatus != nil {
		rw.setHeader(CacheHeader, ex.cacheStatus)
		if ex.cacheInvalidation != nil {
			rw.setHeader(CacheInvalidationHeader, ex.cacheInvalidation)
		}
	}
	status, n := 0, 0
	switch {
	case err == nil && ex.resp != nil:
		status, n = s.writeResponse(rw, ex)
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		status = statusClientClosed // nobody to answer
	default:
		if err == nil {
			err = gwerror.Internal(errors.New("pipeline ended without an answer"))
		}
		status, n = writeError(rw, ex, err)
	}
	s.observe(ctx, ex, status, n, err)
}

// runSteps runs the pipeline's steps until one answers. A step that panics (a bug) answers 500 for
// this request alone and is logged with its stack: neither server recovers for us (fasthttp does not
// recover at all), and one bad request must never take the daemon down.
func (s *Server) runSteps(ctx context.Context, ex *exchange) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logger.Error("data plane step panicked", "request_id", ex.req.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			ex.resp = nil
			err = gwerror.Internal(fmt.Errorf("panic: %v", r))
		}
	}()
	for _, st := range s.pipeline {
		if err = st(ctx, ex); err != nil || ex.resp != nil {
			return err
		}
	}
	return nil
}

func (s *Server) observe(ctx context.Context, ex *exchange, status, n int, err error) {
	latency := time.Since(ex.req.Received)
	e := telemetry.Entry{
		RequestID:   ex.req.ID,
		SourceIP:    ex.req.SourceIP,
		Method:      ex.req.Method,
		Path:        ex.logPath,
		Protocol:    ex.req.Protocol,
		Status:      status,
		Bytes:       n,
		Received:    ex.req.Received,
		Latency:     latency,
		Integration: ex.integration,
	}
	ge := gatewayError(err)
	if ge != nil {
		e.Err = ge.Err
	} else {
		e.Err = err
	}
	if a := ex.caller.Authorizer; a != nil {
		e.Principal = a.PrincipalID
		if e.Principal == "" {
			e.Principal = a.Claims["sub"]
		}
	}
	if e.Principal == "" {
		e.Principal = ex.mctx.Identity.UserArn
	}
	route := s.unmatched
	if ex.stage != nil {
		e.API, e.Stage = ex.stage.apiID, ex.stage.name
		e.DeploymentID, e.Canary = ex.stage.deploymentID, ex.stage.isCanary
		route = ex.stage.unmatched
		ex.stage.live.Observe(status, latency)
	}
	if ex.ep != nil {
		e.ResourcePath = ex.ep.resourcePath
		route = ex.ep.metrics
	}
	route.Observe(status, latency, ex.integration)
	s.accessLog.Log(ctx, &e)
	if ex.stage != nil && ex.stage.accessLog != nil {
		s.logAccess(ex, ex.stage.accessLog, status, n, latency, ge)
	}
	if ex.ep != nil && ex.ep.execLog != nil {
		s.logExecution(ex, ex.ep.execLog, status, latency, ge)
	}
}

// gatewayError returns the *gwerror.Error in err's chain, if any. The target of errors.As escapes to the
// heap: apart, it costs an allocation only when there is an error.
func gatewayError(err error) *gwerror.Error {
	if err == nil {
		return nil
	}
	var ge *gwerror.Error
	if errors.As(err, &ge) {
		return ge
	}
	return nil
}

// match normalizes the path (router.Normalize), finds the stage from the /{api_id}/{stage_name} prefix,
// picks the stage's deployment or its canary's (canary.go), then the method in its table. Everything after this step, the backend included, sees the normalized
// path only.
func (s *Server) match(_ context.Context, ex *exchange) error {
	p, err := router.Normalize(ex.path)
	if err != nil {
		return gwerror.BadRequest("Invalid request path", fmt.Errorf("request path %q: %w", ex.path, err))
	}
	ex.rawPath, ex.path = ex.path, p
	apiID, stageName, rest, err := s.route(ex, p) // domains.go
	if err != nil || ex.resp != nil {
		return err
	}
	st := (*s.apis.Load())[apiID][stageName]
	if st == nil {
		return gwerror.MissingAuthenticationToken()
	}
	if st.executeAPIDisabled && !ex.viaDomain {
		return gwerror.Forbidden(fmt.Errorf("rest api %s disables its execute-api endpoint: reach it through a domain name", apiID))
	}
	st = s.pick(st, &ex.req)
	ex.stage = st
	if st.failed != nil {
		return gwerror.Internal(st.failed)
	}
	ex.req.Path = rest // "" or "/..."
	if ex.req.Path == "" {
		ex.req.Path = "/"
	}
	route, params := st.table.Lookup(ex.req.Method, ex.req.Path, ex.paramBuf[:0])
	if route == nil {
		return gwerror.MissingAuthenticationToken()
	}
	ex.ep, ex.paramNames, ex.params = route.Value, route.ParamNames, params
	return nil
}

// authorize decides the request with the method's compiled authorization (authorize.Policy): the API's
// resource policy, the method's authorizer or IAM, its API key. Who the caller is goes into the
// request's $context, which templates, parameter mappings, functions and the access log read.
func (s *Server) authorize(ctx context.Context, ex *exchange) error {
	ep := ex.ep
	ex.baseContext()
	if ep.policy.NeedsBody() {
		// A SigV4 signature covers the body.
		if err := s.readBody(ctx, ex); err != nil {
			return err
		}
	}
	in := authorize.Input{
		Req: &ex.req, Keys: s.keys.Load(), ResourceID: ep.resourceID, ResourcePath: ep.resourcePath, Path: ex.req.Path,
		ParamNames: ex.paramNames, ParamValues: ex.params, StageVars: ex.stage.vars, Context: &ex.mctx,
		RawPath: ex.rawPath, IAM: s.iam.Load(),
	}
	c, err := ep.policy.Authorize(ctx, &in)
	ex.caller = c
	if err != nil {
		return err
	}
	ex.mctx.Authorizer = c.Authorizer
	if k := c.Key; k != nil {
		ex.mctx.Identity.APIKey, ex.mctx.Identity.APIKeyID = c.KeyValue, k.ID
	}
	if u := c.IAM; u != nil {
		id := &ex.mctx.Identity
		id.User, id.Caller, id.UserArn, id.AccessKey, id.AccountID = u.User, u.User, u.UserARN, u.AccessKey, model.AccountID
	}
	return nil
}

// baseContext fills the request's $context with what is known before authorization.
func (ex *exchange) baseContext() {
	ex.mctx = mapping.Context{Context: apigw.Context{
		RequestID:         ex.req.ID,
		ExtendedRequestID: ex.req.ID,
		AccountID:         model.AccountID,
		HTTPMethod:        ex.req.Method,
		Protocol:          ex.req.Protocol,
		DomainName:        ex.req.Host,
		DomainPrefix:      domainPrefix(ex.req.Host),
		RequestTime:       ex.req.Received,
		Identity: apigw.Identity{
			SourceIP:  ex.req.SourceIP,
			UserAgent: firstHeader(ex.req.Header, "User-Agent"),
		},
	}}
	if ex.clientCert != nil {
		ex.mctx.Identity.ClientCert = clientCertOf(ex.clientCert) // domains.go
	}
	if st := ex.stage; st != nil {
		ex.mctx.APIID, ex.mctx.DeploymentID, ex.mctx.Stage = st.apiID, st.deploymentID, st.name
		ex.mctx.Path = contextPath(ex.path, st.name, ex.req.Path)
	}
	if ep := ex.ep; ep != nil {
		ex.mctx.ResourceID, ex.mctx.ResourcePath = ep.resourceID, ep.resourcePath
	}
}

// contextPath returns "/" + stage + path. The request's path (/{api}/{stage}/{path}) usually ends
// with it: then it is that tail, with no allocation.
func contextPath(full, stage, path string) string {
	if n := 1 + len(stage) + len(path); len(full) >= n {
		tail := full[len(full)-n:]
		if tail[0] == '/' && tail[1:1+len(stage)] == stage && tail[1+len(stage):] == path {
			return tail
		}
	}
	return "/" + stage + path
}

// readBody buffers the request body, refusing bodies over the limit.
func (s *Server) readBody(_ context.Context, ex *exchange) error {
	max := s.opts.MaxBodyBytes
	if ex.body == nil {
		if int64(len(ex.req.Body)) > max {
			return gwerror.TooLarge()
		}
		return nil
	}
	if ex.bodyLen > max {
		return gwerror.TooLarge()
	}
	var body []byte
	var err error
	if ex.bodyLen > 0 {
		body = make([]byte, ex.bodyLen)
		_, err = io.ReadFull(ex.body, body)
	} else {
		body, err = io.ReadAll(io.LimitReader(ex.body, max+1))
		if err == nil && int64(len(body)) > max {
			return gwerror.TooLarge()
		}
	}
	if err != nil {
		// A read timeout also cancels the request's context, while the client may still be listening:
		// answer anyway.
		return gwerror.BadRequest("Invalid request body", fmt.Errorf("reading request body: %w", err))
	}
	ex.req.Body, ex.body = body, nil
	return nil
}

// validate runs the method's request validator, if it has one.
func (s *Server) validate(_ context.Context, ex *exchange) error {
	if v := ex.ep.validator; v != nil {
		return v.Check(&ex.req, mapping.MediaType(ex.req.Header.Get("Content-Type")))
	}
	return nil
}

// integrate calls the method's integration.
func (s *Server) integrate(ctx context.Context, ex *exchange) error {
	ep := ex.ep
	if ep.misconfigured != nil {
		return gwerror.Internal(ep.misconfigured)
	}
	in := mapping.Input{
		Request:     &ex.req,
		ParamNames:  ex.paramNames,
		ParamValues: ex.params,
		Context:     &ex.mctx,
	}
	var start time.Time
	if ep.integration.CallsBackend() {
		start = time.Now()
	}
	resp, err := ep.integration.Invoke(ctx, &in)
	if !start.IsZero() {
		ex.integration = time.Since(start)
	}
	if err != nil {
		return err
	}
	ex.resp = resp
	return nil
}

func (s *Server) writeResponse(rw responder, ex *exchange) (int, int) {
	resp := ex.resp
	status := resp.Status
	if status < 100 || status > 999 {
		status = http.StatusBadGateway
	}
	h, dropped := clientHeaders(resp.Header)
	if dropped != nil {
		s.metrics.InvalidHeaders(len(dropped))
		s.invalidHeaderLog.Do(func() {
			s.opts.Logger.Warn("dropped invalid response headers (name not a token, control characters in a value, or a connection header)",
				"request_id", ex.req.ID, "api", ex.stage.apiID, "stage", ex.stage.name, "resource", ex.ep.resourcePath,
				"method", ex.ep.verb, "headers", dropped)
		})
	}
	body := resp.Body
	if ex.stage != nil && ex.stage.compress {
		h, body = compressAnswer(ex.stage.minCompression, firstHeader(ex.req.Header, "Accept-Encoding"), h, body)
	}
	return status, rw.send(status, h, body)
}

var jsonContentType = []string{"application/json"}

// httpResponder answers through net/http.
type httpResponder struct{ w http.ResponseWriter }

func (r *httpResponder) setHeader(name string, values []string) { r.w.Header()[name] = values }

func (r *httpResponder) send(status int, h http.Header, body []byte) int {
	out := r.w.Header()
	for k, vv := range h {
		if _, ok := out[k]; ok {
			continue // the gateway's own headers (request id, cache status) win
		}
		out[k] = vv
	}
	out["Content-Length"] = []string{strconv.Itoa(len(body))}
	r.w.WriteHeader(status)
	n, _ := r.w.Write(body)
	return n
}

func firstHeader(h http.Header, key string) string {
	if vv := h[key]; len(vv) > 0 {
		return vv[0]
	}
	return ""
}

// domainPrefix is the first label of a host name, as API Gateway's $context.domainPrefix.
func domainPrefix(host string) string {
	if strings.IndexByte(host, ':') >= 0 {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	if i := strings.IndexByte(host, '.'); i >= 0 && net.ParseIP(host) == nil {
		return host[:i]
	}
	return host
}

func sourceIP(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// requestID holds a request id and the header value that carries it: one allocation for both.
type requestID struct {
	value [1]string
	text  [36]byte
}

// newRequestID returns a random UUID (version 4), as a header value.
//
// The bits come from math/rand/v2's top-level functions: the runtime's per-thread ChaCha8 generator,
// seeded from the system's randomness at start-up and never seedable by the program, so its output
// cannot be predicted without that seed. A request id is a name for a request, not a secret
// (answers, logs and backends see it); crypto/rand, which reads the kernel's generator on every
// call, bought nothing more here.
func newRequestID() []string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	id := new(requestID)
	out := &id.text
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexd[c>>4], hexd[c&0xf]
		j += 2
	}
	// The text is never written again.
	id.value[0] = unsafe.String(&out[0], len(out))
	return id.value[:]
}
