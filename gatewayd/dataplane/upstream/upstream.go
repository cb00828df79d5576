// Package upstream is the data plane's HTTP/1.1 client for backends.
//
// It is synchronous: the calling goroutine writes the request and reads the answer on a pooled
// keep-alive connection, with no per-connection goroutines or channel hand-offs (what makes net/http's
// Transport slow as a proxy's upstream). Bodies are buffered whole, in both directions, because the
// gateway maps them and caps their size anyway.
package upstream

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/internal/rawio"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
)

// ErrTimeout is returned when the backend does not answer within the request's timeout.
var ErrTimeout = errors.New("backend timed out")

// ErrResponseTooLarge is returned for a response body over MaxResponseBytes.
var ErrResponseTooLarge = errors.New("backend response too large")

// Request is a call to a backend.
type Request struct {
	Method string
	// Scheme is "http" or "https".
	Scheme string
	// Addr is the host:port to dial.
	Addr string
	// Host is the Host header; Addr when empty.
	Host string
	// URI is the request target: the escaped path and query, such as /pets/1?x=y.
	URI    string
	Header http.Header
	// Set are headers of one value, a name at most once, that win over Header's and Forward's (a
	// proxy's X-Forwarded-*).
	Set []Field
	// Forward are the headers of a client's request, sent unless Set or Header has the name, or the
	// name is in ForwardSkip or listed by Forward's own Connection header. A proxy passes the client's
	// map so, rather than copy it per request; SentHeader builds the copy when one is needed.
	Forward     http.Header
	ForwardSkip map[string]bool
	Body        []byte
	// DropResponse names headers of the answer to leave out of its Header, and with it those the
	// answer's Connection header names; the framing headers among them are still read. The answer is
	// filtered while its head is parsed, not in a second pass over its Header.
	DropResponse map[string]bool
	// Timeout bounds the whole call, connecting included; zero means no bound but the context's.
	Timeout time.Duration
	// TLS, when set, configures the connection to an https backend instead of Client.TLSConfig (a
	// client certificate to present, a relaxed verification); its ServerName defaults to Addr's host.
	// TLSName identifies it in the connection pools: connections made with different configurations
	// are never shared, so a stage without a client certificate never reuses one that presented it.
	TLS     *tls.Config
	TLSName string
}

// Field is one header line.
type Field struct{ Name, Value string }

// setHas reports whether Set has the name k.
func (r *Request) setHas(k string) bool {
	for _, f := range r.Set {
		if f.Name == k {
			return true
		}
	}
	return false
}

// connectionNamed appends to named the canonical names the Connection header of h lists.
func connectionNamed(h http.Header, named []string) []string {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				named = append(named, http.CanonicalHeaderKey(f))
			}
		}
	}
	return named
}

// forwards reports whether the Forward header k is sent; named are the names Forward's Connection
// header lists.
func (r *Request) forwards(k string, named []string) bool {
	if r.ForwardSkip[k] || r.setHas(k) || slices.Contains(named, k) {
		return false
	}
	_, ok := r.Header[k]
	return !ok
}

// SentHeader returns the headers the request carries (but for the framing headers writeRequest
// leaves out): Header alone when there are no Set or Forward headers, else a new map.
func (r *Request) SentHeader() http.Header {
	if r.Set == nil && r.Forward == nil {
		return r.Header
	}
	h := make(http.Header, len(r.Forward)+len(r.Header)+len(r.Set))
	var buf [4]string
	named := connectionNamed(r.Forward, buf[:0])
	for k, vv := range r.Forward {
		if r.forwards(k, named) {
			h[k] = vv
		}
	}
	for k, vv := range r.Header {
		if !r.setHas(k) {
			h[k] = vv
		}
	}
	for _, f := range r.Set {
		h[f.Name] = []string{f.Value}
	}
	return h
}

// Client holds pools of idle connections per backend. The zero value is not usable; call New.
type Client struct {
	// MaxIdlePerHost caps the idle connections kept per backend.
	MaxIdlePerHost int
	// IdleTimeout discards idle connections older than this when they are taken.
	IdleTimeout time.Duration
	// MaxResponseBytes caps a response body.
	MaxResponseBytes int64
	// TLSConfig is used for https backends; nil means the defaults.
	TLSConfig *tls.Config

	// pools maps "scheme://addr" (the address alone for plain HTTP) to its *pool. A sync.Map: every
	// request looks its pool up, and a mutex here would be a global lock on the request path.
	pools sync.Map
}

// New returns a client with the given response size cap.
func New(maxResponseBytes int64) *Client {
	return &Client{
		MaxIdlePerHost:   1024,
		IdleTimeout:      60 * time.Second,
		MaxResponseBytes: maxResponseBytes,
	}
}

