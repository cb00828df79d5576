package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/http/httpguts"
)

const (
	// fuzzMaxBody is the fuzzed client's MaxResponseBytes: small, so that small inputs reach it.
	fuzzMaxBody = 256
	// bufSize is the size of the client's connection readers (dial).
	bufSize = 8 << 10
	// readBudget bounds what readResponse may read before it decides, whatever the backend sends:
	// maxInformational 1xx heads and the real one, each of at most maxHeaderBytes plus a line; a body
	// of at most fuzzMaxBody+1 bytes, each chunk of n bytes framed by at most 18+2n bytes, plus 16 KiB
	// (httputil's chunked reader refuses more); 102 trailer lines of at most bufSize bytes; and what
	// the bufio.Reader reads ahead.
	readBudget = (maxInformational+1)*(maxHeaderBytes+bufSize) + 21*(fuzzMaxBody+1) + 16<<10 + 102*bufSize + bufSize
)

var errBudget = errors.New("read budget exhausted")

// cyclic reads data over and over, as a backend that never stops sending would, and fails once it has
// given limit bytes.
type cyclic struct {
	data   []byte
	off, n int
	limit  int
}

func (c *cyclic) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	if c.n >= c.limit {
		return 0, errBudget
	}
	p = p[:min(len(p), c.limit-c.n)]
	k := 0
	for k < len(p) {
		m := copy(p[k:], c.data[c.off:])
		k += m
		c.off = (c.off + m) % len(c.data)
	}
	c.n += k
	return k, nil
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

// heapAllocated returns the bytes the program has allocated so far. Counted per span taken, it may
// run ahead of the truth by some spans: bounds on it must be loose.
func heapAllocated() uint64 {
	metrics.Read(allocSample)
	return allocSample[0].Value.Uint64()
}

// rawHead is a head of an answer as readHead saw it, with its raw bytes.
type rawHead struct {
	statusLine string
	raw        string
	head       *responseHead
}

// heads reads the heads of the answer in data as readResponse does, keeping their raw text.
func heads(data []byte) []rawHead {
	r := bytes.NewReader(data)
	br := bufio.NewReaderSize(r, bufSize)
	var out []rawHead
	for {
		start := len(data) - r.Len() - br.Buffered()
		h, err := readHead(br)
		if err != nil {
			return out
		}
		raw := string(data[start : len(data)-r.Len()-br.Buffered()])
		line, _, _ := strings.Cut(raw, "\n")
		out = append(out, rawHead{statusLine: strings.TrimSuffix(line, "\r"), raw: raw, head: h})
		if h.status >= 200 || h.status == http.StatusSwitchingProtocols {
			return out
		}
	}
}

// contentLengths returns the Content-Length values of a raw head, trimmed as net/http trims them.
func contentLengths(raw string) []string {
	var out []string
	for _, line := range strings.Split(raw, "\n")[1:] {
		name, value, ok := strings.Cut(line, ":")
		if ok && http.CanonicalHeaderKey(name) == "Content-Length" {
			out = append(out, textproto.TrimString(value))
		}
	}
	return out
}

