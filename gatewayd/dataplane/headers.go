package dataplane

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// connectionHeaders frame one connection (RFC 9110, 7.6.1, and Content-Length): the front end writes
// its own, and an answer's would let whoever made it (a backend, a function, a mapping template)
// split or smuggle responses on the client's connection.
var connectionHeaders = [...]string{
	"Connection", "Content-Length", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// connectionHeader reports whether the token name is one of connectionHeaders, in any case. It
// compares in place: canonicalizing the name and hashing it cost more for every answer header.
func connectionHeader(name string) bool {
	for _, k := range connectionHeaders {
		// A token is ASCII, so EqualFold folds only ASCII letters, as canonicalizing would.
		if len(k) == len(name) && strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// clientHeaders returns the headers of an answer that may reach a client, and the names of those it
// left out. Every answer passes here whatever made it, so both front ends write the same headers: a
// name must be an RFC 9110 token and a value must hold no CR, LF, NUL or other control character
// (HTAB aside), else the header is dropped (and logged by the caller) rather than written raw, which
// would let a backend or a function inject headers or a whole response. Connection headers are the
// front end's own. When nothing is left out, h itself is returned: no allocation on the common path.
func clientHeaders(h http.Header) (http.Header, []string) {
	ok := true
	for k, vv := range h {
		if !validHeader(k, vv) {
			ok = false
			break
		}
	}
	if ok {
		return h, nil
	}
	out := make(http.Header, len(h))
	var dropped []string
	for k, vv := range h {
		if !validHeader(k, vv) {
			dropped = append(dropped, k)
			continue
		}
		out[k] = vv
	}
	return out, dropped
}

func validHeader(name string, values []string) bool {
	// In any case: net/http writes "content-length" beside its own (seed of FuzzClientHeaders).
	if !httpguts.ValidHeaderFieldName(name) || connectionHeader(name) {
		return false
	}
	for _, v := range values {
		if !httpguts.ValidHeaderFieldValue(v) {
			return false
		}
	}
	return true
}
