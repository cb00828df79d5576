package dataplane

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fasthttp"
	"golang.org/x/net/http/httpguts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
)

// headerBlockSeeds are header blocks as fasthttp's RawHeaders gives them (the lines after the request
// line, through the empty line), in the shapes request smuggling and header injection use.
var headerBlockSeeds = []string{
	"Host: h\r\n\r\n",
	"Host: h\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n",
	"host: h\r\nx-a: 1\r\nX-A: 2\r\nx-A: 3\r\n\r\n",
	"Host: h\r\nContent-Length: 5\r\n\r\n",
	"Host: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
	"Host: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	"Host: h\r\nContent-Length: 5, 5\r\n\r\n",
	"Host: h\r\nContent-Length: +5\r\n\r\n",
	"Host: h\r\nContent-Length: -1\r\n\r\n",
	"Host: h\r\nContent-Length: \r\n\r\n",
	"Host: h\r\nContent-Length: 0x10\r\n\r\n",
	"Host: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
	"Host: h\r\nContent-Length: 0000000000000000000000005\r\n\r\n",
	"Host: h\r\nContent-Length :5\r\n\r\n",
	"Host: h\r\nContent-Length:\t5 \r\n\r\n",
	"Host: h\r\nTransfer-Encoding: chunked\r\n\r\n",
	"Host: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
	"Host: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	"Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	"Host: h\r\nTransfer-Encoding: chun\u212aed\r\n\r\n", // KELVIN SIGN folds to k outside ASCII
	"Host: h\r\nX: a\r\n b\r\n\r\n",                      // obsolete line folding
	"Host: h\r\nX: a\r\n\tb\r\n\r\n",
	" Host: h\r\n\r\n",
	"Host: h\r\nX : a\r\n\r\n",
	"Host: h\r\nX: a\rb\r\n\r\n", // bare CR inside a value
	"Host: h\r\nX: a\r\r\n\r\n",  // bare CR before the line end
	"Host: h\r\nX\r: a\r\n\r\n",
	"Host: h\nX: a\n\n", // bare LF line ends
	"Host: h\r\nX: a\x00b\r\n\r\n",
	"Host: h\r\nX: caf\xc3\xa9\r\n\r\n",
	"Host: h\r\nX: \x7f\r\n\r\n",
	"Host: h\r\nX:\r\n\r\n",
	"Host: h\r\n: a\r\n\r\n",
	"Host: h\r\nX-\xff: a\r\n\r\n",
	"Host: a\r\nHost: b\r\n\r\n",
	"Host: a\r\nhost: a\r\n\r\n",
	"Host: \r\n\r\n",
	"Host: h h\r\n\r\n",
	"Host: [::1]:80\r\n\r\n",
	"X: a\r\n\r\n", // no Host: HTTP/1.0 only
	"\r\n",
	"",
	"Host: h\r\nX: a",                   // unterminated
	"Host: h\r\n\r\nX: after the block", // fasthttp never passes this; ignored
	"Host: h\r\nPragma: no-cache\r\n\r\n",
	"Host: h\r\nPragma: no-cache\r\nCache-Control: max-age=0\r\n\r\n",
	"Host: h\r\nConnection: close, X-A\r\nX-A: 1\r\n\r\n",
	"Host: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
}

