package dataplane_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/router"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// recordingBackend answers 200 and remembers the request targets it received.
type recordingBackend struct {
	mu   sync.Mutex
	uris []string
	url  string
}

func newRecordingBackend(t *testing.T) *recordingBackend {
	b := &recordingBackend{}
	srv := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.uris = append(b.uris, r.RequestURI)
		b.mu.Unlock()
		io.WriteString(w, "backend "+r.RequestURI)
	}))
	b.url = srv.URL
	return b
}

func (b *recordingBackend) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	u := b.uris
	b.uris = nil
	return u
}

// rawStatus sends a raw request line for target and returns the status code and body of the answer.
func rawStatus(t *testing.T, addr, method, target string) (string, string) {
	t.Helper()
	out := rawExchangeFor(t, addr, method+" "+target+" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n", 5e9)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(out)), nil)
	if err != nil {
		t.Fatalf("%s %s: reading answer %q: %v", method, target, out, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Status[:3], string(body)
}

// TestPathSpellings: on both front ends, no spelling of a protected path reaches another method than
// the one its normalized form routes to, and a backend only ever receives the normalized path. /secret
// GET needs an API key; /{proxy+} ANY beside it needs none and sends the path on to the backend.
func TestPathSpellings(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) {
			backend := newRecordingBackend(t)
			s := newServerOf(t, dataplane.Options{Server: kind})
			addr := strings.TrimPrefix(serve(t, s), "http://")
			b := newAPI("api1")
			b.methodWith(model.Method{APIKeyRequired: true}, "/secret", "GET", proxy(backend.url+"/secret"))
			b.method("/{proxy+}", "ANY", proxy(backend.url+"/{proxy}"))
			setStage(t, s, "prod", nil, b)

			const forbidden, missing, invalid = `{"message":"Forbidden"}`, missingToken, `{"message":"Invalid request path"}`
			tests := []struct {
				method, path     string
				status, wantBody string
			}{
				{"GET", "/secret", "403", forbidden},
				{"GET", "//secret", "403", forbidden},
				{"GET", "/x/../secret", "403", forbidden},
				{"GET", "/x/%2e%2e/secret", "403", forbidden},
				{"GET", "/x/%2E%2E/secret", "403", forbidden},
				{"GET", "/x/.%2e/secret", "403", forbidden},
				{"GET", "/secret/.", "403", forbidden},
				{"GET", "/./secret", "403", forbidden},
				{"GET", "/%73ecret", "403", forbidden},
				{"GET", "/secret/", "403", forbidden},
				{"GET", "/secret;x", "400", invalid},
				{"GET", "/secret%2f", "400", invalid},
				{"GET", "/secret%2F..", "400", invalid},
				{"GET", "/x%5c..%5csecret", "400", invalid},
				{"GET", "/secret%00", "400", invalid},
				// The resource is chosen before the verb: a verb /secret lacks is no route at all, never
				// the proxy beside it.
				{"PUT", "/secret", "403", missing},
				{"HEAD", "/secret", "403", ""},
				{"OPTIONS", "/secret", "403", missing},
				{"DELETE", "//secret/", "403", missing},
			}
			for _, tc := range tests {
				status, body := rawStatus(t, addr, tc.method, "/api1/prod"+tc.path)
				if status != tc.status || body != tc.wantBody {
					t.Errorf("%s %s = %s %q, want %s %q", tc.method, tc.path, status, body, tc.status, tc.wantBody)
				}
				if got := backend.take(); len(got) != 0 {
					t.Errorf("%s %s reached the backend as %q", tc.method, tc.path, got)
				}
			}

			// What the proxy serves reaches the backend spelled as it was routed.
			for path, want := range map[string]string{
				"/files/./a//b":         "/files/a/b",
				"/files/x/../a%7e":      "/files/a~",
				"/files/%61":            "/files/a",
				"/secret/../files/a%20": "/files/a%20",
			} {
				status, body := rawStatus(t, addr, "GET", "/api1/prod"+path)
				got := backend.take()
				if status != "200" || len(got) != 1 || got[0] != want {
					t.Errorf("GET %s = %s %q, backend saw %q, want %q", path, status, body, got, want)
				}
				for _, u := range got {
					if n, err := router.Normalize(u); err != nil || n != u {
						t.Errorf("backend received %q, which is not in normalized form", u)
					}
				}
			}
		})
	}
}

// rawBackend answers every request on a raw connection with head (status line and headers, no final
// empty line) and a short body, so that it can send what net/http would refuse to write.
func rawBackend(t *testing.T, head string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					io.WriteString(c, head+"Content-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestResponseHeaderInjection: CR, LF, NUL and other control bytes in header names or values from a
// function, a backend or a mapping never reach the client raw, on both front ends; the header is
// dropped and the rest of the answer is served.
func TestResponseHeaderInjection(t *testing.T) {
	fn := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"statusCode":200,"headers":{"X-Good":"yes","X-Crlf":"a\r\nSet-Cookie: evil=1","X Space":"v",`+
			`"X-Ctl\u0001":"v","X-Nul":"a\u0000b","Transfer-Encoding":"chunked","X-Bare-Cr":"a\rSet-Cookie: evil=2"},`+
			`"multiValueHeaders":{"X-Multi":["fine","bad\nSet-Cookie: evil=3"]},"body":"fn"}`)
	}))
	raw := rawBackend(t, "HTTP/1.1 200 OK\r\nX-Good: yes\r\nX-Bare-Cr: a\rSet-Cookie: evil=4\r\nX-Nul: a\x00b\r\nX-Esc: \x1b[31m\r\n")
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) {
			s := newServerOf(t, dataplane.Options{Server: kind})
			addr := strings.TrimPrefix(serve(t, s), "http://")
			b := newAPI("api1")
			b.method("/fn", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: fn.URL + "/2015-03-31/functions/f/invocations"})
			b.method("/http", "GET", proxy(raw+"/"))
			b.method("/mapped", "GET", model.Integration{Type: model.IntegrationHTTP, URI: raw + "/", IntegrationHTTPMethod: "GET"},
				model.IntegrationResponse{StatusCode: "200", ResponseParameters: map[string]string{
					"method.response.header.X-Good":   "'yes'",
					"method.response.header.X-Copied": "integration.response.header.X-Bare-Cr",
					"method.response.header.X-Lit":    "'a\r\nSet-Cookie: evil=5'",
				}})
			setStage(t, s, "prod", nil, b)
			for _, p := range []string{"/fn", "/http", "/mapped"} {
				out := rawExchangeFor(t, addr, "GET /api1/prod"+p+" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n", 5e9)
				head, _, _ := strings.Cut(out, "\r\n\r\n")
				if !strings.HasPrefix(head, "HTTP/1.1 200") || !strings.Contains(head, "\r\nX-Good: yes") {
					t.Errorf("GET %s: answer %q, want 200 with X-Good", p, head)
				}
				if strings.Contains(strings.ToLower(head), "evil") || strings.Contains(strings.ReplaceAll(head, "\r\n", ""), "\r") ||
					strings.ContainsAny(head, "\x00\x01\x1b") || strings.Contains(strings.ReplaceAll(head, "\r\n", ""), "\n") {
					t.Errorf("GET %s: answer head holds injected or control bytes: %q", p, head)
				}
				if strings.Contains(strings.ToLower(head), "transfer-encoding") {
					t.Errorf("GET %s: answer carries the function's Transfer-Encoding: %q", p, head)
				}
			}
		})
	}
}
