package admin_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/admin"
)

// rawAnswer is an answer read off a raw connection.
type rawAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
	// close is set when the answer said Connection: close (ReadResponse removes that header).
	close bool
}

func readAnswer(br *bufio.Reader) (rawAnswer, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return rawAnswer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	a := rawAnswer{status: resp.StatusCode, header: resp.Header, raw: string(raw), close: resp.Close}
	_ = json.Unmarshal(raw, &a.body)
	return a, err
}

// jsonErrorProblem says how a fails to be a JSON error answer {"message","code"}, or "" when it is one.
func (a rawAnswer) jsonErrorProblem() string {
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		return fmt.Sprintf("Content-Type %q, want application/json", ct)
	}
	if msg, _ := a.body["message"].(string); msg == "" {
		return "no message"
	}
	if code, _ := a.body["code"].(string); code == "" {
		return "no code"
	}
	return ""
}

// dial opens a raw connection to e's server that the test closes at its end.
func (e *env) dial() (net.Conn, *bufio.Reader) {
	e.t.Helper()
	c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// raw sends req, byte for byte, on a new connection and reads one answer.
func (e *env) raw(req string) rawAnswer {
	e.t.Helper()
	c, br := e.dial()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		e.t.Fatalf("sending %.60q: %v", req, err)
	}
	a, err := readAnswer(br)
	if err != nil {
		e.t.Fatalf("reading the answer to %.60q: %v", req, err)
	}
	return a
}

// TestStalledBodiesDoNotLockOut: writers that send their headers and then stall in the body hold no
// in-flight slot, so that other calls keep being served, and each ends with 408 after BodyReadTimeout.
func TestStalledBodiesDoNotLockOut(t *testing.T) {
	const timeout = 2 * time.Second
	e := newEnv(t, func(o *admin.Options) { o.BodyReadTimeout = timeout })
	id := e.mustCall(201, "POST", "/v1/restapis", `{"name":"before"}`).body["id"].(string)

	// Each stalled writer announces 100 bytes and sends one. It asks for 100-continue, which the server
	// sends when it starts reading the body: then the writer is known to be stuck in the body read.
	const stalled = 80 // more than MaxInFlight (64)
	readers := make([]*bufio.Reader, stalled)
	for i := range readers {
		c, br := e.dial()
		_ = c.SetDeadline(time.Now().Add(timeout + 20*time.Second))
		head := "PUT /v1/restapis/" + id + " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + token +
			"\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		if a, err := readAnswer(br); err != nil || a.status != http.StatusContinue {
			t.Fatalf("stalled writer %d: got %d %s (%v) before sending its body, want 100 Continue", i, a.status, a.raw, err)
		}
		if _, err := io.WriteString(c, "{"); err != nil {
			t.Fatal(err)
		}
		readers[i] = br
	}

	start := time.Now()
	e.mustCall(200, "GET", "/v1/restapis/"+id, "")
	e.mustCall(200, "PUT", "/v1/restapis/"+id, `{"name":"after"}`)
	if took := time.Since(start); took >= timeout {
		t.Errorf("a GET and a PUT took %v with %d stalled writers, want less than their timeout %v", took, stalled, timeout)
	}

	for i, br := range readers {
		a, err := readAnswer(br)
		if err != nil {
			t.Fatalf("stalled writer %d: no answer: %v", i, err)
		}
		if a.status != http.StatusRequestTimeout || a.body["code"] != "RequestTimeout" || a.jsonErrorProblem() != "" {
			t.Fatalf("stalled writer %d = %d %s, want 408 RequestTimeout JSON", i, a.status, a.raw)
		}
	}
	if got := e.mustCall(200, "GET", "/v1/restapis/"+id, "").body["name"]; got != "after" {
		t.Errorf("name = %v, want after: a stalled write changed the API", got)
	}
}