// FuzzReadHeaders checks readHeaders, the fasthttp front end's own check of the raw header block, on
// any bytes. When it accepts a block: every name is a canonical RFC 9110 token and every value valid
// and trimmed; Content-Length appears at most once and is digits only; Host appears at most once,
// is returned apart, and is present on HTTP/1.1. And net/http reads the same block (behind a request
// line of the same version) with the same values, Host included, but for the differences below, each
// checked, not assumed:
//   - net/http refuses a Transfer-Encoding other than one "chunked" (and ignores it on HTTP/1.0):
//     read, not readHeaders, decides about Transfer-Encoding, and FuzzFastRequest compares that;
//   - net/http refuses a Content-Length it cannot hold in an int63, such as 20 digits: fasthttp has
//     refused such a head itself, before the handler, so readHeaders never sees it (checked by
//     parsing the head with fasthttp);
//   - net/http adds "Cache-Control: no-cache" beside "Pragma: no-cache" (RFC 7234, 5.4);
//   - net/http drops Content-Length beside Transfer-Encoding: chunked, and Transfer-Encoding itself
//     (read does too).
func FuzzReadHeaders(f *testing.F) {
	for _, s := range headerBlockSeeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, http11 bool) {
		in := bytes.Clone(raw)
		h, host, err := readHeaders(raw, http11)
		if !bytes.Equal(raw, in) {
			t.Fatalf("readHeaders(%q) modified its input to %q", in, raw)
		}
		if err != nil {
			var ge *gwerror.Error
			if !errors.As(err, &ge) || ge.Status != http.StatusBadRequest {
				t.Fatalf("readHeaders(%q) = %v, want a 400 gwerror", raw, err)
			}
			return
		}

		for k, vv := range h {
			if !httpguts.ValidHeaderFieldName(k) || http.CanonicalHeaderKey(k) != k {
				t.Fatalf("readHeaders(%q) kept the name %q", raw, k)
			}
			if k == "Host" {
				t.Fatalf("readHeaders(%q) kept Host among the headers", raw)
			}
			for _, v := range vv {
				if !httpguts.ValidHeaderFieldValue(v) || strings.Trim(v, " \t") != v {
					t.Fatalf("readHeaders(%q) kept the value %q of %s", raw, v, k)
				}
			}
		}
		if cl := h["Content-Length"]; len(cl) > 1 || (len(cl) == 1 && (cl[0] == "" || strings.Trim(cl[0], "0123456789") != "")) {
			t.Fatalf("readHeaders(%q) kept Content-Length %q", raw, cl)
		}
		if !httpguts.ValidHeaderFieldValue(host) || strings.Trim(host, " \t") != host {
			t.Fatalf("readHeaders(%q) returned the host %q", raw, host)
		}

		proto := "HTTP/1.0"
		if http11 {
			proto = "HTTP/1.1"
		}
		head := "GET / " + proto + "\r\n" + string(raw) + "\r\n"
		req, nerr := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
		if nerr != nil {
			if strings.Contains(nerr.Error(), "transfer encoding") {
				return // read's decision, after readHeaders
			}
			var fh fasthttp.RequestHeader
			if fh.Read(bufio.NewReader(strings.NewReader(head))) == nil {
				t.Fatalf("readHeaders(%q) accepted what net/http refuses (%v) and fasthttp lets through", raw, nerr)
			}
			return
		}

		// ReadRequest deletes the Host lines (keeping the first in req.Host); count them with the header
		// reader it uses, as the net/http server does.
		mh, err := textproto.NewReader(bufio.NewReader(strings.NewReader(string(raw) + "\r\n"))).ReadMIMEHeader()
		if err != nil {
			t.Fatalf("net/http read the request %q but not its header block: %v", head, err)
		}
		hosts := mh["Host"]
		if req.Host != host || len(hosts) > 1 || (len(hosts) == 0 && (http11 || host != "")) || (len(hosts) == 1 && hosts[0] != host) {
			t.Fatalf("readHeaders(%q) returned the host %q; net/http read the Host lines %q", raw, host, hosts)
		}
		want := req.Header.Clone()
		delete(want, "Host")
		got := h.Clone()
		if got == nil {
			got = http.Header{}
		}
		if pragma := got["Pragma"]; len(pragma) > 0 && pragma[0] == "no-cache" && got["Cache-Control"] == nil {
			got["Cache-Control"] = []string{"no-cache"}
		}
		if got["Transfer-Encoding"] != nil {
			delete(got, "Transfer-Encoding")
			if http11 {
				delete(got, "Content-Length")
			}
		}
		if !maps.EqualFunc(want, got, slices.Equal) {
			t.Fatalf("readHeaders(%q) disagrees with net/http (-net/http +readHeaders):\n%s", raw, cmp.Diff(want, got))
		}
	})
}

