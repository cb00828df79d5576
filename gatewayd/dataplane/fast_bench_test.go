package dataplane

import (
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkReadHeaders parses the header blocks of the proxy row of make bench (wrk's) and of its
// key+JWT row (an API key and an RS256 ID token of about 850 bytes).
func BenchmarkReadHeaders(b *testing.B) {
	token := "eyJ" + strings.Repeat("x", 850)
	for name, head := range map[string]string{
		"proxy":  "Host: 127.0.0.1:8080\r\n\r\n",
		"keyjwt": "Host: 127.0.0.1:8080\r\nX-Api-Key: bench-key-0123456789abcdef0123456789\r\nAuthorization: Bearer " + token + "\r\n\r\n",
	} {
		raw := []byte(head)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := readHeaders(raw, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFastResponder answers as the proxy row does: the request id, then a backend answer's
// headers.
func BenchmarkFastResponder(b *testing.B) {
	var fc fasthttp.RequestCtx
	id := newRequestID()
	h := http.Header{"Content-Type": {"application/json"}, "Date": {"Tue, 01 Dec 2026 23:00:00 GMT"}, "Etag": {`"abc"`}}
	body := []byte(`{"id":1}`)
	b.ReportAllocs()
	for b.Loop() {
		r := fastResponder{fc: &fc}
		r.setHeader("X-Gatewayd-Request-Id", id)
		r.send(200, h, body)
		fc.Response.Reset()
	}
}

func BenchmarkNewRequestID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		newRequestID()
	}
}

// BenchmarkClientHeaders checks a backend answer's headers, as every answer is.
func BenchmarkClientHeaders(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}, "Date": {"Tue, 01 Dec 2026 23:00:00 GMT"}, "Etag": {`"abc"`},
		"Cache-Control": {"no-cache"}, "X-Amzn-Trace-Id": {"Root=1-5e1b4151-5ac6c58f5b5d3e6d3c8d4e5f"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, dropped := clientHeaders(h); dropped != nil {
			b.Fatal(dropped)
		}
	}
}