// TestUnreadBodyDoesNotDelayAnswer: a call answered without reading its body (a health check, a
// refusal) is answered at once, and its connection closed, rather than after the body times out.
func TestUnreadBodyDoesNotDelayAnswer(t *testing.T) {
	const timeout = 5 * time.Second
	e := newEnv(t, func(o *admin.Options) { o.BodyReadTimeout = timeout })
	for _, c := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/readyz", 200}, {"/v1/restapis", 401}, {"/v1/../restapis", 400}} {
		start := time.Now()
		a := e.raw("GET " + c.path + " HTTP/1.1\r\nHost: admin\r\nContent-Length: 100\r\n\r\n{")
		if took := time.Since(start); a.status != c.want || !a.close || took >= timeout {
			t.Errorf("GET %s with a stalled body = %d (Connection: close %t) after %v, want %d at once and close", c.path, a.status, a.close, took, c.want)
		}
	}
}

// TestReadsKeepAShareOfSlots: writes may hold three quarters of the in-flight slots; the rest stays
// free for reads.
func TestReadsKeepAShareOfSlots(t *testing.T) {
	hold := newHolder()
	e := newEnv(t, func(o *admin.Options) {
		o.MaxInFlight = 4
		o.FlushStageCache = func(context.Context, string, string) error { hold.in(); return nil }
	})
	apiID, _ := e.seed()
	e.stage(apiID, "prod")
	// Three slow writes: cache flushes that wait.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { e.call("DELETE", "/v1/restapis/"+apiID+"/stages/prod/cache", "") })
	}
	hold.waitFor(t, 3)
	defer func() { hold.release(); wg.Wait() }()

	a := e.call("POST", "/v1/restapis", `{"name":"x"}`)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("a fourth write = %d %s, want 429 with Retry-After", a.status, a.raw)
	}
	e.mustCall(200, "GET", "/v1/restapis/"+apiID, "")
	e.mustCall(200, "GET", "/v1/restapis", "")
}

// TestDeclaredBodyTooLarge: a Content-Length over MaxBodyBytes gets 413 at once, before the body is
// read (the client here never sends it).
func TestDeclaredBodyTooLarge(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.BodyReadTimeout = time.Minute })
	a := e.raw("PUT /v1/restapis/abc HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{")
	if a.status != http.StatusRequestEntityTooLarge || a.body["code"] != "PayloadTooLarge" || a.jsonErrorProblem() != "" {
		t.Fatalf("declared 2 MB body = %d %s, want 413 PayloadTooLarge JSON", a.status, a.raw)
	}
	if !a.close {
		t.Error("the answer did not say Connection: close: the unread body must not be parsed as the next request")
	}
}

// TestNetHTTPAnswersAreJSON: the answers net/http writes by itself are JSON on the admin listener.
func TestNetHTTPAnswersAreJSON(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.MaxHeaderBytes = 4 << 10 })
	tests := []struct {
		name, req  string
		wantStatus int
		wantCode   string
	}{
		{"headers over MaxHeaderBytes", "GET /v1/restapis HTTP/1.1\r\nHost: admin\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", 431, "RequestHeaderFieldsTooLarge"},
		{"no Host", "GET /v1/restapis HTTP/1.1\r\n\r\n", 400, "BadRequest"},
		{"malformed request line", "GARBAGE\r\n\r\n", 400, "BadRequest"},
		{"malformed header", "GET /v1/restapis HTTP/1.1\r\nHost: admin\r\nNo colon here\r\n\r\n", 400, "BadRequest"},
		{"unknown transfer encoding", "POST /v1/restapis HTTP/1.1\r\nHost: admin\r\nTransfer-Encoding: zip\r\n\r\n", 501, "NotImplemented"},
		{"unsupported version", "GET /v1/restapis HTTP/2.0\r\nHost: admin\r\n\r\n", 505, "HTTPVersionNotSupported"},
		{"unknown expectation", "GET /healthz HTTP/1.1\r\nHost: admin\r\nExpect: bogus\r\n\r\n", 417, "ExpectationFailed"},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: admin\r\n\r\n", 400, "BadRequest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.raw(tc.req)
			if a.status != tc.wantStatus || a.body["code"] != tc.wantCode {
				t.Errorf("%.40q = %d %s, want %d %s", tc.req, a.status, a.raw, tc.wantStatus, tc.wantCode)
			}
			if p := a.jsonErrorProblem(); p != "" {
				t.Errorf("%.40q = %d %s: %s", tc.req, a.status, a.raw, p)
			}
		})
	}
	// Headers under the limit are served as usual, on a connection that stays open.
	c, br := e.dial()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	for range 2 {
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: admin\r\nX-Pad: "+strings.Repeat("a", 2<<10)+"\r\n\r\n")
		if a, err := readAnswer(br); err != nil || a.status != 200 || a.body["status"] != "ok" {
			t.Fatalf("GET /healthz with 2 KiB of headers = %d %s (%v), want 200", a.status, a.raw, err)
		}
	}
}

