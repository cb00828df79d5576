package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// clock is a settable time for session lifetimes.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// newTestConsole serves a console over TLS on a real SQLite store, with a settable clock.
func newTestConsole(t *testing.T, opts Options) (*httptest.Server, *clock) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gatewayd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	opts.Token, opts.Service, opts.Audit, opts.Now = "s3cret-token", control.New(st, control.Options{}), st, clk.Now
	opts.Live = func(string, string) (telemetry.LiveTotals, bool) { return telemetry.LiveTotals{}, false }
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	srv := httptest.NewTLSServer(c)
	t.Cleanup(srv.Close)
	return srv, clk
}

func signIn(t *testing.T, srv *httptest.Server) (*http.Client, *http.Cookie) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A client of its own (srv.Client() is shared), trusting the server's certificate.
	cl := &http.Client{Transport: srv.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.PostForm(srv.URL+"/console/signin", url.Values{"token": {"s3cret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign-in = %d with cookies %v, want 303 and one cookie", resp.StatusCode, resp.Cookies())
	}
	return cl, resp.Cookies()[0]
}

func status(t *testing.T, cl *http.Client, u string) int {
	t.Helper()
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSessionCookieOverTLSAndLifetimes: over TLS the cookie is Secure; a session ends when unused for
// SessionIdle and, however busy, after SessionTTL; the oldest session gives way past MaxSessions.
func TestSessionCookieOverTLSAndLifetimes(t *testing.T) {
	srv, clk := newTestConsole(t, Options{SessionTTL: 3 * time.Hour, SessionIdle: time.Hour, MaxSessions: 2})
	cl, ck := signIn(t, srv)
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie over TLS = %+v, want Secure, HttpOnly, SameSite=Strict", ck)
	}
	apis := srv.URL + "/console/apis"
	if got := status(t, cl, apis); got != http.StatusOK {
		t.Fatalf("GET /console/apis signed in = %d, want 200", got)
	}
	// Used every 50 minutes, the session outlives the idle limit but not the absolute one.
	for range 3 {
		clk.add(50 * time.Minute)
		if got := status(t, cl, apis); got != http.StatusOK {
			t.Fatalf("GET /console/apis after 50 idle minutes = %d, want 200", got)
		}
	}
	clk.add(31 * time.Minute) // 3h01 after sign-in
	if got := status(t, cl, apis); got != http.StatusUnauthorized {
		t.Errorf("GET /console/apis 3h01 after signing in = %d, want 401 (absolute lifetime 3h)", got)
	}

	cl, _ = signIn(t, srv)
	clk.add(61 * time.Minute)
	if got := status(t, cl, apis); got != http.StatusUnauthorized {
		t.Errorf("GET /console/apis after 61 idle minutes = %d, want 401 (idle limit 1h)", got)
	}

	first, _ := signIn(t, srv)
	clk.add(time.Minute)
	second, _ := signIn(t, srv)
	clk.add(time.Minute)
	third, _ := signIn(t, srv)
	if a, b, c := status(t, first, apis), status(t, second, apis), status(t, third, apis); a != http.StatusUnauthorized || b != http.StatusOK || c != http.StatusOK {
		t.Errorf("with MaxSessions 2, the three sessions answer %d, %d, %d; want the oldest refused (401, 200, 200)", a, b, c)
	}
}

// TestSignInFailuresAreLimited: past a burst of 10 wrong tokens, sign-in answers 429 (5 failures a
// second refill it). The loop stops at the first 429, or fails after 200 tries.
func TestSignInFailuresAreLimited(t *testing.T) {
	srv, _ := newTestConsole(t, Options{})
	cl := srv.Client()
	refused := 0
	for range 200 {
		resp, err := cl.PostForm(srv.URL+"/console/signin", url.Values{"token": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			refused++
		case http.StatusTooManyRequests:
			if refused < 10 {
				t.Errorf("429 after %d wrong tokens, want the burst of 10 answered 401 first", refused)
			}
			return
		default:
			t.Fatalf("a wrong token answered %d", resp.StatusCode)
		}
	}
	t.Errorf("200 wrong tokens in a row were all answered 401; want 429 once the limiter is empty")
}