// FuzzReadTarget: readTarget accepts exactly the request targets url.ParseRequestURI accepts (which
// net/http uses), and gives the same escaped and unescaped path, query and host, whether or not its
// fast path took the target. The path is "*" or starts with "/" (origin form), or is empty or starts
// with "/" (absolute form, with a scheme).
func FuzzReadTarget(f *testing.F) {
	for _, s := range []string{
		"/", "/pets", "/pets/1?x=1&y=2", "/a%20b", "/a%2Fb", "/a%2fb?q=%41", "/a b", "/a\tb", "/%zz", "/a?%zz",
		"/a!$&'()*+,;=:@b", "/a[b]", "/a\\b", "/é", "/a?é", "/a?", "/a??b", "/a?b?c", "/a#f", "/a?b#c",
		"/a\x00", "/a?\x7f", "/a?b c", "//x/y", "/./../a", "*", "**", "", "?", "a", "http://h", "http://h/x?y=1",
		"HTTP://H:80/x", "http://u:p@h/x", "http://[::1]:80/a", "http://h%zz/", "a:b", "a:/b", "mailto:x@y",
		"http:/x", "/%", "/%2", "/%25",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		var ex exchange
		err := readTarget(&ex, target)
		u, uerr := url.ParseRequestURI(target)
		if (err == nil) != (uerr == nil) {
			t.Fatalf("readTarget(%q) = %v, but url.ParseRequestURI says %v", target, err, uerr)
		}
		if err != nil {
			var ge *gwerror.Error
			if !errors.As(err, &ge) || ge.Status != http.StatusBadRequest {
				t.Fatalf("readTarget(%q) = %v, want a 400 gwerror", target, err)
			}
			return
		}
		if ex.path != u.EscapedPath() || ex.logPath != u.Path || ex.req.RawQuery != u.RawQuery || ex.req.Host != u.Host {
			t.Fatalf("readTarget(%q) = path %q, logPath %q, query %q, host %q; url.ParseRequestURI: %q, %q, %q, %q",
				target, ex.path, ex.logPath, ex.req.RawQuery, ex.req.Host, u.EscapedPath(), u.Path, u.RawQuery, u.Host)
		}
		if u.Scheme == "" && ex.path != "*" && !strings.HasPrefix(ex.path, "/") ||
			u.Scheme != "" && ex.path != "" && !strings.HasPrefix(ex.path, "/") {
			t.Fatalf("readTarget(%q) = path %q", target, ex.path)
		}
	})
}

// fuzzMaxBody caps request bodies in FuzzFastRequest, as Options.MaxBodyBytes does.
const fuzzMaxBody = 1 << 16

// fastRead reads a request as the fasthttp front end does: fasthttp's server reads the head and the
// body, then read fills the exchange; n is the length of the request in raw. ok is false when either
// refuses it.
func fastRead(raw []byte) (ex *exchange, n int, ok bool) {
	var fc fasthttp.RequestCtx
	r := bytes.NewReader(raw)
	br := bufio.NewReaderSize(r, 64<<10)
	if fc.Request.Header.Read(br) != nil || fc.Request.ContinueReadBody(br, fuzzMaxBody, false) != nil {
		return nil, 0, false
	}
	ex = &exchange{integration: -1}
	ex.fw.fc = &fc
	if (&fastFront{}).read(&fc, ex) != nil {
		return nil, 0, false
	}
	ex.req.Body = bytes.Clone(ex.req.Body)
	return ex, len(raw) - r.Len() - br.Buffered(), true
}

// netHTTPRead reads a request as the net/http front end does: http.ReadRequest, then the checks of
// net/http's server before it calls a handler (version, Host, names and values, Expect), then what
// ServeHTTP takes from the request, and the whole body; and the header block as net/http's server
// reads it before ReadRequest drops the Host lines; n is the length of the request in raw.
func netHTTPRead(raw []byte) (ex *exchange, mh textproto.MIMEHeader, n int, err error) {
	// Empty lines before the request line: fasthttp skips them, as RFC 9112, 2.2 asks; net/http only
	// after a POST on the connection.
	skipped := len(raw)
	raw = bytes.TrimLeft(raw, "\r\n")
	skipped -= len(raw)
	r := bytes.NewReader(raw)
	br := bufio.NewReaderSize(r, 64<<10)
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, 0, err
	}
	// ReadRequest deletes the Host lines; the server checks them first.
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	tp.ReadLine()
	if mh, err = tp.ReadMIMEHeader(); err != nil {
		return nil, nil, 0, err
	}
	hosts := mh["Host"]
	switch {
	case req.ProtoMajor != 1:
		return nil, nil, 0, errors.New("505: unsupported protocol version")
	case req.ProtoAtLeast(1, 1) && len(hosts) == 0 && req.Method != "CONNECT":
		return nil, nil, 0, errors.New("400: missing required Host header")
	case len(hosts) == 1 && !httpguts.ValidHostHeader(hosts[0]):
		return nil, nil, 0, errors.New("400: malformed Host header")
	case !strings.Contains(strings.ToLower(req.Header.Get("Expect")), "100-continue") && req.Header.Get("Expect") != "":
		return nil, nil, 0, errors.New("417: expectation failed")
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, nil, 0, errors.New("400: invalid header name")
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, nil, 0, errors.New("400: invalid header value")
			}
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		if len(req.TransferEncoding) > 0 {
			err = chunkedBodyError{err}
		}
		return nil, nil, 0, err
	}
	ex = &exchange{path: req.URL.EscapedPath(), logPath: req.URL.Path}
	ex.req.Method, ex.req.Protocol, ex.req.RawQuery, ex.req.Host, ex.req.Header = req.Method, req.Proto, req.URL.RawQuery, req.Host, req.Header
	if len(body) > 0 {
		ex.req.Body = body
	}
	return ex, mh, skipped + len(raw) - r.Len() - br.Buffered(), nil
}