type pool struct {
	mu   sync.Mutex
	idle []*conn
}

type conn struct {
	nc       net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	lastUsed time.Time
	// interrupt interrupts a call blocked on the connection; made once per connection.
	interrupt func()
}

// CancelHook is implemented by a context that runs a function on its cancellation without the
// allocations and the locking of context.AfterFunc (the data plane's request contexts). Do hooks the
// interrupt of its connection to it.
type CancelHook interface {
	// OnCancel arranges for f to run once the context is cancelled (at once if it is already) and
	// returns a token for Release. f is quick and does not block.
	OnCancel(f func()) (token uint64)
	// Release undoes OnCancel, reporting whether it did so before f started.
	Release(token uint64) bool
}

// A time in the past, set as a deadline to interrupt blocked reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

func (c *Client) pool(key string) *pool {
	if p, ok := c.pools.Load(key); ok {
		return p.(*pool)
	}
	p, _ := c.pools.LoadOrStore(key, &pool{})
	return p.(*pool)
}

func (c *Client) get(p *pool, now time.Time) *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		cn := p.idle[len(p.idle)-1]
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(cn.lastUsed) < c.IdleTimeout {
			return cn
		}
		cn.nc.Close()
	}
	return nil
}

func (c *Client) put(p *pool, cn *conn, now time.Time) {
	cn.lastUsed = now
	p.mu.Lock()
	if len(p.idle) < c.MaxIdlePerHost {
		p.idle = append(p.idle, cn)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	cn.nc.Close()
}

// CloseIdle closes every idle connection.
func (c *Client) CloseIdle() {
	var pools []*pool
	c.pools.Range(func(_, p any) bool {
		pools = append(pools, p.(*pool))
		return true
	})
	for _, p := range pools {
		p.mu.Lock()
		for _, cn := range p.idle {
			cn.nc.Close()
		}
		p.idle = nil
		p.mu.Unlock()
	}
}

func (c *Client) dial(ctx context.Context, req *Request, deadline time.Time) (*conn, error) {
	d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
	var nc net.Conn
	var err error
	if req.Scheme == "https" {
		cfg := c.TLSConfig
		if req.TLS != nil {
			cfg = req.TLS
			if cfg.ServerName == "" {
				host, _, _ := net.SplitHostPort(req.Addr)
				cfg = cfg.Clone()
				cfg.ServerName = host
			}
		}
		if cfg == nil {
			host, _, _ := net.SplitHostPort(req.Addr)
			cfg = &tls.Config{ServerName: host}
		}
		td := tls.Dialer{NetDialer: &d, Config: cfg}
		nc, err = td.DialContext(ctx, "tcp", req.Addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", req.Addr)
	}
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		nc = rawio.New(tc)
	}
	cn := &conn{nc: nc, br: bufio.NewReaderSize(nc, 8<<10), bw: bufio.NewWriterSize(nc, 8<<10)}
	cn.interrupt = func() { cn.nc.SetDeadline(aLongTimeAgo) }
	return cn, nil
}

// Do sends req and reads the whole answer. A cancelled ctx interrupts the call and closes its connection.
func (c *Client) Do(ctx context.Context, req *Request) (*message.Response, error) {
	if err := validRequestHeaders(req); err != nil {
		return nil, err
	}
	start := time.Now()
	var deadline time.Time
	if req.Timeout > 0 {
		deadline = start.Add(req.Timeout)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	// Plain HTTP backends, the common case, are keyed by their address alone: no string to build per
	// call. An address has no "://", so it is never another kind's key.
	key := req.Addr
	if req.Scheme != "http" || req.TLSName != "" {
		key = req.Scheme + "://" + req.Addr
		if req.TLSName != "" {
			key += "#" + req.TLSName
		}
	}
	p := c.pool(key)
	for attempt := 0; ; attempt++ {
		var cn *conn
		if attempt == 0 { // the retry dials: after a backend restart every idle connection is stale
			cn = c.get(p, start)
		}
		reused := cn != nil
		if !reused {
			var err error
			if cn, err = c.dial(ctx, req, deadline); err != nil {
				return nil, c.classify(ctx, err)
			}
		}
		resp, keep, wrote, err := c.roundTrip(ctx, cn, req, deadline)
		if err == nil {
			if keep {
				c.put(p, cn, time.Now())
			} else {
				cn.nc.Close()
			}
			return resp, nil
		}
		cn.nc.Close()
		// A reused connection the backend closed while idle fails before any answer; try once more on a
		// fresh one when the backend cannot have acted on the request.
		if reused && attempt == 0 && ctx.Err() == nil && !isTimeout(err) && (!wrote || idempotent(req.Method)) {
			continue
		}
		return nil, c.classify(ctx, err)
	}
}

func (c *Client) classify(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("calling backend: %w", ctxErr)
	}
	if isTimeout(err) {
		return fmt.Errorf("calling backend: %w", ErrTimeout)
	}
	return fmt.Errorf("calling backend: %w", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "PUT", "DELETE":
		return true
	}
	return false
}

// roundTrip reports whether the connection may be reused and whether the request was fully written.
func (c *Client) roundTrip(ctx context.Context, cn *conn, req *Request, deadline time.Time) (resp *message.Response, keep, wrote bool, err error) {
	if deadline.IsZero() {
		cn.nc.SetDeadline(time.Time{})
	} else {
		cn.nc.SetDeadline(deadline)
	}
	// A connection whose interrupt already ran may get its deadline moved at any time: never reuse it.
	if h, ok := ctx.(CancelHook); ok {
		token := h.OnCancel(cn.interrupt)
		defer func() {
			if !h.Release(token) {
				keep = false
			}
		}()
	} else {
		stop := context.AfterFunc(ctx, cn.interrupt)
		defer func() {
			if !stop() {
				keep = false
			}
		}()
	}

	if err := writeRequest(cn.bw, req); err != nil {
		return nil, false, false, err
	}
	var head responseHead
	body, err := c.readResponseInto(cn.br, req.Method, req.DropResponse, &head)
	if err != nil {
		return nil, false, true, err
	}
	return &message.Response{Status: head.status, Header: head.header, Body: body}, !head.close, true, nil
}

func writeRequest(bw *bufio.Writer, req *Request) error {
	host := req.Host
	if host == "" {
		host = req.Addr
	}
	uri := req.URI
	if uri == "" {
		uri = "/"
	}
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(uri)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for _, f := range req.Set {
		if !framing(f.Name) {
			writeHeader(bw, f.Name, f.Value)
		}
	}
	for k, vv := range req.Header {
		if framing(k) || req.setHas(k) {
			continue
		}
		for _, v := range vv {
			writeHeader(bw, k, v)
		}
	}
	if req.Forward != nil {
		var buf [4]string
		named := connectionNamed(req.Forward, buf[:0])
		for k, vv := range req.Forward {
			if framing(k) || !req.forwards(k, named) {
				continue
			}
			for _, v := range vv {
				writeHeader(bw, k, v)
			}
		}
	}
	if len(req.Body) > 0 || req.Method == "POST" || req.Method == "PUT" || req.Method == "PATCH" {
		var buf [20]byte
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(buf[:0], int64(len(req.Body)), 10))
		bw.WriteString("\r\n")
	}
	bw.WriteString("\r\n")
	bw.Write(req.Body)
	return bw.Flush()
}

