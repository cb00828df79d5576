package dataplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
	"golang.org/x/net/http/httpguts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
)

// Server kinds, for Options.Server.
const (
	// ServerFastHTTP serves clients with valyala/fasthttp: no goroutine hand-off per request and no
	// buffers held by idle connections. The default.
	ServerFastHTTP = "fasthttp"
	// ServerNetHTTP serves clients with net/http.
	ServerNetHTTP = "net/http"
)

// maxConns caps the client connections a fasthttp server holds open; more are answered 503 and closed.
const maxConns = 100_000

// watchDelay is how long a request runs before the fasthttp front end starts watching its connection
// for the client going away (up to watchTick more: watchset.go). Shorter requests pay no goroutine and
// no timer for it.
const watchDelay = 100 * time.Millisecond

// fastFront serves the data plane with fasthttp.
//
// fasthttp reads a whole request, body included, before calling the handler, and does not watch the
// connection while the handler runs (its RequestCtx.Done only fires on shutdown). The front end
// therefore watches by itself, from about watchDelay into a request on: a peek at the socket that sees
// the client close its side (FIN or RST) cancels the request's context, which interrupts the backend
// call.
// It cannot see a client that vanishes without closing (a dead peer: only the write of the answer
// fails), nor one that half-closes its sending side while still reading; and once a client has
// pipelined its next request, the peek sees data and watching stops.
type fastFront struct {
	s   *Server
	srv *fasthttp.Server
	ln  net.Listener
	// stop is cancelled when a shutdown gives up waiting for in-flight requests, which then end too
	// (those that have run for watchDelay: the others end soon anyway).
	stop   context.Context
	cancel context.CancelFunc
	closed atomic.Bool
	// watching holds the watches of the requests in flight; its sweeper runs until served is closed
	// and they are over.
	watching *watchSet
	served   chan struct{}
}

func (s *Server) newFastFront(ln net.Listener) *fastFront {
	o := &s.opts
	if o.MaxHeaderBytes+1024 > firstReadSize {
		// fasthttp's read buffer then takes all a first read brought in (see firstReadConn.NetConn).
		ln = firstReadListener{ln}
	}
	f := &fastFront{s: s, ln: ln, watching: newWatchSet(), served: make(chan struct{})}
	f.stop, f.cancel = context.WithCancel(context.Background())
	f.srv = &fasthttp.Server{
		Handler:      f.handle,
		ErrorHandler: f.handleError,
		Name:         "",
		// A header larger than the read buffer is answered 431, as net/http's MaxHeaderBytes.
		ReadBufferSize:     o.MaxHeaderBytes + 1024,
		MaxRequestBodySize: int(o.MaxBodyBytes),
		// fasthttp has one read timeout per request: it bounds the headers here, and HeaderReceived
		// gives the body ReadTimeout from the end of the headers.
		ReadTimeout: min(o.ReadHeaderTimeout, o.ReadTimeout),
		HeaderReceived: func(*fasthttp.RequestHeader) fasthttp.RequestConfig {
			return fasthttp.RequestConfig{ReadTimeout: o.ReadTimeout}
		},
		WriteTimeout:          o.WriteTimeout,
		IdleTimeout:           o.IdleTimeout,
		Concurrency:           maxConns,
		ReduceMemoryUsage:     true,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		// Bodies pass as sent: no multipart parsing. (The pipeline reads the raw request target and
		// raw headers, never fasthttp's normalized path.)
		DisablePreParseMultipartForm: true,
		// Idle workers exit soon, so that a burst leaves no goroutines behind.
		MaxIdleWorkerDuration: time.Second,
		Logger:                slog.NewLogLogger(o.Logger.Handler(), slog.LevelDebug),
	}
	return f
}

func (f *fastFront) serve() error {
	go f.watching.sweep(f.served)
	err := f.srv.Serve(f.ln)
	close(f.served)
	if f.closed.Load() {
		return nil
	}
	if err != nil {
		return fmt.Errorf("serving data plane on %s: %w", f.ln.Addr(), err)
	}
	return nil
}

// shutdown stops accepting, closes idle connections and waits for in-flight requests until ctx is done;
// then it cancels those still running.
func (f *fastFront) shutdown(ctx context.Context) error {
	f.closed.Store(true)
	err := f.srv.ShutdownWithContext(ctx)
	f.ln.Close() // in case Serve had not started yet
	if err != nil {
		f.cancel()
	}
	return err
}