// TestUncleanPathsRefused: dot segments, empty segments and encoded slashes get 400 JSON naming the
// problem, never a redirect to a cleaned path.
func TestUncleanPathsRefused(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ path, want string }{
		{"/v1/restapis/x/stages/s/methodsettings/../GET", `".." segment`},
		{"/v1/restapis/../restapis", `".." segment`},
		{"/v1/./restapis", `"." segment`},
		{"/v1/restapis/.", `"." segment`},
		{"/v1/restapis/x/stages/s/methodsettings/%2e%2e/GET", `".." segment (encoded as "%2e%2e")`},
		{"/v1/restapis/%2E%2E/restapis", `".." segment (encoded as "%2E%2E")`},
		{"/v1/restapis/.%2e/x", `".." segment (encoded as ".%2e")`},
		{"/v1/%2e/restapis", `"." segment (encoded as "%2e")`},
		{"/v1//restapis", "empty segment"},
		{"//v1/restapis", "empty segment"},
		{"/v1/restapis/x%2fy", "encoded slash"},
		{"/v1/restapis/x/stages/s/methodsettings/%2Fpets/GET", "encoded slash"},
		{"/healthz/../v1/restapis", `".." segment`},
	}
	for _, tc := range tests {
		for _, auth := range []string{"Authorization: Bearer " + token + "\r\n", ""} {
			for _, method := range []string{"GET", "PUT"} {
				req := method + " " + tc.path + " HTTP/1.1\r\nHost: admin\r\n" + auth
				if method == "PUT" {
					req += "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
				} else {
					req += "\r\n"
				}
				a := e.raw(req)
				if a.status != http.StatusBadRequest || a.body["code"] != "BadRequest" || a.jsonErrorProblem() != "" {
					t.Errorf("%s %s (token: %t) = %d %s, want 400 BadRequest JSON", method, tc.path, auth != "", a.status, a.raw)
					continue
				}
				if msg := a.body["message"].(string); !strings.Contains(msg, tc.want) {
					t.Errorf("%s %s: message %q does not say %q", method, tc.path, msg, tc.want)
				}
			}
		}
	}
	// Escaped characters that are not slashes or dots are fine.
	e.mustCall(404, "GET", "/v1/restapis/x/stages/s/methodsettings/pets/%7BpetId%7D/GET", "")
}

