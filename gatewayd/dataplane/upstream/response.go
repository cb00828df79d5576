package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// maxHeaderBytes caps a backend's status line and headers.
const maxHeaderBytes = 64 << 10

// maxInformational caps the 1xx answers read before the real one.
const maxInformational = 8

var errMalformed = errors.New("malformed backend response")

// readResponseInto reads one HTTP/1.x response, its head into resp (the caller's, so that it need not
// be allocated), leaving the headers in drop out (Request.DropResponse). It parses the header block in
// place and converts it to strings once, which costs a fraction of http.ReadResponse's allocations on
// the hot path.
func (c *Client) readResponseInto(br *bufio.Reader, method string, drop map[string]bool, resp *responseHead) (body []byte, err error) {
	for n := 0; ; n++ {
		if err = readHeadInto(br, drop, resp); err != nil {
			return nil, err
		}
		// 1xx answers other than 101 precede the real one.
		if resp.status >= 200 || resp.status == http.StatusSwitchingProtocols {
			break
		}
		if n == maxInformational { // else endless 100s hold the call until its timeout (FuzzReadResponse seed)
			return nil, fmt.Errorf("%w: too many informational answers", errMalformed)
		}
	}
	if resp.status == http.StatusSwitchingProtocols {
		resp.close = true // the connection speaks another protocol now (FuzzReadResponse seed)
	}
	if method == http.MethodHead || resp.status == http.StatusNoContent || resp.status == http.StatusNotModified || resp.status < 200 {
		return nil, nil
	}
	switch {
	case resp.chunked:
		body, err = c.readChunked(br)
	case resp.contentLength >= 0:
		if c.MaxResponseBytes > 0 && resp.contentLength > c.MaxResponseBytes {
			return nil, ErrResponseTooLarge
		}
		body = make([]byte, resp.contentLength)
		_, err = io.ReadFull(br, body)
	default:
		resp.close = true // the body runs to the end of the connection
		body, err = c.readLimited(br)
	}
	if err != nil {
		return nil, err
	}
	return body, nil
}

type responseHead struct {
	status        int
	header        http.Header
	contentLength int64
	chunked       bool
	close         bool
}

