package cache

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/http/httpguts"
)

// FuzzDecodeEntry: what Redis hands back is bytes another process could have written. decodeEntry
// never panics, and an entry it accepts has a status and headers a client may be sent, and encodes
// back to an entry that decodes the same.
func FuzzDecodeEntry(f *testing.F) {
	now := time.UnixMilli(1_700_000_000_123)
	f.Add(encodeEntry(&Entry{Status: 200, Header: http.Header{"A": {"1", ""}}, Body: []byte("body")}, now, now.Add(time.Minute)))
	f.Add(encodeEntry(&Entry{Status: 200, Header: http.Header{"Bad\r\nName": {"x"}}}, now, now))
	f.Add(encodeEntry(&Entry{Status: 200, Header: http.Header{"A": {"x\r\nSet-Cookie: y"}}}, now, now))
	f.Add(encodeEntry(&Entry{Status: 9999}, now, now))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := decodeEntry(s)
		if err != nil {
			return
		}
		if e.Status < 100 || e.Status > 599 {
			t.Fatalf("accepted status %d", e.Status)
		}
		for k, vs := range e.Header {
			if !httpguts.ValidHeaderFieldName(k) {
				t.Fatalf("accepted header name %q", k)
			}
			for _, v := range vs {
				if !httpguts.ValidHeaderFieldValue(v) {
					t.Fatalf("accepted header value %q", v)
				}
			}
		}
		again, err := decodeEntry(encodeEntry(e, e.StoredAt, e.Expires))
		if err != nil {
			t.Fatalf("re-encoded entry does not decode: %v", err)
		}
		if diff := cmp.Diff(e, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