// syncBuffer is a bytes.Buffer that a logger may write from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestUnauthorizedLogIsBounded: a probe of 1,000 calls with no or a wrong token logs about one line a
// second, and gatewayd_admin_unauthorized_total counts every call by reason.
func TestUnauthorizedLogIsBounded(t *testing.T) {
	var logs syncBuffer
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(o *admin.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		o.Registerer = reg
		o.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	})
	const missing, invalid = 600, 400
	start := time.Now()
	var next, wrong atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for n := next.Add(1); n <= missing+invalid; n = next.Add(1) {
				req, _ := http.NewRequest("GET", e.srv.URL+"/v1/restapis", nil)
				if n > missing {
					req.Header.Set("Authorization", "Bearer wrong-"+strconv.FormatInt(n, 10))
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					wrong.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if wrong.Load() > 0 {
		t.Fatalf("%d calls did not get 401", wrong.Load())
	}

	var lines, suppressed int
	var uncounted []string
	for line := range strings.Lines(logs.String()) {
		if !strings.Contains(line, `msg="admin call refused"`) {
			continue
		}
		lines++
		if m := regexp.MustCompile(` suppressed=(\d+)`).FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			suppressed += n
		} else {
			uncounted = append(uncounted, line)
		}
	}
	if max := 2 + int(elapsed.Seconds()); lines < 1 || lines > max {
		t.Errorf("%d refused calls in %v logged %d lines, want 1 to %d", missing+invalid, elapsed, lines, max)
	}
	if len(uncounted) > 0 {
		t.Errorf("%d refusal lines without a suppressed count, such as %s", len(uncounted), uncounted[0])
	}
	if lines+suppressed > missing+invalid {
		t.Errorf("%d lines and %d suppressed: more than the %d calls", lines, suppressed, missing+invalid)
	}

	metrics := e.mustCall(200, "GET", "/metrics", "").raw
	for _, want := range []string{
		fmt.Sprintf(`gatewayd_admin_unauthorized_total{reason="missing"} %d`, missing),
		fmt.Sprintf(`gatewayd_admin_unauthorized_total{reason="invalid"} %d`, invalid),
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics has no line %q:\n%s", want, grepLines(metrics, "gatewayd_admin"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// TestRefusedCallsAreNotAudited: calls refused before they reach a route change nothing, are not
// audited, and leave the API serving.
func TestRefusedCallsAreNotAudited(t *testing.T) {
	hold := newHolder()
	e := newEnv(t, func(o *admin.Options) {
		o.MaxInFlight = 1
		o.MaxBodyBytes = 1024
		o.BodyReadTimeout = 500 * time.Millisecond
		o.BeforeUsageReport = func(context.Context) error { hold.in(); return nil }
	})
	held := make(chan answer, 1)
	go func() { held <- e.call("GET", "/v1/usageplans/p/usage?startDate=2024-01-01&endDate=2024-01-01", "") }()
	hold.waitFor(t, 1)
	defer hold.release() // also when the test fails, so that the server can close

	big := `{"name":"` + strings.Repeat("a", 2048) + `"}`
	for _, c := range []struct {
		name, method, path, body string
		headers                  []string
		want                     int
	}{
		{"no token", "POST", "/v1/restapis", `{"name":"x"}`, []string{"Authorization", ""}, 401},
		{"wrong token", "DELETE", "/v1/restapis/abc", "", []string{"Authorization", "Bearer nope"}, 401},
		{"busy", "POST", "/v1/restapis", `{"name":"x"}`, nil, 429},
		{"declared too large", "POST", "/v1/restapis", big, nil, 413},
		{"unclean path", "PUT", "/v1/restapis/x/../abc", `{"name":"x"}`, nil, 400},
	} {
		if a := e.call(c.method, c.path, c.body, c.headers...); a.status != c.want {
			t.Errorf("%s: %s %s = %d %s, want %d", c.name, c.method, c.path, a.status, a.raw, c.want)
		}
	}
	// A chunked body over the limit.
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/restapis", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 413 {
		t.Errorf("chunked body over the limit = %v (%v), want 413", resp, err)
	} else {
		resp.Body.Close()
	}
	// A body that stalls.
	if a := e.raw("POST /v1/restapis HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + token +
		"\r\nContent-Length: 100\r\n\r\n{"); a.status != http.StatusRequestTimeout {
		t.Errorf("stalled body = %d %s, want 408", a.status, a.raw)
	}

	hold.release()
	<-held
	if items := e.mustCall(200, "GET", "/v1/audit", "").body["items"].([]any); len(items) != 0 {
		t.Errorf("refused calls were audited: %v", items)
	}
	e.mustCall(201, "POST", "/v1/restapis", `{"name":"after"}`)
	if items := e.mustCall(200, "GET", "/v1/audit", "").body["items"].([]any); len(items) != 1 {
		t.Errorf("audit after one change has %d entries, want 1: %v", len(items), items)
	}
}