// handle reads a request into an exchange and runs the pipeline.
func (f *fastFront) handle(fc *fasthttp.RequestCtx) {
	s := f.s
	ex := exchanges.Get().(*exchange)
	*ex = exchange{integration: -1}
	rw := &ex.fw
	rw.fc = fc
	// Not a child of f.stop: registering every request with one parent costs a shared lock; the watch
	// links requests that last to it.
	ctx := newReqCtx()
	defer func() {
		ctx.end()
		*ex = exchange{}
		exchanges.Put(ex)
	}()

	if err := f.read(fc, ex); err != nil {
		// What net/http refuses before any handler runs: answered and logged with no request id.
		f.refuse(fc, ex, err)
		return
	}
	w := f.startWatch(fc.Conn(), ctx)
	s.serve(ctx, ex, rw)
	w.stop()
}

// handleError answers what fasthttp itself refused: oversized headers or bodies, bad framing, timeouts.
func (f *fastFront) handleError(fc *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.As(err, &small):
		err = gwerror.New(http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large", err)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		ex := &exchange{integration: -1}
		ex.fw.fc = fc
		f.refuse(fc, ex, gwerror.TooLarge())
		lingerClose(fc)
		return
	case errors.As(err, &ne) && ne.Timeout():
		if _, body := err.(*net.OpError); !body {
			// fasthttp wraps the errors of reading headers, not those of reading a body. Headers that
			// never came get no answer, as with net/http.
			fc.Conn().Close()
			return
		}
		err = gwerror.BadRequest("Invalid request body", fmt.Errorf("reading request body: %w", err))
	default:
		err = gwerror.BadRequest("Bad Request", err)
	}
	ex := &exchange{integration: -1}
	ex.fw.fc = fc
	f.refuse(fc, ex, err)
}

// lingerClose sends the answer now, then stops writing and discards what the client still sends for a
// moment before fasthttp closes the connection: closing with the rest of a body unread would reset the
// connection, which can destroy the answer before the client reads it. net/http lingers likewise.
func lingerClose(fc *fasthttp.RequestCtx) {
	nc := fc.Conn()
	cw, ok := nc.(interface{ CloseWrite() error })
	if !ok {
		return
	}
	nc.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := fc.Response.WriteTo(nc); err != nil {
		return
	}
	// fasthttp writes the answer again on the closed side: that write fails, and nothing more is sent.
	cw.CloseWrite()
	nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	io.Copy(io.Discard, nc)
}

// refuse answers a request the front end would not pass to the pipeline, and closes the connection:
// whatever follows such a request on it is never read as another one.
func (f *fastFront) refuse(fc *fasthttp.RequestCtx, ex *exchange, err error) {
	fc.Response.Reset()
	fc.SetConnectionClose()
	ex.fw.nown = 0
	if ex.req.Method == "" {
		ex.req.Method = string(fc.Request.Header.Method())
	}
	ex.req.SourceIP = remoteIP(fc.RemoteAddr())
	ex.req.Protocol = string(fc.Request.Header.Protocol())
	ex.req.Received = time.Now()
	status, n := writeError(&ex.fw, ex, err)
	f.s.observe(context.Background(), ex, status, n, err)
}

