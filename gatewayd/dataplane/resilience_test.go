package dataplane_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestStageSwapUnderLoad(t *testing.T) {
	blue := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "blue") }))
	green := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "green") }))
	s := newServer(t)
	base := serve(t, s)
	snapshot := func(url string) *apiBuilder {
		b := newAPI("api1")
		b.method("/{proxy+}", "ANY", model.Integration{Type: model.IntegrationHTTPProxy, URI: url + "/{proxy}"})
		in, resp := mock("200", "mock")
		b.method("/m", "GET", in, resp)
		return b
	}
	setStage(t, s, "prod", nil, snapshot(blue.URL))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	var ok, failed atomic.Int64
	var seen sync.Map
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				resp, err := client.Get(base + "/api1/prod/x")
				if err != nil {
					failed.Add(1)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || (string(body) != "blue" && string(body) != "green") {
					failed.Add(1)
					t.Errorf("during swaps: %d %q", resp.StatusCode, body)
					continue
				}
				seen.Store(string(body), true)
				ok.Add(1)
			}
		})
	}
	for i := range 100 {
		url := blue.URL
		if i%2 == 0 {
			url = green.URL
		}
		if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod", Variables: map[string]string{"n": fmt.Sprint(i)}}, &snapshot(url).snap); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if failed.Load() != 0 || ok.Load() == 0 {
		t.Errorf("100 swaps under load: %d ok, %d failed; want no failure", ok.Load(), failed.Load())
	}
	for _, c := range []string{"blue", "green"} {
		if _, found := seen.Load(c); !found {
			t.Errorf("no request reached %s", c)
		}
	}
}

func TestClientGoneCancelsBackendCall(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) { testClientGoneCancelsBackendCall(t, kind) })
	}
}

func testClientGoneCancelsBackendCall(t *testing.T, kind string) {
	cancelled := make(chan struct{})
	backend := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(5 * time.Second):
		}
	}))
	s := newServerOf(t, dataplane.Options{Server: kind})
	base := serve(t, s)
	b := newAPI("api1")
	b.method("/wait", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL})
	setStage(t, s, "prod", nil, b)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api1/prod/wait", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request succeeded, want the client's timeout")
	}
	select {
	case <-cancelled:
	case <-time.After(2 * time.Second):
		t.Error("backend call still running 2s after the client went away")
	}
}

// rawExchange sends raw bytes on a fresh connection and returns everything read until the server
// closes the connection or goes quiet.
func rawExchange(t *testing.T, addr, raw string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	out, _ := io.ReadAll(c)
	return string(out)
}

func statusLines(resp string) []string {
	var lines []string
	for line := range strings.SplitSeq(resp, "\r\n") {
		if strings.HasPrefix(line, "HTTP/1.1 ") || strings.HasPrefix(line, "HTTP/1.0 ") {
			lines = append(lines, line)
		}
	}
	return lines
}

func TestBadInput(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) { testBadInput(t, kind) })
	}
}

