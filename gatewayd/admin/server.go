package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Server returns the http.Server the admin API runs on: a to serve, ReadHeaderTimeout 10s (the body
// has BodyReadTimeout, set per call by ServeHTTP), IdleTimeout 120s and MaxHeaderBytes. Serve it on
// a Listener so that the answers net/http writes by itself are JSON too. The caller may set ErrorLog.
//
// It sets no ReadTimeout: ServeHTTP sets the read deadline itself and lifts it once the request is in,
// whereas a ReadTimeout deadline would also end net/http's watch of the connection while a slow call
// runs, and so cancel it.
func (a *API) Server() *http.Server {
	return &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    a.opts.MaxHeaderBytes,
		// OPTIONS * then reaches ServeHTTP, whose path check answers it in JSON.
		DisableGeneralOptionsHandler: true,
	}
}

// Listener wraps ln so that the few answers net/http writes by itself, before or without any handler,
// are JSON {"message","code"} like every other admin answer instead of plain text: 431 for headers over
// MaxHeaderBytes, 400 for a malformed request (a bad request line, header or Host), 501 for an unknown
// Transfer-Encoding, 505 for an unsupported protocol version, and 417 for an Expect other than
// 100-continue.
//
// net/http writes each of these in a single Write on the connection, in a form a handler's answer
// never has: a status line followed by exactly "Content-Type: text/plain; charset=utf-8" and
// "Connection: close" (for 417, a status no admin handler uses, then "Connection: close"); a JSON body
// cannot hold the raw CRLF these need. The wrapped connection recognises
// such a write and sends the JSON answer in its place; every other write passes through untouched.
// TestNetHTTPAnswersAreJSON checks each case on a raw connection, so a change of net/http's format
// fails the tests rather than going unnoticed.
func (a *API) Listener(ln net.Listener) net.Listener { return jsonErrorListener{Listener: ln, api: a} }

type jsonErrorListener struct {
	net.Listener
	api *API
}

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c, api: l.api}, nil
}

// jsonErrorConn is a connection whose net/http plain-text error answers are rewritten as JSON. It
// promotes only net.Conn's methods (no io.ReaderFrom), so every byte of an answer passes Write.
type jsonErrorConn struct {
	net.Conn
	api *API
}

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	out, ok := c.api.jsonAnswer(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite keeps net/http's half-close after a 431, which lets the client read the answer while it
// is still sending.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// plainErrorHeaders follow the status line of every error answer net/http writes by itself.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// jsonAnswer returns the JSON answer that replaces p when p is one of net/http's own error answers.
func (a *API) jsonAnswer(p []byte) ([]byte, bool) {
	if !bytes.HasPrefix(p, []byte("HTTP/1.")) {
		return nil, false
	}
	i := bytes.Index(p, []byte("\r\n"))
	if i < 0 {
		return nil, false
	}
	// "HTTP/1.1 400 Bad Request" or, with a reason, "HTTP/1.1 400 Bad Request: missing required Host header".
	proto, rest, _ := strings.Cut(string(p[:i]), " ")
	codeText, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return nil, false
	}
	canned := bytes.HasPrefix(p[i:], []byte(plainErrorHeaders))
	expectFailed := code == http.StatusExpectationFailed && bytes.HasPrefix(p[i:], []byte("\r\nConnection: close\r\n"))
	if !canned && !expectFailed {
		return nil, false
	}
	_, detail, _ := strings.Cut(reason, ": ")
	var msg string
	switch code {
	case http.StatusRequestHeaderFieldsTooLarge:
		msg = fmt.Sprintf("the request line and headers are larger than %d bytes", a.opts.MaxHeaderBytes)
	case http.StatusBadRequest:
		msg = "malformed HTTP request"
		if detail != "" {
			msg += ": " + detail
		}
	case http.StatusNotImplemented:
		msg = "unsupported Transfer-Encoding; send the body with Content-Length or chunked"
	case http.StatusExpectationFailed:
		msg = "the only Expect the admin API supports is 100-continue"
	default:
		msg = strings.ToLower(http.StatusText(code))
		if detail != "" {
			msg += ": " + detail
		}
	}
	body, err := json.Marshal(apiError{Code: strings.ReplaceAll(http.StatusText(code), " ", ""), Message: msg})
	if err != nil {
		return nil, false
	}
	body = append(body, '\n')
	return fmt.Appendf(nil, "%s %d %s\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		proto, code, http.StatusText(code), len(body), body), true
}
