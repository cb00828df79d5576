package dataplane

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzCompressAnswer: Accept-Encoding is the client's to write. Whatever it says, the gateway picks
// gzip, deflate or nothing, only an encoding the header names (or "*"), and a compressed answer
// decompresses to the body it was given.
func FuzzCompressAnswer(f *testing.F) {
	for _, s := range []string{"", "gzip", "deflate, gzip;q=1.0, *;q=0.5", "gzip;q=0, deflate", "br, *", "*;q=0",
		"gzip;q=nonsense", "x-gzip;q=0.5;q=1", ";;,,=q", "GZIP;Q=1e308", "deflate;q=NaN", "gzip;q=-1, *"} {
		f.Add(s, []byte(`{"name":"gatewayd"}`))
	}
	f.Fuzz(func(t *testing.T, accept string, body []byte) {
		enc := acceptedEncoding(accept)
		lower := strings.ToLower(accept)
		switch enc {
		case "":
		case encodingGzip, encodingDeflate:
			if !strings.Contains(lower, enc) && !strings.Contains(lower, "*") {
				t.Fatalf("acceptedEncoding(%q) = %q, which the header does not name", accept, enc)
			}
		default:
			t.Fatalf("acceptedEncoding(%q) = %q, want gzip, deflate or none", accept, enc)
		}
		h := http.Header{"Content-Type": {"application/json"}}
		gotH, got := compressAnswer(0, accept, h, body)
		var r io.Reader
		switch ce := gotH.Get("Content-Encoding"); ce {
		case "":
			if !bytes.Equal(got, body) {
				t.Fatalf("uncompressed answer changed the body")
			}
			return
		case encodingGzip:
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("gzip answer does not open: %v", err)
			}
			r = zr
		case encodingDeflate:
			zr, err := zlib.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("deflate answer does not open: %v", err)
			}
			r = zr
		default:
			t.Fatalf("Content-Encoding %q for Accept-Encoding %q", ce, accept)
		}
		plain, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(plain, body) {
			t.Fatalf("decompressed answer = %d bytes, %v; want the %d-byte body", len(plain), err, len(body))
		}
	})
}