// netHTTPRead reads the answer in data as net/http's Transport does: http.ReadResponse, past the
// informational answers but 101, then the whole body.
func netHTTPRead(data []byte, method string) (resp *http.Response, body []byte, bodyErr, err error) {
	br := bufio.NewReaderSize(bytes.NewReader(data), bufSize)
	for {
		resp, err = http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return nil, nil, nil, err
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	body, bodyErr = io.ReadAll(resp.Body)
	return resp, body, bodyErr, nil
}

// FuzzReadResponse checks readResponse (readHead, readChunked) on any bytes from a backend.
//
// Whatever the bytes: no panic; allocation bounded by the input and MaxResponseBytes, not by what the
// backend declares; and a backend that never stops sending (the bytes repeated without end) gets an
// answer or an error within a bounded read, however many informational answers it sends.
//
// When readResponse accepts: the status is 101 or 200..999; the body is at most MaxResponseBytes, none
// for HEAD, 1xx, 204 and 304, else exactly Content-Length bytes, which is digits only and one value
// (repeats being equal), and absent beside Transfer-Encoding: chunked; a body that runs to the end of
// the connection closes it. And net/http reads the same answer with the same status, header and
// body, and does not keep a connection open that readResponse closes, but for these differences,
// each checked on the bytes:
//   - readHead takes any status line version "HTTP/1.*"; net/http wants HTTP/1.<digit>;
//   - readHead keeps header names that are not tokens and values with control characters, which
//     net/http refuses: the data plane drops those (clientHeaders) before any client sees them;
//   - repeated Content-Length values that are the same number written differently ("5" and "05"),
//     which net/http refuses;
//   - a Transfer-Encoding on an HTTP/1.0 answer, which net/http ignores (reading to the end) and
//     readResponse honours, closing the connection after it (RFC 9112, 6.1);
//   - readChunked skips the trailer section unparsed; net/http refuses a malformed one after the
//     same body;
//   - net/http keeps Content-Length beside Transfer-Encoding for a 1xx, 204 or 304 answer, or one to
//     HEAD (it reads no body there); readHead drops it, as for any chunked answer.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: -0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 257\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 256\r\n\r\n" + strings.Repeat("c", 256),
		"HTTP/1.1 200 OK\r\nContent-Length\t: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n101\r\n" + strings.Repeat("a", 257) + "\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1\r\na\r\n", 257) + "0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("b", 257),
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nframes",
		"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-Hop: 1\r\nConnection: x-hop, Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: a\x00\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\r\n\r\nok",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 999 High\r\n\r\n",
		"HTTP/1.1 +20 Sign\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.x 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2 200\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Long: "+strings.Repeat("v", 1000)+"\r\n", 70) + "\r\n",
		"",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		c := &Client{MaxResponseBytes: fuzzMaxBody}

		endless := &cyclic{data: data, limit: readBudget}
		if _, _, err := c.readResponse(bufio.NewReaderSize(endless, bufSize), method); errors.Is(err, errBudget) {
			t.Fatalf("readResponse read %d bytes of %q repeated without deciding", endless.n, data)
		}

		before := heapAllocated()
		resp, body, err := c.readResponse(bufio.NewReaderSize(bytes.NewReader(data), bufSize), method)
		if n, limit := heapAllocated()-before, 1<<20+128*uint64(len(data))+4*fuzzMaxBody; n > limit {
			t.Fatalf("readResponse(%q) allocated %d bytes, over %d", data, n, limit)
		}
		checkDropped(t, c, data, method, resp, body, err)
		if err != nil {
			return
		}

		if resp.status < 200 && resp.status != http.StatusSwitchingProtocols || resp.status > 999 {
			t.Fatalf("readResponse(%q) answered status %d", data, resp.status)
		}
		if len(body) > fuzzMaxBody {
			t.Fatalf("readResponse(%q) read a body of %d bytes, over MaxResponseBytes", data, len(body))
		}
		cl := resp.header["Content-Length"]
		if resp.chunked && (resp.contentLength != -1 || cl != nil) {
			t.Fatalf("readResponse(%q) kept Content-Length %d %q beside chunked", data, resp.contentLength, cl)
		}
		if !resp.chunked && (len(cl) == 0) != (resp.contentLength == -1) {
			t.Fatalf("readResponse(%q) read Content-Length %q as %d", data, cl, resp.contentLength)
		}
		for _, v := range cl {
			n, err := strconv.ParseUint(v, 10, 63)
			if err != nil || strings.Trim(v, "0123456789") != "" || int64(n) != resp.contentLength {
				t.Fatalf("readResponse(%q) read Content-Length %q as %d", data, cl, resp.contentLength)
			}
		}
		noBody := method == http.MethodHead || resp.status < 200 || resp.status == http.StatusNoContent || resp.status == http.StatusNotModified
		switch {
		case noBody && body != nil:
			t.Fatalf("readResponse(%q) read a body %q", data, body)
		case !noBody && resp.contentLength >= 0 && int64(len(body)) != resp.contentLength:
			t.Fatalf("readResponse(%q) read %d bytes of a body of %d", data, len(body), resp.contentLength)
		case !noBody && resp.contentLength < 0 && !resp.chunked && !resp.close:
			t.Fatalf("readResponse(%q) keeps the connection after a body that ran to its end", data)
		}

		hs := heads(data)
		final := hs[len(hs)-1]
		for _, h := range hs {
			if p, _, _ := strings.Cut(h.statusLine, " "); len(p) != 8 || p[7] < '0' || p[7] > '9' {
				return // the version: net/http wants HTTP/1.<digit>
			}
			for k, vv := range h.head.header {
				if !httpguts.ValidHeaderFieldName(k) {
					return // dropped later (clientHeaders)
				}
				for _, v := range vv {
					if !httpguts.ValidHeaderFieldValue(v) {
						return // dropped later (clientHeaders)
					}
				}
			}
			if cls := contentLengths(h.raw); len(cls) > 1 {
				for _, v := range cls[1:] {
					if v != cls[0] {
						return // the same number written differently
					}
				}
			}
		}
		nresp, nbody, nbodyErr, nerr := netHTTPRead(data, method)
		if nerr != nil {
			t.Fatalf("readResponse(%q) = %d %q, but net/http refuses it: %v", data, resp.status, body, nerr)
		}
		if nresp.StatusCode != resp.status {
			t.Fatalf("readResponse(%q) = status %d, net/http %d", data, resp.status, nresp.StatusCode)
		}
		http10TE := strings.HasPrefix(final.statusLine, "HTTP/1.0 ") && resp.chunked
		switch {
		case http10TE:
			// net/http reads to the end; both close.
		case nbodyErr != nil:
			if !resp.chunked || !bytes.Equal(nbody, body) {
				t.Fatalf("readResponse(%q) = %d %q, but net/http fails reading the body: %q, %v", data, resp.status, body, nbody, nbodyErr)
			}
		case !bytes.Equal(nbody, body):
			t.Fatalf("readResponse(%q) read the body %q, net/http %q", data, body, nbody)
		}
		want := nresp.Header.Clone()
		if resp.chunked || http10TE {
			delete(want, "Content-Length")
		}
		got := resp.header.Clone()
		delete(got, "Transfer-Encoding") // net/http moves it to resp.TransferEncoding
		if cl := got["Content-Length"]; len(cl) > 1 {
			got["Content-Length"] = cl[:1] // net/http keeps one of equal values
		}
		if nresp.ProtoMinor > 0 && httpguts.HeaderValuesContainsToken(got["Connection"], "close") {
			delete(got, "Connection") // net/http moves it to resp.Close
		}
		if !maps.EqualFunc(want, got, slices.Equal) {
			t.Fatalf("readResponse(%q) disagrees with net/http on the header (-net/http +readResponse):\n%s", data, cmp.Diff(want, got))
		}
		if !resp.close && (nresp.Close || nresp.StatusCode == http.StatusSwitchingProtocols) {
			t.Fatalf("readResponse(%q) keeps the connection open; net/http would not reuse it", data)
		}
	})
}