// chunkedBodyError is net/http's refusal of a chunked body. fasthttp's chunked reader is more lenient:
// it reads any text after a chunk size up to the CR as an extension ("0X" is 0, "5 " is 5) and skips
// trailer lines without a colon. Accepted: the fasthttp front end closes the connection after every
// chunked request, so no byte after the body is ever read as a request whatever the reader decided.
type chunkedBodyError struct{ err error }

func (e chunkedBodyError) Error() string { return e.err.Error() }

// lastChunkEnd returns where the last chunk of a request of a chunked body ends in raw, as net/http
// reads it: the trailer section starts there. ok is false when raw holds no such request.
func lastChunkEnd(raw []byte) (int, bool) {
	skipped := len(raw) - len(bytes.TrimLeft(raw, "\r\n"))
	r := bytes.NewReader(raw[skipped:])
	br := bufio.NewReaderSize(r, 64<<10)
	req, err := http.ReadRequest(br)
	if err != nil || len(req.TransferEncoding) == 0 {
		return 0, false
	}
	start := len(raw) - r.Len() - br.Buffered()
	r = bytes.NewReader(raw[start:])
	br = bufio.NewReader(r)
	if _, err := io.Copy(io.Discard, httputil.NewChunkedReader(br)); err != nil {
		return 0, false
	}
	return len(raw) - r.Len() - br.Buffered(), true
}

// nextRequest follows a request, as on a connection that stays open.
const nextRequest = "GET /next HTTP/1.1\r\nHost: n\r\n\r\n"

