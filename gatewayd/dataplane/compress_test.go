package dataplane

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"testing"
)

func TestAcceptedEncoding(t *testing.T) {
	for _, tc := range []struct{ accept, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"deflate, gzip;q=1.0, *;q=0.5", "gzip"},
		{"deflate", "deflate"},
		{"gzip;q=0, deflate", "deflate"},
		{"gzip;q=0.2, deflate;q=0.8", "deflate"},
		{"br", ""},
		{"br, *", "gzip"},
		{"*;q=0", ""},
		{"identity", ""},
		{"GZIP", "gzip"},
		{"x-gzip", "gzip"},
		{"gzip;q=nonsense", ""},
	} {
		if got := acceptedEncoding(tc.accept); got != tc.want {
			t.Errorf("acceptedEncoding(%q) = %q, want %q", tc.accept, got, tc.want)
		}
	}
}

func TestCompressAnswer(t *testing.T) {
	body := bytes.Repeat([]byte(`{"name": "gatewayd"},`), 100)
	h := http.Header{"Content-Type": {"application/json"}, "Vary": {"Origin"}}
	gotH, gotBody := compressAnswer(100, "gzip", h, body)
	if gotH.Get("Content-Encoding") != "gzip" || len(gotBody) >= len(body) {
		t.Fatalf("compressAnswer = %v, %d bytes, want gzip smaller than %d", gotH, len(gotBody), len(body))
	}
	if v := gotH["Vary"]; len(v) != 2 || v[1] != "Accept-Encoding" || len(h["Vary"]) != 1 || h.Get("Content-Encoding") != "" {
		t.Errorf("headers = %v (given %v), want Vary added to a copy", gotH, h)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gotBody))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, body) {
		t.Errorf("gunzip = %d bytes, %v, want the body", len(plain), err)
	}
	_, z := compressAnswer(0, "deflate", h, body)
	zl, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zl); err != nil || !bytes.Equal(plain, body) {
		t.Errorf("inflate = %d bytes, %v, want the body", len(plain), err)
	}
	for _, tc := range []struct {
		min    int
		accept string
		h      http.Header
	}{
		{len(body) + 1, "gzip", h}, // below the minimum
		{100, "", h},               // not asked for
		{100, "gzip", http.Header{"Content-Encoding": {"br"}}}, // already encoded by the backend
	} {
		if gotH, got := compressAnswer(tc.min, tc.accept, tc.h, body); !bytes.Equal(got, body) || gotH.Get("Content-Encoding") != tc.h.Get("Content-Encoding") {
			t.Errorf("compressAnswer(%d, %q, %v) changed the answer", tc.min, tc.accept, tc.h)
		}
	}
}

func BenchmarkCompressAnswer(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10} {
		body := bytes.Repeat([]byte(`{"id": 12345, "name": "gatewayd", "tags": ["a", "b"]},`), size/40+1)[:size]
		h := http.Header{"Content-Type": {"application/json"}}
		b.Run(map[int]string{1 << 10: "1KiB", 16 << 10: "16KiB"}[size], func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				_, out = compressAnswer(0, "gzip", h, body)
			}
			b.ReportMetric(float64(len(out)), "out-bytes")
		})
	}
}