// read fills ex from fc, refusing what net/http would refuse, and what request smuggling needs: the
// framing headers are checked on the raw header block, before fasthttp's parsed view could hide a
// duplicate or a fold.
func (f *fastFront) read(fc *fasthttp.RequestCtx, ex *exchange) error {
	h := &fc.Request.Header
	ex.req.Method = intern(h.Method())
	ex.req.Protocol = intern(h.Protocol())
	if p := ex.req.Protocol; p != "HTTP/1.1" && p != "HTTP/1.0" && !(len(p) == 8 && p[:7] == "HTTP/1." && '0' <= p[7] && p[7] <= '9') {
		// fasthttp reads any HTTP/x.y request line as HTTP/1.1. Like net/http, serve HTTP/1.x as 1.1 (RFC
		// 9112, 2.3) and answer 505 to another major version (HTTP/2 comes over TLS with ALPN, never as
		// such a line).
		return gwerror.New(http.StatusHTTPVersionNotSupported, "HTTP Version Not Supported", fmt.Errorf("unsupported protocol %q", p))
	}
	// The target and the header block become strings in one allocation.
	uri, raw := h.RequestURI(), h.RawHeaders()
	both := make([]byte, len(uri)+len(raw))
	copy(both, uri)
	copy(both[len(uri):], raw)
	text := unsafe.String(unsafe.SliceData(both), len(both)) // both is never written again
	if err := readTarget(ex, text[:len(uri)]); err != nil {
		return err
	}
	// From HTTP/1.1 on; fasthttp's IsHTTP11 is false for HTTP/1.2 (FuzzFastRequest seed).
	hdr, host, err := parseHeaders(text[len(uri):], ex.req.Protocol != "HTTP/1.0")
	if err != nil {
		return err
	}
	hostHeader := host
	if ex.req.Host != "" {
		host = ex.req.Host // absolute-form: its host wins, as in net/http (FuzzFastRequest seed)
	}
	if !httpguts.ValidHostHeader(hostHeader) || !httpguts.ValidHostHeader(host) {
		return gwerror.BadRequest("Bad Request", errors.New("malformed Host header"))
	}
	ex.req.Host = host
	ex.req.Header = hdr
	if te := hdr["Transfer-Encoding"]; te != nil {
		if ex.req.Protocol == "HTTP/1.0" {
			// RFC 9112, 6.1: the framing of an HTTP/1.0 message with Transfer-Encoding is faulty. fasthttp
			// would read it chunked, net/http by its Content-Length (FuzzFastRequest seed): refuse it.
			return gwerror.BadRequest("Bad Request", errors.New("transfer encoding in an HTTP/1.0 request"))
		}
		// As with net/http: only chunked is understood; and the connection closes after a request
		// that had Transfer-Encoding, so a Content-Length beside it can desynchronize nothing.
		if len(te) != 1 || !strings.EqualFold(strings.TrimSpace(te[0]), "chunked") {
			return gwerror.New(http.StatusNotImplemented, "Not Implemented", fmt.Errorf("unsupported transfer encoding %q", te))
		}
		delete(hdr, "Transfer-Encoding")
		delete(hdr, "Content-Length")
		ex.fw.setHeader("Connection", closeValue)
	}
	if c, ok := fc.Conn().(*firstReadConn); ok {
		ex.req.SourceIP = c.sourceIP()
	} else {
		ex.req.SourceIP = remoteIP(fc.RemoteAddr())
	}
	ex.req.Scheme = "http"
	if fc.IsTLS() {
		ex.req.Scheme = "https"
		st := fc.TLSConnectionState()
		ex.tls, ex.sni = true, st.ServerName
		if len(st.PeerCertificates) > 0 {
			ex.clientCert = st.PeerCertificates[0]
		}
	}
	// Valid until the handler returns: the pipeline copies what outlives the request (cache.go detach).
	if b := fc.Request.Body(); len(b) > 0 {
		ex.req.Body = b
	}
	return nil
}

var closeValue = []string{"close"}

// readTarget sets the escaped and the unescaped path and the raw query from the request target,
// accepting what url.ParseRequestURI accepts, as net/http does.
func readTarget(ex *exchange, target string) error {
	if path, query, ok := plainTarget(target); ok {
		ex.path, ex.logPath, ex.req.RawQuery = path, path, query
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return gwerror.BadRequest("Bad Request", fmt.Errorf("malformed request target: %w", err))
	}
	ex.path, ex.logPath, ex.req.RawQuery = u.EscapedPath(), u.Path, u.RawQuery
	ex.req.Host = u.Host
	return nil
}

// plainTarget splits an origin-form target made only of characters that need no escaping, the
// common case, for which url.ParseRequestURI would give the same path and query.
func plainTarget(t string) (path, query string, ok bool) {
	if t == "" || t[0] != '/' {
		return "", "", false
	}
	i := 0
	for ; i < len(t) && t[i] != '?'; i++ {
		if !pathChar[t[i]] {
			return "", "", false
		}
	}
	if i == len(t) {
		return t, "", true
	}
	for j := i + 1; j < len(t); j++ {
		if c := t[j]; c <= ' ' || c == 0x7f || c == '#' {
			return "", "", false
		}
	}
	return t[:i], t[i+1:], true
}

// pathChar holds the characters url.URL.EscapedPath keeps as they are: RFC 3986 pchar and "/",
// without "%".
var pathChar = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/") {
		t[c] = true
	}
	return t
}()