// FuzzFastRequest: the fasthttp front end (fasthttp's parser, then read) accepts only requests the
// net/http front end accepts, and reads the same method, path, query, host, header and body from
// them, ending the request at the same byte; so a request cannot be read one way by one front end
// and another way by the other, or by a proxy in front that parses as net/http does. The
// differences, each checked on the request:
//   - net/http ignores Transfer-Encoding on HTTP/1.0 and frames by Content-Length; fasthttp decodes
//     chunked, and read drops Content-Length;
//   - net/http answers 417 to an Expect other than 100-continue; fasthttp passes it on;
//   - CONNECT, whose authority-form target net/http reads as host:port (refusing another), where
//     readTarget reads any target as url.ParseRequestURI does: no route serves CONNECT;
//   - a chunked body whose trailer section the end of the input cuts, or follows before fasthttp
//     can see past the section: fasthttp ends the request after the last chunk (the connection
//     ends anyway), where net/http refuses it. net/http must read it with an empty trailer section
//     as fasthttp did; and with a next request after it, read as fasthttp reads it;
//   - empty lines before the request line, which fasthttp skips (RFC 9112, 2.2) and net/http skips
//     only after a POST on the same connection.
func FuzzFastRequest(f *testing.F) {
	for _, s := range headerBlockSeeds {
		f.Add([]byte("GET /a?b=1 HTTP/1.1\r\n" + s + "hello"))
		f.Add([]byte("POST /a HTTP/1.0\r\n" + s + "hello"))
	}
	for _, s := range []string{
		"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nhello\r\n0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\u00a0\r\n\r\n0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \u017fhunked\r\n\r\n0\r\n\r\n",
		"POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
		"POST /p HTTP/1.1\r\nHost: h\r\nExpect: x\r\n\r\n",
		"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET  /a HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a HTTP/1.1 \r\nHost: h\r\n\r\n",
		"G\x01T /a HTTP/1.1\r\nHost: h\r\n\r\n",
		"G\rT /a HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET http://h2/a?x HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET * HTTP/1.1\r\nHost: h\r\n\r\n",
		"CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a HTTP/1.2\r\n\r\n",
		"GET /a HTTP/1.0\r\n\r\n",
		"GET /a HTTP/2.0\r\nHost: h\r\n\r\n",
		"GET /a HTTP/0.9\r\nHost: h\r\n\r\n",
		"GET /a\r\n\r\n",
		"GET /a HTTP/1.1\nHost: h\n\n",
		"\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fex, fn, ok := fastRead(raw)
		if !ok || fex.req.Method == "CONNECT" {
			return
		}
		nex, mh, nn, err := netHTTPRead(raw)
		if start, ok := lastChunkEnd(raw); err != nil && ok && fn == start {
			// fasthttp ended the request after its last chunk, without the trailer section, which the end
			// of the input cuts or follows too soon for it to see past: net/http must read the request
			// with an empty trailer section as fasthttp did; and with a next request after it, when fasthttp
			// reads it, net/http must too, ending it at the same byte.
			if nex, mh, _, err = netHTTPRead(append(bytes.Clone(raw[:start]), "\r\n"...)); err == nil {
				nn = fn
				next := append(bytes.Clone(raw), nextRequest...)
				_, fn2, ok := fastRead(next)
				_, _, nn2, err2 := netHTTPRead(next)
				var lenient chunkedBodyError
				if ok && !errors.As(err2, &lenient) && (err2 != nil || fn2 != nn2) {
					t.Fatalf("request %q: the fasthttp front end read %d bytes of it (%v), net/http %d (%v)", next, fn2, ok, nn2, err2)
				}
			}
		}
		if err != nil {
			if strings.HasPrefix(err.Error(), "417") {
				return
			}
			if lenient := (chunkedBodyError{}); errors.As(err, &lenient) && fex.fw.isOwn("Connection") {
				return
			}
			t.Fatalf("the fasthttp front end reads %q; net/http refuses it: %v", raw, err)
		}
		if fex.req.Method != nex.req.Method || fex.req.Protocol != nex.req.Protocol || fex.path != nex.path ||
			fex.logPath != nex.logPath || fex.req.RawQuery != nex.req.RawQuery || fex.req.Host != nex.req.Host {
			t.Fatalf("request %q: fasthttp front end read %q %q %q %q %q host %q; net/http %q %q %q %q %q host %q", raw,
				fex.req.Method, fex.req.Protocol, fex.path, fex.logPath, fex.req.RawQuery, fex.req.Host,
				nex.req.Method, nex.req.Protocol, nex.path, nex.logPath, nex.req.RawQuery, nex.req.Host)
		}
		http10TE := nex.req.Protocol == "HTTP/1.0" && mh["Transfer-Encoding"] != nil
		want := nex.req.Header.Clone()
		if http10TE {
			delete(want, "Content-Length")
		}
		got := fex.req.Header.Clone()
		if pragma := got["Pragma"]; len(pragma) > 0 && pragma[0] == "no-cache" && got["Cache-Control"] == nil {
			got["Cache-Control"] = []string{"no-cache"}
		}
		if !maps.EqualFunc(want, got, slices.Equal) {
			t.Fatalf("request %q: the front ends read different headers (-net/http +fasthttp):\n%s", raw, cmp.Diff(want, got))
		}
		if !http10TE && !bytes.Equal(fex.req.Body, nex.req.Body) {
			t.Fatalf("request %q: the fasthttp front end read the body %q; net/http %q", raw, fex.req.Body, nex.req.Body)
		}
		if !http10TE && fn != nn {
			t.Fatalf("request %q: the fasthttp front end read %d bytes of it, net/http %d", raw, fn, nn)
		}
	})
}

// readHeaders is parseHeaders on the bytes of a header block.
func readHeaders(raw []byte, http11 bool) (http.Header, string, error) {
	return parseHeaders(string(raw), http11)
}