// framing are the headers writeRequest writes itself, or not at all.
func framing(k string) bool {
	switch k {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return true
	}
	return false
}

func writeHeader(bw *bufio.Writer, k, v string) {
	bw.WriteString(k)
	bw.WriteString(": ")
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

// validRequestHeaders checks the headers req sends with validHeader.
func validRequestHeaders(req *Request) error {
	for _, f := range req.Set {
		if err := validHeader(f.Name, f.Value); err != nil {
			return err
		}
	}
	if req.Set == nil {
		if err := validHeaders(req.Header); err != nil {
			return err
		}
	} else {
		for k, vv := range req.Header {
			if req.setHas(k) {
				continue // not sent
			}
			if err := validHeader(k, vv...); err != nil {
				return err
			}
		}
	}
	if req.Forward == nil {
		return nil
	}
	var buf [4]string
	named := connectionNamed(req.Forward, buf[:0])
	for k, vv := range req.Forward {
		if !req.forwards(k, named) {
			continue
		}
		if err := validHeader(k, vv...); err != nil {
			return err
		}
	}
	return nil
}

func validHeaders(h http.Header) error {
	for k, vv := range h {
		if err := validHeader(k, vv...); err != nil {
			return err
		}
	}
	return nil
}

// validHeader refuses names and values that would split the request: mapped values come from
// configuration and client input, and this writer does not go through net/http's checks.
func validHeader(k string, vv ...string) error {
	if k == "" {
		return errors.New("invalid empty header name")
	}
	for i := 0; i < len(k); i++ {
		if b := k[i]; b <= ' ' || b >= 0x7f || b == ':' {
			return fmt.Errorf("invalid header name %q", k)
		}
	}
	for _, v := range vv {
		// IndexByte is vectorized: a value may be a bearer token of a kilobyte.
		if strings.IndexByte(v, '\r') >= 0 || strings.IndexByte(v, '\n') >= 0 || strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("invalid value of header %s", k)
		}
	}
	return nil
}
