package dataplane

import (
	"strings"
	"testing"
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