// fuzzDrop is what an HTTP_PROXY integration leaves out of an answer (integration.responseDrop):
// hop-by-hop headers, Content-Length and the request id.
var fuzzDrop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true, "X-Amzn-Requestid": true,
}

// checkDropped reads data again leaving fuzzDrop out, as the proxy does while parsing: the answer must
// be the one read in full (resp, body, err) with those headers, and the names its Connection header
// lists, removed afterwards; the framing must not change.
func checkDropped(t *testing.T, c *Client, data []byte, method string, resp *responseHead, body []byte, err error) {
	t.Helper()
	var got responseHead
	gotBody, gotErr := c.readResponseInto(bufio.NewReaderSize(bytes.NewReader(data), bufSize), method, fuzzDrop, &got)
	if (gotErr == nil) != (err == nil) {
		t.Fatalf("reading %q leaving headers out: error %v, reading it whole: %v", data, gotErr, err)
	}
	if err != nil {
		return
	}
	if got.status != resp.status || got.contentLength != resp.contentLength || got.chunked != resp.chunked || got.close != resp.close || !bytes.Equal(gotBody, body) {
		t.Fatalf("reading %q leaving headers out changed the framing: %d %d %v %v %q, whole: %d %d %v %v %q", data,
			got.status, got.contentLength, got.chunked, got.close, gotBody, resp.status, resp.contentLength, resp.chunked, resp.close, body)
	}
	want := resp.header.Clone()
	for _, v := range resp.header["Connection"] {
		for _, f := range strings.Split(v, ",") {
			delete(want, http.CanonicalHeaderKey(strings.TrimSpace(f)))
		}
	}
	for k := range fuzzDrop {
		delete(want, k)
	}
	if !maps.EqualFunc(want, got.header, slices.Equal) {
		t.Fatalf("reading %q leaving headers out (-want +got):\n%s", data, cmp.Diff(want, got.header))
	}
}

// readResponse is readResponseInto with nothing left out, into a new head.
func (c *Client) readResponse(br *bufio.Reader, method string) (*responseHead, []byte, error) {
	resp := new(responseHead)
	body, err := c.readResponseInto(br, method, nil, resp)
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}

// readHead is readHeadInto with nothing left out, into a new head.
func readHead(br *bufio.Reader) (*responseHead, error) {
	r := new(responseHead)
	if err := readHeadInto(br, nil, r); err != nil {
		return nil, err
	}
	return r, nil
}