func testBadInput(t *testing.T, kind string) {
	fn := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"statusCode":`) }))
	s := newServerOf(t, dataplane.Options{Server: kind, ReadTimeout: 300 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond})
	base := serve(t, s)
	addr := strings.TrimPrefix(base, "http://")
	b := newAPI("api1")
	in, resp := mock("200", "ok")
	b.method("/ok", "ANY", in, resp)
	b.method("/fn", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: fn.URL + "/2015-03-31/functions/f/invocations"})
	setStage(t, s, "prod", nil, b)

	tests := []struct {
		name, raw, wantStatus string
	}{
		{"malformed escape", "GET /api1/prod/%zz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"control character", "GET /api1/prod/\x01 HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"not a path", "GET api1/prod/ok HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"oversized headers", "GET /api1/prod/ok HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large"},
		{"invalid JSON from a function", "GET /api1/prod/fn HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 502 Bad Gateway"},
		{"slow client body", "POST /api1/prod/ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a bit", "HTTP/1.1 400 Bad Request"},
		{"slow client headers", "GET /api1/prod/ok HTTP/1.1\r\nHost: x\r\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := statusLines(rawExchange(t, addr, tc.raw))
			want := []string{tc.wantStatus}
			if tc.wantStatus == "" {
				want = nil
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("status lines = %q, want %q", got, want)
			}
		})
	}
}

// TestRequestSmuggling sends the classic desynchronization attacks on raw connections. Whatever the
// server answers, no request hidden in a body may reach a backend, and nothing is answered twice.
func TestRequestSmuggling(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) { testRequestSmuggling(t, kind) })
	}
}

func testRequestSmuggling(t *testing.T, kind string) {
	var smuggled atomic.Int64
	backend := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if strings.Contains(r.URL.Path, "smuggled") {
			smuggled.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	s := newServerOf(t, dataplane.Options{Server: kind})
	base := serve(t, s)
	addr := strings.TrimPrefix(base, "http://")
	b := newAPI("api1")
	b.method("/{proxy+}", "ANY", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/{proxy}"})
	setStage(t, s, "prod", nil, b)

	hidden := "GET /api1/prod/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name, raw string
		// wantFirst starts the status line of the first answer; later answers must not exist. wantFast
		// replaces it for fasthttp, where that differs.
		wantFirst, wantFast string
	}{
		// Transfer-Encoding wins and the connection closes after the answer, so the rest is never a request.
		{"CL.TE", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden, "HTTP/1.1 200", ""},
		{"TE.CL", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + fmt.Sprintf("%x", len(hidden)) + "\r\n" + hidden + "\r\n0\r\n\r\n" + hidden, "HTTP/1.1 200", ""},
		{"duplicate Content-Length", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n" + hidden, "HTTP/1.1 400 Bad Request", ""},
		{"Content-Length list", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 44\r\n\r\n" + hidden, "HTTP/1.1 400 Bad Request", ""},
		// fasthttp refuses an unknown coding as a bad request.
		{"obfuscated Transfer-Encoding", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + hidden, "HTTP/1.1 501 Not Implemented", "HTTP/1.1 400 Bad Request"},
		// net/http joins the fold with a space (RFC 9112 5.2), giving an unsupported coding; fasthttp
		// refuses the joined coding as a bad request.
		{"obs-fold", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + hidden, "HTTP/1.1 501", "HTTP/1.1 400 Bad Request"},
		// A fold in any other header: net/http joins it, the fasthttp front end refuses the request.
		{"obs-fold elsewhere", "GET /api1/prod/a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\nConnection: close\r\n\r\n", "HTTP/1.1 200", "HTTP/1.1 400 Bad Request"},
		// Equal repeated lengths and a folded Transfer-Encoding: net/http accepts them as RFC 9112
		// permits (the values are merged; a chunked request's connection closes after its answer), the
		// fasthttp front end refuses them. Neither lets the hidden request through.
		{"equal duplicate Content-Length", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd", "HTTP/1.1 200", "HTTP/1.1 400 Bad Request"},
		{"folded Transfer-Encoding", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + hidden, "HTTP/1.1 200", "HTTP/1.1 400 Bad Request"},
		// RFC 9112, 6.1: net/http ignores Transfer-Encoding in an HTTP/1.0 request and frames it by its
		// Content-Length, then closes; the fasthttp front end refuses it.
		{"HTTP/1.0 with Transfer-Encoding", "POST /api1/prod/a HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + hidden, "HTTP/1.0 200", "HTTP/1.1 400 Bad Request"},
		{"HTTP/2.0 request line", "GET /api1/prod/a HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505", ""},
		{"HTTP/1.2 request line is served as HTTP/1.1", "GET /api1/prod/a HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200", ""},
		{"HTTP/3.0 request line", "GET /api1/prod/a HTTP/3.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505", ""},
		{"bad chunk size", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + hidden + "\r\n0\r\n\r\n", "HTTP/1.1 400 Bad Request", ""},
		{"overflowing chunk size", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n" + hidden + "\r\n0\r\n\r\n", "HTTP/1.1 400 Bad Request", ""},
		// fasthttp reads what follows a chunk size up to the CR as an extension ("0X" is 0), net/http
		// refuses it; the connection closes after the chunked request, so the rest is never a request.
		{"junk after chunk size", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0X\r\n\r\n" + hidden, "HTTP/1.1 400 Bad Request", "HTTP/1.1 200"},
		{"duplicate Host", "GET /api1/prod/a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "HTTP/1.1 400 Bad Request", ""},
		{"missing Host", "GET /api1/prod/a HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request", ""},
		{"space before colon", "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + hidden, "HTTP/1.1 400 Bad Request", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.wantFirst
			if kind == dataplane.ServerFastHTTP && tc.wantFast != "" {
				want = tc.wantFast
			}
			before := smuggled.Load()
			got := statusLines(rawExchange(t, addr, tc.raw))
			if len(got) != 1 || !strings.HasPrefix(got[0], want) {
				t.Errorf("answers = %q, want only %q", got, want)
			}
			if smuggled.Load() != before {
				t.Error("a smuggled request reached the backend")
			}
		})
	}
	t.Run("valid chunked request still works", func(t *testing.T) {
		got := statusLines(rawExchange(t, addr, "POST /api1/prod/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
		if len(got) != 1 || got[0] != "HTTP/1.1 200 OK" {
			t.Errorf("answers = %q, want one 200", got)
		}
	})
}

func TestNoGoroutineGrowth(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) { testNoGoroutineGrowth(t, kind) })
	}
}

func testNoGoroutineGrowth(t *testing.T, kind string) {
	backend := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	s := newServerOf(t, dataplane.Options{Server: kind})
	base := serve(t, s)
	b := newAPI("api1")
	b.method("/{proxy+}", "ANY", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/{proxy}"})
	b.method("/slow", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: "http://10.255.255.1:9/", TimeoutMilliseconds: 50})
	setStage(t, s, "prod", nil, b)

	burst := func() {
		tr := &http.Transport{MaxIdleConnsPerHost: 32}
		client := &http.Client{Transport: tr}
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Go(func() {
				for j := range 20 {
					path := "/api1/prod/x"
					if (i+j)%10 == 0 {
						path = "/api1/prod/slow"
					}
					if resp, err := client.Get(base + path); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			})
		}
		wg.Wait()
		// Half-sent requests from clients that go away.
		for range 8 {
			if c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://")); err == nil {
				bufio.NewWriter(c).WriteString("GET /api1/prod/x HTTP/1.1\r\n")
				c.Close()
			}
		}
		tr.CloseIdleConnections()
	}
	burst() // warm up pools and lazily started goroutines
	s.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	baseline := runtime.NumGoroutine()
	burst()
	s.CloseIdleConnections() // idle backend connections are reuse, not growth
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines = %d after the burst, want at most the baseline %d\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
}
