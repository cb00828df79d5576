package dataplane_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// compressionAPI answers /big with a 2,000-byte JSON body and /small with a 20-byte one.
func compressionAPI(id string, minSize *int) *apiBuilder {
	b := newAPI(id)
	b.snap.RestAPI.MinimumCompressionSize = minSize
	big := `{"items": "` + strings.Repeat("gatewayd ", 220) + `"}`
	in, resp := mock("200", big)
	b.method("/big", "GET", in, resp)
	in, resp = mock("200", `{"small": "answer"}`)
	b.method("/small", "GET", in, resp)
	return b
}

// rawGet sends a GET with Accept-Encoding and returns the answer undecoded (Go's transport would
// otherwise ask for gzip itself and decode it).
func rawGet(t *testing.T, url, acceptEncoding string) (http.Header, []byte) {
	t.Helper()
	req := newRequest(t, "GET", url, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %q", url, resp.StatusCode, body)
	}
	return resp.Header, body
}

// TestMinimumCompressionSize: an API's minimum_compression_size compresses answers of at least that
// size for clients that accept gzip or deflate, on both servers; smaller answers, clients that do not
// ask and APIs without it get the body as it is.
func TestMinimumCompressionSize(t *testing.T) {
	size := 1000
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) {
			s := newServerOf(t, dataplane.Options{Server: kind})
			base := serve(t, s)
			setStage(t, s, "prod", nil, compressionAPI("gz1", &size))
			setStage(t, s, "prod", nil, compressionAPI("gz2", nil))

			h, body := rawGet(t, base+"/gz1/prod/big", "gzip, deflate, br")
			if h.Get("Content-Encoding") != "gzip" || h.Get("Vary") != "Accept-Encoding" || h.Get("Content-Length") != strconv.Itoa(len(body)) {
				t.Fatalf("big answer headers = %v, want gzip with Vary and the compressed length", h)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			if len(plain) < 1000 || !strings.HasPrefix(string(plain), `{"items": "gatewayd`) || len(body) >= len(plain)/4 {
				t.Errorf("gzip body %d bytes inflates to %d: %.40q, want the 2 kB answer, well compressed", len(body), len(plain), plain)
			}
			if h, _ := rawGet(t, base+"/gz1/prod/big", "deflate"); h.Get("Content-Encoding") != "deflate" {
				t.Errorf("deflate asked: Content-Encoding %q", h.Get("Content-Encoding"))
			}
			for _, tc := range []struct{ path, accept string }{
				{"/gz1/prod/small", "gzip"}, // under the minimum
				{"/gz1/prod/big", ""},       // not asked for
				{"/gz1/prod/big", "br"},     // nothing gatewayd makes
				{"/gz2/prod/big", "gzip"},   // the API does not compress
			} {
				if h, body := rawGet(t, base+tc.path, tc.accept); h.Get("Content-Encoding") != "" || !strings.HasPrefix(string(body), "{") {
					t.Errorf("GET %s (Accept-Encoding %q) = %v %.20q, want the plain body", tc.path, tc.accept, h, body)
				}
			}
		})
	}
}

// TestMinimumCompressionSize_Curl: a real client, curl --compressed, gets the compressed answer and
// decodes it.
func TestMinimumCompressionSize_Curl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	size := 0
	s := newServerOf(t, dataplane.Options{})
	base := serve(t, s)
	setStage(t, s, "prod", nil, compressionAPI("gz3", &size))
	out, err := exec.Command("curl", "-sS", "--compressed", "-D", "-", base+"/gz3/prod/big").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	head, body, _ := strings.Cut(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n\n")
	if !strings.Contains(strings.ToLower(head), "content-encoding: gzip") || !strings.HasPrefix(body, `{"items": "gatewayd gatewayd`) {
		t.Errorf("curl --compressed = %q / %.60q, want a gzip answer decoded to the JSON", head, body)
	}
}

// BenchmarkMockCompressed measures what minimum_compression_size costs a request: a MOCK answering
// 4 KiB of JSON to a client accepting gzip, compressed ("gzip") or not ("off").
func BenchmarkMockCompressed(b *testing.B) {
	body := `{"items": [` + strings.TrimSuffix(strings.Repeat(`{"id": 12345, "name": "gatewayd", "tags": ["a", "b"]},`, 75), ",") + `]}`
	zero := 0
	for _, tc := range []struct {
		name string
		min  *int
	}{{"off", nil}, {"gzip", &zero}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := dataplane.New(dataplane.Options{AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40})
			if err != nil {
				b.Fatal(err)
			}
			api := newAPI("api1")
			api.snap.RestAPI.MinimumCompressionSize = tc.min
			in, resp := mock("200", body)
			api.method("/mock", "GET", in, resp)
			if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &api.snap); err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/api1/prod/mock", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
				n = w.Body.Len()
			}
			b.ReportMetric(float64(n), "resp-bytes")
		})
	}
}
