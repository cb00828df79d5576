// Package client is the typed Go client of gatewayd's admin API, used by the Terraform provider, the
// tests and the benchmarks.
//
// Calls are retried with bounded exponential backoff on connection errors, 429 (honouring
// Retry-After) and 502/503/504, but only when repeating them is safe: reads, PUTs and DELETEs always;
// a create (POST) only when it provably never reached the server (the connection could not be made)
// or the server shed it with 429 before handling it.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Error is an error answer of the admin API.
type Error struct {
	StatusCode int
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("gatewayd: %d %s: %s", e.StatusCode, e.Code, e.Message)
	if e.Field != "" && !strings.Contains(e.Message, e.Field) {
		msg += " (field " + e.Field + ")"
	}
	return msg
}

func statusIs(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == code
}

// IsNotFound reports whether the object does not exist (404).
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsConflict reports whether the call conflicted with the current state (409).
func IsConflict(err error) bool { return statusIs(err, http.StatusConflict) }

// IsPreconditionFailed reports whether If-Match or If-None-Match did not hold (412).
func IsPreconditionFailed(err error) bool { return statusIs(err, http.StatusPreconditionFailed) }

// Options tune a Client.
type Options struct {
	// RetryMax is how many times a retryable call is retried. Default 8.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the backoff. Defaults 200ms and 5s.
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds one attempt. Default 60s.
	Timeout time.Duration
	// UserAgent is sent with every call.
	UserAgent string
	// HTTPClient, when set, replaces the underlying client (its Timeout is kept).
	HTTPClient *http.Client
}

// Client calls one gatewayd admin API.
type Client struct {
	base  *url.URL
	token string
	ua    string
	http  *retryablehttp.Client
}

// New returns a client of the admin API at endpoint (such as http://127.0.0.1:9080) using token.
func New(endpoint, token string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSuffix(endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: endpoint must be an http:// or https:// URL such as http://127.0.0.1:9080, got %q", endpoint)
	}
	if token == "" {
		return nil, errors.New("client: a token is required")
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 8
	}
	if opts.RetryWaitMin == 0 {
		opts.RetryWaitMin = 200 * time.Millisecond
	}
	if opts.RetryWaitMax == 0 {
		opts.RetryWaitMax = 5 * time.Second
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "gatewayd-client"
	}
	rc := retryablehttp.NewClient()
	if opts.HTTPClient != nil {
		rc.HTTPClient = opts.HTTPClient
	}
	rc.HTTPClient.Timeout = opts.Timeout
	rc.RetryMax, rc.RetryWaitMin, rc.RetryWaitMax = opts.RetryMax, opts.RetryWaitMin, opts.RetryWaitMax
	rc.Logger = nil
	rc.CheckRetry = checkRetry
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return &Client{base: u, token: token, ua: opts.UserAgent, http: rc}, nil
}

type idempotentKey struct{}

// checkRetry decides whether an attempt may be repeated; see the package comment.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent, _ := ctx.Value(idempotentKey{}).(bool)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return true, nil // never reached the server
		}
		return idempotent, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, nil // shed before handling
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return idempotent, nil
	}
	return false, nil
}

// WriteOption makes a write conditional.
type WriteOption func(h http.Header)

// IfMatch makes a write succeed only when the object is at version v (else 412).
func IfMatch(v int64) WriteOption {
	return func(h http.Header) { h.Set("If-Match", strconv.Quote(strconv.FormatInt(v, 10))) }
}

// IfNoneMatch makes a PUT create only: it fails with 412... or 409 when the object exists.
func IfNoneMatch() WriteOption { return func(h http.Header) { h.Set("If-None-Match", "*") } }

// do sends one call and decodes a JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, opts ...WriteOption) error {
	// path arrives escaped segment by segment (esc); keep that encoding on the wire.
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return fmt.Errorf("building %s %s: %w", method, path, err)
	}
	u.Path = p
	u.RawQuery = query.Encode()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
	}
	ctx = context.WithValue(ctx, idempotentKey{}, method != http.MethodPost)
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), bodyReader(body))
	if err != nil {
		return fmt.Errorf("building %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req.Header)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("calling gatewayd %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading gatewayd answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{StatusCode: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(data))
		}
		return e
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding gatewayd answer to %s %s: %w", method, path, err)
		}
	}
	return nil
}

func bodyReader(b []byte) any {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	err := c.do(ctx, http.MethodGet, path, nil, nil, &out)
	return out, err
}

func send[T any](ctx context.Context, c *Client, method, path string, in T, opts ...WriteOption) (T, error) {
	var out T
	err := c.do(ctx, method, path, nil, in, &out, opts...)
	return out, err
}

type list[T any] struct {
	Items []T `json:"items"`
}

func getList[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	l, err := get[list[T]](ctx, c, path)
	return l.Items, err
}

func (c *Client) del(ctx context.Context, path string, query url.Values, opts ...WriteOption) error {
	return c.do(ctx, http.MethodDelete, path, query, nil, nil, opts...)
}

func esc(s string) string { return url.PathEscape(s) }