// parseHeaders parses fasthttp's raw header block, as a string, into canonical http.Header, refusing
// what net/http refuses and what request smuggling uses: folded lines, whitespace before the colon,
// invalid names or values, duplicate or invalid Content-Length, and a missing or duplicate Host. It
// returns the Host apart, as net/http does. The values are substrings of s.
func parseHeaders(s string, http11 bool) (http.Header, string, error) {
	bad := func(why string) (http.Header, string, error) {
		return nil, "", gwerror.BadRequest("Bad Request", errors.New(why))
	}
	// strings.Count is vectorized; a loop over the bytes cost about 1.3 µs for a head carrying a JWT.
	n := strings.Count(s, "\n")
	h := make(http.Header, n)
	values := make([]string, 0, n)
	var host string
	hosts, lengths := 0, 0
	for s != "" {
		line, rest, found := strings.Cut(s, "\n")
		if !found {
			return bad("unterminated header line")
		}
		s = rest
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return bad("obsolete line folding")
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !httpguts.ValidHeaderFieldName(name) {
			return bad("malformed header name")
		}
		value = strings.Trim(value, " \t")
		if !httpguts.ValidHeaderFieldValue(value) {
			return bad("invalid header value")
		}
		key := upstream.CanonicalKey(name)
		switch key {
		case "Host":
			hosts++
			host = value
			continue
		case "Content-Length":
			lengths++
			if lengths > 1 || value == "" || strings.TrimLeft(value, "0123456789") != "" {
				return bad("invalid or duplicate Content-Length")
			}
		}
		values = append(values, value)
		vv := h[key]
		if vv == nil {
			// Slices of one backing array, capped so that an append by a later step copies.
			h[key] = values[len(values)-1 : len(values) : len(values)]
		} else {
			h[key] = append(vv, value)
		}
	}
	if hosts > 1 || (hosts == 0 && http11) {
		return bad("missing or duplicate Host header")
	}
	return h, host, nil
}

// intern returns common methods and protocols without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "PATCH":
		return "PATCH"
	case "HEAD":
		return "HEAD"
	case "OPTIONS":
		return "OPTIONS"
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	}
	return string(b)
}

func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	if a == nil {
		return ""
	}
	return sourceIP(a.String())
}

// fastResponder answers through fasthttp.
type fastResponder struct {
	fc *fasthttp.RequestCtx
	// own are the names set with setHeader.
	own  [8]string
	nown int
}

func (r *fastResponder) setHeader(name string, values []string) {
	rh := &r.fc.Response.Header
	// The response is fresh and only setHeader writes to it before send: Del (which normalizes the
	// name and scans every header) is needed only for a name set before, or when own overflowed.
	if r.nown == len(r.own) || r.isOwn(name) {
		rh.Del(name)
	} else {
		r.own[r.nown] = name
		r.nown++
	}
	for _, v := range values {
		rh.Add(name, v)
	}
}

func (r *fastResponder) send(status int, h http.Header, body []byte) int {
	rh := &r.fc.Response.Header
	for k, vv := range h {
		if k == "Content-Length" || r.isOwn(k) {
			continue
		}
		for _, v := range vv {
			rh.Add(k, v)
		}
	}
	r.fc.SetStatusCode(status)
	// Bodies are never reused once answered (backend answers and cache entries are immutable).
	r.fc.Response.SetBodyRaw(body)
	return len(body)
}

func (r *fastResponder) isOwn(k string) bool {
	for _, o := range r.own[:r.nown] {
		if o == k {
			return true
		}
	}
	return false
}

// watch watches a connection for its client going away; see fastFront. Watches are pooled; the
// watchSet starts their watcher once their request has run for watchDelay.
type watch struct {
	f       *fastFront
	nc      net.Conn
	ctx     *reqCtx
	stopped atomic.Bool
	running sync.WaitGroup
	// shard, idx, epoch and started are the watchSet's; started is guarded by shard.mu.
	shard   *watchShard
	idx     int
	epoch   int64
	started bool
}

var watches = sync.Pool{New: func() any { return new(watch) }}

// startWatch watches nc from watchDelay on; the request also ends then if a shutdown gives up on it.
func (f *fastFront) startWatch(nc net.Conn, ctx *reqCtx) *watch {
	w := watches.Get().(*watch)
	w.f, w.nc, w.ctx = f, nc, ctx
	w.stopped.Store(false)
	f.watching.add(w)
	return w
}

func (w *watch) run() {
	defer w.running.Done()
	// The shutdown's cancel may still run after the request: the context is not reused.
	w.ctx.share()
	defer context.AfterFunc(w.f.stop, w.ctx.cancel)()
	if clientGone(w.nc, &w.stopped) && !w.stopped.Load() {
		w.ctx.cancel()
	}
}

// stop ends the watch before the answer is written: the connection is fasthttp's again.
func (w *watch) stop() {
	if w.f.watching.remove(w) {
		// The watcher runs or is about to: interrupt its wait and join it.
		w.stopped.Store(true)
		w.nc.SetReadDeadline(aLongTimeAgo)
		w.running.Wait()
		w.nc.SetReadDeadline(time.Time{})
	}
	w.f, w.nc, w.ctx = nil, nil, nil
	watches.Put(w)
}

var aLongTimeAgo = time.Unix(1, 0)
