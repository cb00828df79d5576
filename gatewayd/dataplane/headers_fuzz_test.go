package dataplane

import (
	"maps"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/http/httpguts"
)

// encodeHeader writes h in the form decodeHeader reads: per name, its length, the name, the number of
// values, then each value's length and bytes. A name of nil values has the count 255.
func encodeHeader(h [][]string) []byte {
	var b []byte
	for _, kv := range h {
		b = append(b, byte(len(kv[0])))
		b = append(b, kv[0]...)
		if kv[1:] == nil {
			b = append(b, 255)
			continue
		}
		b = append(b, byte(len(kv)-1))
		for _, v := range kv[1:] {
			b = append(b, byte(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// decodeHeader reads any bytes as a header (see encodeHeader), so that names and values can hold any
// byte. A name seen again replaces the earlier one. It reads at most maxFuzzHeaders names: more
// would only add orders of map iteration, which the coverage sees as new.
func decodeHeader(b []byte) http.Header {
	const maxFuzzHeaders = 8
	h := http.Header{}
	next := func() []byte {
		if len(b) == 0 {
			return nil
		}
		n := min(int(b[0]), len(b)-1)
		s := b[1 : 1+n]
		b = b[1+n:]
		return s
	}
	for n := 0; len(b) > 0 && n < maxFuzzHeaders; n++ {
		name := string(next())
		if len(b) == 0 || b[0] == 255 {
			h[name] = nil
			if len(b) > 0 {
				b = b[1:]
			}
			continue
		}
		vv := make([]string, b[0]%8)
		b = b[1:]
		for i := range vv {
			vv[i] = string(next())
		}
		h[name] = vv
	}
	return h
}

// isConnectionHeader reports whether name, in any case, frames one connection (RFC 9110, 7.6.1; and
// Content-Length), independently of connectionHeaders.
func isConnectionHeader(name string) bool {
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	switch string(b) {
	case "connection", "content-length", "keep-alive", "proxy-connection", "proxy-authenticate",
		"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade":
		return true
	}
	return false
}

// FuzzClientHeaders: clientHeaders keeps exactly the headers whose name is an RFC 9110 token and not a
// connection header (in any case), and whose values are all valid; it keeps them unchanged, names the
// others as dropped, returns its input itself when it drops nothing, and never modifies its input.
func FuzzClientHeaders(f *testing.F) {
	for _, h := range [][][]string{
		{{"Content-Type", "application/json"}, {"X-A", "1", "2"}},
		{{"Content-Length", "5"}, {"X-A", "1"}},
		{{"content-length", "5"}},
		{{"Transfer-Encoding", "chunked"}, {"Connection", "close"}, {"Keep-Alive", "x"}, {"Te", "trailers"},
			{"Trailer", "X"}, {"Upgrade", "h2c"}, {"Proxy-Connection", "x"}, {"Proxy-Authenticate", "x"}, {"Proxy-Authorization", "x"}},
		{{"TE", "trailers"}, {"connection", "close"}, {"UPGRADE", "h2c"}},
		{{"X-A", "a\r\nSet-Cookie: x=1"}},
		{{"X-A", "a\nb"}, {"X-B", "ok"}},
		{{"X-A", "a\rb"}},
		{{"X-A", "a\x00b"}},
		{{"X-A", "a\tb"}, {"X-B", "caf\xc3\xa9"}, {"X-C", "\x7f"}},
		{{"X-A\r\nX-B", "1"}},
		{{"X A", "1"}},
		{{"X:A", "1"}},
		{{"", "1"}},
		{{"X-A"}},
		{{"X-A", ""}},
		{{"\u212aeep-Alive", "1"}},
		{{"X-\xff", "1"}},
	} {
		f.Add(encodeHeader(h))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := decodeHeader(data)
		before := make(http.Header, len(h))
		for k, vv := range h {
			before[k] = slices.Clone(vv)
		}
		out, dropped := clientHeaders(h)
		if !maps.EqualFunc(before, h, func(a, b []string) bool { return slices.Equal(a, b) && (a == nil) == (b == nil) }) {
			t.Fatalf("clientHeaders modified its input (-before +after):\n%s", cmp.Diff(before, h))
		}

		isDropped := map[string]bool{}
		for _, k := range dropped {
			isDropped[k] = true
		}
		kept := 0
		for k, vv := range h { // in full: the coverage does not depend on the order
			want := httpguts.ValidHeaderFieldName(k) && !isConnectionHeader(k)
			for _, v := range vv {
				want = want && httpguts.ValidHeaderFieldValue(v)
			}
			got, ok := out[k]
			switch {
			case want && !ok:
				t.Fatalf("clientHeaders(%q) dropped %q: %q", h, k, vv)
			case !want && ok:
				t.Fatalf("clientHeaders(%q) kept %q: %q", h, k, vv)
			case ok && (!slices.Equal(got, vv) || (got == nil) != (vv == nil)):
				t.Fatalf("clientHeaders(%q) changed %q to %q", h, vv, got)
			case !ok && !isDropped[k]:
				t.Fatalf("clientHeaders(%q) dropped %q without naming it (%q)", h, k, dropped)
			}
			if ok {
				kept++
			}
		}
		if len(out) != kept || len(dropped) != len(h)-kept || len(isDropped) != len(dropped) {
			t.Fatalf("clientHeaders(%q) = %q, dropped %q", h, out, dropped)
		}
		if same := reflect.ValueOf(out).UnsafePointer() == reflect.ValueOf(h).UnsafePointer(); same != (dropped == nil) {
			t.Fatalf("clientHeaders(%q) returned its input: %v, but dropped %q", h, same, dropped)
		}
	})
}