// readHeadInto reads a status line and headers into r, leaving the headers in drop out of the
// answer's Header, and with them those its Connection header names.
func readHeadInto(br *bufio.Reader, drop map[string]bool, r *responseHead) error {
	text, err := bufferedHead(br)
	if err != nil {
		return err
	}
	if text == "" {
		// Collect the header block, up to the empty line.
		var block []byte
		for {
			line, err := br.ReadSlice('\n')
			if err == bufio.ErrBufferFull || len(block)+len(line) > maxHeaderBytes {
				return fmt.Errorf("%w: headers too large", errMalformed)
			}
			if err != nil {
				return err
			}
			block = append(block, line...)
			if len(line) <= 2 && len(block) > len(line) && (string(line) == "\r\n" || string(line) == "\n") {
				break
			}
		}
		text = string(block) // one allocation holds every name and value
	}
	*r = responseHead{contentLength: -1, header: make(http.Header, 8)}
	// One backing array for the values: a slice per header would cost an allocation each.
	values := make([]string, 0, strings.Count(text, "\n"))

	line, rest := cutLine(text)
	proto, statusText, ok := cut(line, ' ')
	if !ok || len(proto) < 8 || proto[:7] != "HTTP/1." {
		return fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	code, _, _ := cut(statusText, ' ')
	status, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || status < 100 {
		return fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	r.status = status
	if proto == "HTTP/1.0" {
		r.close = true
	}
	// The values of Connection when it is dropped: the names they list are dropped too.
	var connBuf [2]string
	conn := connBuf[:0]
	for {
		line, rest = cutLine(rest)
		if line == "" {
			break
		}
		name, value, ok := cut(line, ':')
		if !ok || name == "" || name[len(name)-1] == ' ' || name[0] == ' ' || name[0] == '\t' {
			return fmt.Errorf("%w: header line %q", errMalformed, line)
		}
		value = strings.Trim(value, " \t") // OWS only: a CR stays, to be refused (FuzzReadResponse seed)
		key := CanonicalKey(name)
		switch key {
		case "Content-Length":
			n, err := strconv.ParseInt(value, 10, 64)
			// Digits only, not "+5" or "-0" (FuzzReadResponse seed).
			if err != nil || n < 0 || strings.Trim(value, "0123456789") != "" || (r.contentLength >= 0 && r.contentLength != n) {
				return fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			r.contentLength = n
		case "Transfer-Encoding":
			if value != "chunked" && value != "Chunked" || r.chunked { // once, as net/http (FuzzReadResponse seed)
				return fmt.Errorf("%w: unsupported Transfer-Encoding %q", errMalformed, value)
			}
			r.chunked = true
		case "Connection":
			if httpguts.HeaderValuesContainsToken([]string{value}, "close") { // also in a list (FuzzReadResponse seed)
				r.close = true
			}
		}
		if drop[key] {
			if key == "Connection" {
				conn = append(conn, value)
			}
			continue
		}
		values = append(values, value)
		if vv := r.header[key]; vv != nil {
			r.header[key] = append(vv, value)
		} else {
			// Capped, so that an append by a later step copies.
			r.header[key] = values[len(values)-1 : len(values) : len(values)]
		}
	}
	if r.chunked {
		r.contentLength = -1 // Transfer-Encoding wins (RFC 9112 6.3)
		delete(r.header, "Content-Length")
	}
	for _, v := range conn {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				delete(r.header, http.CanonicalHeaderKey(f))
			}
		}
	}
	return nil
}

// bufferedHead returns the header block as one string when all of it is in br's buffer already (the
// common case: a backend's head comes in one segment), without the line-by-line copy; "" when it is
// not, leaving br as it was but filled.
func bufferedHead(br *bufio.Reader) (string, error) {
	if br.Buffered() == 0 {
		if _, err := br.Peek(1); err != nil {
			return "", err
		}
	}
	buf, _ := br.Peek(br.Buffered())
	// The block ends with the first empty line after the first line, as in readHead's loop.
	first := bytes.IndexByte(buf, '\n')
	if first < 0 {
		return "", nil
	}
	for i := first + 1; i < len(buf); {
		switch {
		case buf[i] == '\n':
			return takeHead(br, buf, i+1)
		case buf[i] == '\r' && i+1 < len(buf) && buf[i+1] == '\n':
			return takeHead(br, buf, i+2)
		}
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return "", nil
		}
		i += j + 1
	}
	return "", nil
}

func takeHead(br *bufio.Reader, buf []byte, n int) (string, error) {
	if n > maxHeaderBytes {
		return "", fmt.Errorf("%w: headers too large", errMalformed)
	}
	text := string(buf[:n])
	br.Discard(n)
	return text, nil
}

// CanonicalKey is http.CanonicalHeaderKey without its check of every byte, and without allocating,
// when name is in canonical form already: as backends send their names, and as fasthttp leaves a
// client's (it normalizes names in place).
func CanonicalKey(name string) string {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (upper && 'a' <= c && c <= 'z') || (!upper && 'A' <= c && c <= 'Z') {
			return http.CanonicalHeaderKey(name)
		}
		upper = c == '-'
	}
	return name
}

func cutLine(s string) (line, rest string) {
	line, rest, _ = cut(s, '\n')
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (c *Client) readLimited(r io.Reader) ([]byte, error) {
	if c.MaxResponseBytes > 0 {
		r = io.LimitReader(r, c.MaxResponseBytes+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if c.MaxResponseBytes > 0 && int64(len(b)) > c.MaxResponseBytes {
		return nil, ErrResponseTooLarge
	}
	return b, nil
}

func (c *Client) readChunked(br *bufio.Reader) ([]byte, error) {
	body, err := c.readLimited(httputil.NewChunkedReader(br))
	if err != nil {
		return nil, err
	}
	// Skip the trailer section, which ends with an empty line.
	for n := 0; ; n++ {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return body, nil
		}
		if n > 100 {
			return nil, fmt.Errorf("%w: too many trailers", errMalformed)
		}
	}
}
