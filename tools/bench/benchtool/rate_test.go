package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadAnswer(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		status int
		keep   bool
		err    string
		rest   string
	}{
		{name: "keep-alive", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", status: 200, keep: true, rest: "NEXT"},
		{name: "close", in: "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nConnection: close\r\n\r\n", status: 503},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", err: "not supported"},
		{name: "no length", in: "HTTP/1.1 200 OK\r\n\r\n", err: "without Content-Length"},
		{name: "bad status line", in: "SSH-2.0-OpenSSH\r\n", err: "bad status line"},
		{name: "short body", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", err: "read body"},
		{name: "bad length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: "bad Content-Length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.in))
			status, keep, err := readAnswer(br)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if status != tt.status || keep != tt.keep {
				t.Errorf("got status %d keep %v, want %d %v", status, keep, tt.status, tt.keep)
			}
			if rest, _ := br.Peek(br.Buffered()); string(rest) != tt.rest {
				t.Errorf("left %q unread, want %q", rest, tt.rest)
			}
		})
	}
}

// TestRawClientKeepsTheConnection checks that the rate client reuses one connection for many requests
// and dials again after the server closes it.
func TestRawClientKeepsTheConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &rawClient{addr: addr, req: []byte("GET /a HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")}
	defer c.close()
	for range 5 {
		if status, err := c.do(ctx); err != nil || status != 200 {
			t.Fatalf("do: %d, %v", status, err)
		}
	}
	c.req = []byte("GET /close HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	for range 2 {
		if status, err := c.do(ctx); err != nil || status != 200 {
			t.Fatalf("do: %d, %v", status, err)
		}
	}
	// The first /close answer ends the keep-alive connection; the second needs a connection of its own.
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}
