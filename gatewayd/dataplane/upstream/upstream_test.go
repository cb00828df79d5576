package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rawBackend answers every request on a connection with the same raw bytes.
func rawBackend(t *testing.T, answer string) string {
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
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, answer)
				time.Sleep(50 * time.Millisecond)
			}()
		}
	}()
	return ln.Addr().String()
}

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name, answer, method string
		wantStatus           int
		wantBody             string
		wantHeader           http.Header
		wantErr              bool
	}{
		{name: "content length", answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello",
			wantStatus: 200, wantBody: "hello", wantHeader: http.Header{"Content-Length": {"5"}, "X-A": {"1", "2"}}},
		{name: "chunked with trailer", answer: "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
			wantStatus: 201, wantBody: "abcde", wantHeader: http.Header{"Transfer-Encoding": {"chunked"}}},
		{name: "interim 100", answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}},
		{name: "HEAD has no body", method: "HEAD", answer: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
			wantStatus: 200, wantHeader: http.Header{"Content-Length": {"10"}}},
		{name: "until close", answer: "HTTP/1.0 200 OK\r\n\r\nall of it",
			wantStatus: 200, wantBody: "all of it", wantHeader: http.Header{}},
		{name: "conflicting lengths", answer: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", wantErr: true},
		{name: "bad status line", answer: "HTTP/1.1 abc OK\r\n\r\n", wantErr: true},
		{name: "obs-fold", answer: "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n", wantErr: true},
		{name: "too large", answer: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", wantErr: true},
	}
	c := New(64)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			resp, err := c.Do(context.Background(), &Request{Method: method, Scheme: "http", Addr: rawBackend(t, tc.answer), URI: "/", Timeout: time.Second})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Do = %d %q, want an error", resp.Status, resp.Body)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.wantStatus || string(resp.Body) != tc.wantBody {
				t.Errorf("Do = %d %q, want %d %q", resp.Status, resp.Body, tc.wantStatus, tc.wantBody)
			}
			if diff := cmp.Diff(tc.wantHeader, resp.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDropResponse: the headers in Request.DropResponse and those the answer's Connection header
// names are left out of the answer, and the framing headers among them still frame it.
func TestDropResponse(t *testing.T) {
	drop := map[string]bool{"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true, "Content-Length": true}
	tests := []struct {
		name, answer string
		wantBody     string
		wantHeader   http.Header
	}{
		{name: "dropped, length still frames", answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\nX-A: 1\r\n\r\nokEXTRA",
			wantBody: "ok", wantHeader: http.Header{"X-A": {"1"}}},
		{name: "chunked still frames", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n2\r\nok\r\n0\r\n\r\n",
			wantBody: "ok", wantHeader: http.Header{"X-A": {"1"}}},
		{name: "named by Connection, before and after it", answer: "HTTP/1.1 200 OK\r\nX-Secret: s\r\nConnection: x-secret, close\r\nConnection: X-Other\r\nX-Other: o\r\nClose: c\r\nX-Kept: k\r\nContent-Length: 0\r\n\r\n",
			wantHeader: http.Header{"X-Kept": {"k"}}},
	}
	c := New(64)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Do(context.Background(), &Request{Method: "GET", Scheme: "http", Addr: rawBackend(t, tc.answer), URI: "/", Timeout: time.Second, DropResponse: drop})
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != tc.wantBody {
				t.Errorf("body %q, want %q", resp.Body, tc.wantBody)
			}
			if diff := cmp.Diff(tc.wantHeader, resp.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReuseAndStaleConnections(t *testing.T) {
	var conns int
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns++
		}
	}
	srv.Start()
	defer srv.Close()
	c := New(1 << 20)
	addr := strings.TrimPrefix(srv.URL, "http://")
	get := func() {
		t.Helper()
		resp, err := c.Do(context.Background(), &Request{Method: "GET", Scheme: "http", Addr: addr, URI: "/"})
		if err != nil || string(resp.Body) != "ok" {
			t.Fatalf("Do = %v, %v", resp, err)
		}
	}
	for range 5 {
		get()
	}
	if conns != 1 {
		t.Errorf("5 sequential calls used %d connections, want 1", conns)
	}
	// The backend drops its idle connections; the next call must retry on a fresh one.
	srv.CloseClientConnections()
	get()
}

func TestTimeoutAndCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	c := New(1 << 20)
	addr := strings.TrimPrefix(srv.URL, "http://")
	_, err := c.Do(context.Background(), &Request{Method: "GET", Scheme: "http", Addr: addr, URI: "/", Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Do with a 50ms timeout = %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Do(ctx, &Request{Method: "GET", Scheme: "http", Addr: addr, URI: "/"})
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("Do with a cancelled context = %v after %v, want context.Canceled promptly", err, time.Since(start))
	}
}

func TestRefusesHeaderInjection(t *testing.T) {
	long := strings.Repeat("x", 900)
	for name, value := range map[string]string{
		"crlf":          "v\r\nX-Injected: 1",
		"cr":            "v\rX-Injected: 1",
		"lf":            "v\nX-Injected: 1",
		"nul":           "v\x00",
		"lf after 900":  long + "\nX-Injected: 1",
		"nul after 900": long + "\x00",
	} {
		t.Run(name, func(t *testing.T) {
			c := New(1 << 20)
			_, err := c.Do(context.Background(), &Request{Method: "GET", Scheme: "http", Addr: "127.0.0.1:1", URI: "/",
				Header: http.Header{"Authorization": {"Bearer x"}, "X-A": {value}}})
			if err == nil || !strings.Contains(err.Error(), "invalid value of header X-A") {
				t.Errorf("Do with X-A %q = %v, want an invalid value error", value, err)
			}
		})
	}
}

// A backend that restarts leaves every pooled connection stale: the retry must dial, not take the next
// idle one.
func TestRetryDialsAfterManyStaleConnections(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := New(1 << 20)
	addr := strings.TrimPrefix(srv.URL, "http://")
	do := func(path string) error {
		resp, err := c.Do(context.Background(), &Request{Method: "GET", Scheme: "http", Addr: addr, URI: path})
		if err == nil && string(resp.Body) != "ok" {
			err = errors.New("body " + string(resp.Body))
		}
		return err
	}
	// Four calls at once leave four idle connections in the pool.
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- do("/slow") }()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	srv.CloseClientConnections()
	time.Sleep(20 * time.Millisecond)
	if err := do("/"); err != nil {
		t.Fatalf("call after the backend dropped its connections: %v", err)
	}
}

// BenchmarkValidHeaders checks the headers of the key+JWT row of make bench: an API key and an RS256 ID
// token of about 850 bytes.
func BenchmarkValidHeaders(b *testing.B) {
	h := http.Header{"User-Agent": {"wrk"}, "X-Api-Key": {"bench-key-0123456789abcdef0123456789"},
		"Authorization": {"Bearer eyJ" + strings.Repeat("x", 850)}}
	b.ReportAllocs()
	for b.Loop() {
		if err := validHeaders(h); err != nil {
			b.Fatal(err)
		}
	}
}
