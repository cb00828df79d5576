package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browserless is an HTTP client that keeps cookies and shows redirects instead of following them.
func browserless(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestConsoleRefusesWithoutSessionOrCSRF checks the console's walls with plain HTTP against a real
// gatewayd: reads need a session (401), changes need a session (401) and its CSRF token (403) and
// must come from the console's own origin (403), the session cookie opens nothing on /v1, a refused
// change changes nothing, and sign-out ends the session.
func TestConsoleRefusesWithoutSessionOrCSRF(t *testing.T) {
	w := startWorld(t)
	base := w.d.AdminURL + "/console"
	stagePage := base + "/apis/" + w.api.ID + "/stages/prod"
	rollback := url.Values{"deployment_id": {w.dep1}, "csrf": {"x"}}
	anon := browserless(t)

	for _, tc := range []struct{ method, path string }{
		{"GET", "/apis"}, {"GET", "/apis/" + w.api.ID}, {"GET", "/apis/" + w.api.ID + "/stages/prod"},
		{"GET", "/apis/" + w.api.ID + "/stages/prod/metrics"}, {"GET", "/audit"},
		{"POST", "/apis/" + w.api.ID + "/stages/prod/rollback"}, {"POST", "/signout"},
	} {
		var form url.Values
		if tc.method == "POST" {
			form = rollback
		}
		resp, body := do(t, anon, tc.method, base+tc.path, form, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a session = %d, want 401: %.200s", tc.method, tc.path, resp.StatusCode, body)
		}
	}

	resp, _ := do(t, anon, "POST", base+"/signin", url.Values{"token": {w.d.Token + "x"}}, nil)
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("sign-in with a wrong token = %d with cookies %v, want 401 and none", resp.StatusCode, resp.Cookies())
	}

	user := browserless(t)
	resp, _ = do(t, user, "POST", base+"/signin", url.Values{"token": {w.d.Token}, "next": {"/console/audit"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/audit" {
		t.Fatalf("sign-in = %d to %q, want 303 to /console/audit", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("sign-in set cookies %v, want one", cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console" || ck.Secure || len(ck.Value) < 40 || ck.MaxAge <= 0 {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Strict, Path=/console, not Secure over plain HTTP, a long random value and an expiry", ck)
	}

	resp, body := do(t, user, "GET", stagePage, nil, nil)
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("stage page with a session = %d, csrf field found %v", resp.StatusCode, m != nil)
	}
	csrf := m[1]
	wrong := strings.Repeat("A", len(csrf))
	for _, tc := range []struct {
		name   string
		form   url.Values
		header http.Header
	}{
		{"no CSRF token", url.Values{"deployment_id": {w.dep1}}, nil},
		{"a wrong CSRF token", url.Values{"deployment_id": {w.dep1}, "csrf": {wrong}}, nil},
		{"another site's Origin", url.Values{"deployment_id": {w.dep1}, "csrf": {csrf}}, http.Header{"Origin": {"http://attacker.example"}}},
		{"an opaque Origin", url.Values{"deployment_id": {w.dep1}, "csrf": {csrf}}, http.Header{"Origin": {"null"}}},
	} {
		resp, body := do(t, user, "POST", stagePage+"/rollback", tc.form, tc.header)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("rollback with a session and %s = %d, want 403: %.200s", tc.name, resp.StatusCode, body)
		}
	}
	if got := w.deployment(t); got != w.dep2 {
		t.Fatalf("after refused rollbacks the stage serves %s, want %s (unchanged)", got, w.dep2)
	}
	if got := w.call(t); got != "v2" {
		t.Fatalf("after refused rollbacks the stage answers %q, want v2", got)
	}

	// The console's cookie is no admin credential.
	resp, _ = do(t, user, "GET", w.d.AdminURL+"/v1/restapis", nil, http.Header{"Cookie": {ck.Name + "=" + ck.Value}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /v1/restapis with the console's cookie and no bearer token = %d, want 401", resp.StatusCode)
	}

	resp, body = do(t, user, "POST", stagePage+"/rollback", url.Values{"deployment_id": {w.dep1}, "csrf": {csrf}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rollback with the session and its CSRF token = %d, want 303: %.300s", resp.StatusCode, body)
	}
	if got := w.call(t); got != "v1" {
		t.Errorf("after the rollback the stage answers %q, want v1", got)
	}
	var rollbacks []string
	for _, e := range w.audit(t) {
		if strings.HasSuffix(e.Path, "/stages/prod/rollback") {
			rollbacks = append(rollbacks, e.Actor+" "+e.Result)
		}
	}
	if len(rollbacks) != 1 || !strings.HasPrefix(rollbacks[0], "console-session:") || !strings.HasSuffix(rollbacks[0], " ok") {
		t.Errorf("audited rollbacks = %q, want one by a console session, ok (refused ones are not audited)", rollbacks)
	}

	resp, _ = do(t, user, "POST", base+"/signout", url.Values{"csrf": {csrf}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out = %d, want 303", resp.StatusCode)
	}
	resp, _ = do(t, anon, "GET", base+"/apis", nil, http.Header{"Cookie": {ck.Name + "=" + ck.Value}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /console/apis with a signed-out session's cookie = %d, want 401", resp.StatusCode)
	}
}
