package dataplane_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestServerKinds runs a representative end-to-end subset on a real listener of each server kind.
func TestServerKinds(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) { testServerKind(t, kind) })
	}
}

func testServerKind(t *testing.T, kind string) {
	echo := echoBackend(t)
	counting := newCountingBackend(t, "c")
	fn := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			PathParameters map[string]string `json:"pathParameters"`
		}
		json.NewDecoder(r.Body).Decode(&ev)
		io.WriteString(w, `{"statusCode":201,"headers":{"X-Fn":"yes"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2; Path=/"]},"body":"fn `+ev.PathParameters["id"]+`"}`)
	}))
	slow := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))

	s := newServerOf(t, dataplane.Options{Server: kind})
	base := serve(t, s)
	b := newAPI("api1")
	in, resp := mock("200", `{"mock":true}`)
	b.method("/mock", "GET", in, resp)
	b.methodWith(model.Method{APIKeyRequired: true}, "/keyed", "GET", in, resp)
	b.method("/throttled", "GET", in, resp)
	b.method("/items/{id}", "ANY", model.Integration{Type: model.IntegrationHTTPProxy, URI: echo.URL + "/things/{id}"})
	b.method("/fn/{id}", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: fn.URL + "/2015-03-31/functions/f/invocations"})
	b.method("/slow", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: slow.URL, TimeoutMilliseconds: 100})
	b.method("/cached", "GET", proxy(counting.url+"/cached"))
	st := cachedStage(map[string]model.MethodSetting{
		"cached/GET":    cacheSetting(true, 60),
		"throttled/GET": setting(0.001, 1),
	})
	mustSetStage(t, s, st, b)
	setMetering(t, s, metering(plan("p1", 100, 100, 0)))

	t.Run("MOCK", func(t *testing.T) {
		got := do(t, newRequest(t, "GET", base+"/api1/prod/mock", nil))
		if got.Status != 200 || got.Body != `{"mock":true}` || got.Header.Get("x-gatewayd-request-id") == "" {
			t.Errorf("got %d %q %v, want 200 with the template and a request id", got.Status, got.Body, got.Header)
		}
		if got.Header.Get("Server") != "" {
			t.Errorf("Server header %q, want none", got.Header.Get("Server"))
		}
	})
	t.Run("HTTP_PROXY with a path parameter", func(t *testing.T) {
		req := newRequest(t, "POST", base+"/api1/prod/items/a%20b?x=1&y=%20", strings.NewReader("payload"))
		req.Header.Set("X-Forwarded-For", "6.6.6.6")
		req.Header.Set("X-Forwarded-Host", "evil")
		req.Header.Add("X-Multi", "1")
		req.Header.Add("X-Multi", "2")
		got := do(t, req)
		if got.Status != 200 || got.Header.Get("X-Backend") != "echo" {
			t.Fatalf("got %d %q", got.Status, got.Body)
		}
		e := decodeEcho(t, got.Body)
		host := strings.TrimPrefix(base, "http://")
		if e.Method != "POST" || e.URI != "/things/a%20b?x=1&y=%20" || string(e.Body) != "payload" ||
			e.Header.Get("X-Forwarded-For") != "127.0.0.1" || e.Header.Get("X-Forwarded-Proto") != "http" ||
			e.Header.Get("X-Forwarded-Host") != host || strings.Join(e.Header["X-Multi"], ",") != "1,2" ||
			e.Header.Get("X-Gatewayd-Request-Id") != got.Header.Get("x-gatewayd-request-id") {
			t.Errorf("backend saw %+v", e)
		}
	})
	t.Run("AWS_PROXY", func(t *testing.T) {
		got := do(t, newRequest(t, "GET", base+"/api1/prod/fn/7", nil))
		if got.Status != 201 || got.Body != "fn 7" || got.Header.Get("X-Fn") != "yes" ||
			strings.Join(got.Header.Values("Set-Cookie"), "|") != "a=1|b=2; Path=/" {
			t.Errorf("got %d %q %v", got.Status, got.Body, got.Header)
		}
	})
	t.Run("413", func(t *testing.T) {
		for _, body := range []io.Reader{bytes.NewReader(make([]byte, 10<<20+1)), struct{ io.Reader }{bytes.NewReader(make([]byte, 10<<20+1))}} {
			got := do(t, newRequest(t, "POST", base+"/api1/prod/items/1", body))
			if got.Status != 413 || got.Body != `{"message":"Request Too Long"}` || got.Header.Get("Content-Type") != "application/json" {
				t.Errorf("got %d %q, want 413 Request Too Long", got.Status, got.Body)
			}
		}
	})
	t.Run("504", func(t *testing.T) {
		got := do(t, newRequest(t, "GET", base+"/api1/prod/slow", nil))
		if got.Status != 504 || got.Body != `{"message":"Endpoint request timed out"}` {
			t.Errorf("got %d %q", got.Status, got.Body)
		}
	})
	t.Run("API key", func(t *testing.T) {
		if got := call(t, base+"/api1/prod/keyed", ""); got.Status != 403 || got.Body != `{"message":"Forbidden"}` {
			t.Errorf("without a key: %d %q", got.Status, got.Body)
		}
		if got := call(t, base+"/api1/prod/keyed", goodKey); got.Status != 200 {
			t.Errorf("with a key: %d %q", got.Status, got.Body)
		}
	})
	t.Run("throttle", func(t *testing.T) {
		if got := calls(t, 3, base+"/api1/prod/throttled", ""); got[`{"mock":true}`] != 1 || got[`{"message":"Too Many Requests"}`] != 2 {
			t.Errorf("answers %v, want one 200 then 429s", got)
		}
	})
	t.Run("cache hit", func(t *testing.T) {
		first := fetch(t, "GET", base+"/api1/prod/cached")
		second := fetch(t, "GET", base+"/api1/prod/cached")
		if first.Cache != "Miss" || second != hit(first.Body) || counting.calls.Load() != 1 {
			t.Errorf("first %+v, second %+v, %d backend calls; want a miss then a hit", first, second, counting.calls.Load())
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		if got := do(t, newRequest(t, "GET", base+"/api1/prod/nothing", nil)); got.Status != 403 || got.Body != missingToken {
			t.Errorf("got %d %q", got.Status, got.Body)
		}
	})
}

// TestShutdownDrains checks that Shutdown lets a request in flight finish, then Serve returns nil.
func TestShutdownDrains(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) {
			backend := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(300 * time.Millisecond)
				io.WriteString(w, "done")
			}))
			s := newServerOf(t, dataplane.Options{Server: kind})
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- s.Serve(context.Background(), ln) }()
			b := newAPI("api1")
			b.method("/slow", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL})
			setStage(t, s, "prod", nil, b)

			answered := make(chan result, 1)
			go func() { answered <- do(t, newRequest(t, "GET", "http://"+ln.Addr().String()+"/api1/prod/slow", nil)) }()
			time.Sleep(100 * time.Millisecond)
			if err := s.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if got := <-answered; got.Status != 200 || got.Body != "done" {
				t.Errorf("request in flight during Shutdown: %d %q, want 200 done", got.Status, got.Body)
			}
			if err := <-served; err != nil {
				t.Errorf("Serve after Shutdown: %v", err)
			}
		})
	}
}

// TestShutdownGivesUp checks that a shutdown that stops waiting for a request in flight on the fasthttp
// front end interrupts its backend call (through the disconnect watch, started by the sweeper).
func TestShutdownGivesUp(t *testing.T) {
	cancelled := make(chan struct{})
	backend := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(cancelled)
		case <-time.After(10 * time.Second):
		}
	}))
	s := newServerOf(t, dataplane.Options{Server: dataplane.ServerFastHTTP})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background(), ln) }()
	b := newAPI("api1")
	b.method("/slow", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL})
	setStage(t, s, "prod", nil, b)
	time.Sleep(200 * time.Millisecond) // the front end idle: its watch sweeper asleep

	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/api1/prod/slow"); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(400 * time.Millisecond) // past the watch's start
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err == nil {
		t.Error("Shutdown with a request still running = nil, want its context's error")
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Error("backend call still running 5s after the shutdown gave up")
	}
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Error("Serve did not return after Shutdown")
	}
}

// TestReadTimeouts checks that ReadHeaderTimeout bounds the headers and ReadTimeout leaves a slow body
// its time, on each server.
func TestReadTimeouts(t *testing.T) {
	for _, kind := range serverKinds {
		t.Run(kind, func(t *testing.T) {
			s := newServerOf(t, dataplane.Options{Server: kind, ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 2 * time.Second})
			addr := strings.TrimPrefix(serve(t, s), "http://")
			b := newAPI("api1")
			in, resp := mock("200", "ok")
			b.method("/ok", "ANY", in, resp)
			setStage(t, s, "prod", nil, b)

			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, "POST /api1/prod/ok HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabc")
			time.Sleep(400 * time.Millisecond) // past the header timeout, within the read timeout
			io.WriteString(c, "def")
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			out, _ := io.ReadAll(c)
			if got := statusLines(string(out)); len(got) != 1 || got[0] != "HTTP/1.1 200 OK" {
				t.Errorf("slow body: answers %q, want one 200", got)
			}

			start := time.Now()
			if got := statusLines(rawExchangeFor(t, addr, "GET /api1/prod/ok HTTP/1.1\r\nHost: x\r\n", 2*time.Second)); len(got) != 0 {
				t.Errorf("headers never finished: answers %q, want the connection closed without one", got)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("headers never finished: connection closed after %v, want about the 200ms header timeout", d)
			}
		})
	}
}

// rawExchangeFor is rawExchange waiting up to d for the server to close.
func rawExchangeFor(t *testing.T, addr, raw string, d time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, raw)
	c.SetReadDeadline(time.Now().Add(d))
	out, _ := io.ReadAll(c)
	return string(out)
}
