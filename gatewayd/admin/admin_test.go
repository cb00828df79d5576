package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/admin"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

const token = "s3cret-token"

type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *sqlite.Store
}

func newEnv(t *testing.T, opts ...func(*admin.Options)) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := admin.Options{Token: token, Service: control.New(st, control.Options{PublicURL: "http://gw.test"}), Audit: st,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	api, err := admin.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, store: st}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// call sends one admin call with the right token unless headers override Authorization.
func (e *env) call(method, path, body string, headers ...string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (e *env) mustCall(want int, method, path, body string, headers ...string) answer {
	e.t.Helper()
	a := e.call(method, path, body, headers...)
	if a.status != want {
		e.t.Fatalf("%s %s = %d %s, want %d", method, path, a.status, a.raw, want)
	}
	return a
}

// seed creates an API with a resource, a GET method and its MOCK integration.
func (e *env) seed() (apiID, resID string) {
	e.t.Helper()
	api := e.mustCall(201, "POST", "/v1/restapis", `{"name":"pets"}`)
	apiID = api.body["id"].(string)
	res := e.mustCall(201, "POST", "/v1/restapis/"+apiID+"/resources", `{"parent_id":"`+api.body["root_resource_id"].(string)+`","path_part":"pets"}`)
	resID = res.body["id"].(string)
	e.mustCall(200, "PUT", "/v1/restapis/"+apiID+"/resources/"+resID+"/methods/GET", `{"authorization":"NONE"}`)
	e.mustCall(200, "PUT", "/v1/restapis/"+apiID+"/resources/"+resID+"/methods/GET/integration", `{"type":"MOCK"}`)
	return apiID, resID
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	tests := map[string]struct {
		header string
		want   int
	}{
		"no token":         {"", http.StatusUnauthorized},
		"wrong token":      {"Bearer nope", http.StatusUnauthorized},
		"token prefix":     {"Bearer " + token[:4], http.StatusUnauthorized},
		"basic scheme":     {"Basic " + token, http.StatusUnauthorized},
		"right token":      {"Bearer " + token, http.StatusOK},
		"token with space": {"Bearer  " + token, http.StatusOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/v1/restapis", "/metrics", "/v1/audit"} {
				a := e.call("GET", path, "", "Authorization", tc.header)
				want := tc.want
				if path == "/metrics" && want == http.StatusOK {
					want = http.StatusNotFound // no metrics handler in this test
				}
				if a.status != want {
					t.Errorf("GET %s with %q = %d, want %d", path, tc.header, a.status, want)
				}
			}
		})
	}
	// A refused write changes nothing.
	e.call("POST", "/v1/restapis", `{"name":"x"}`, "Authorization", "Bearer wrong")
	if got := e.mustCall(200, "GET", "/v1/restapis", "").body["items"].([]any); len(got) != 0 {
		t.Errorf("refused write created %v", got)
	}
	// Health endpoints need no token.
	e.mustCall(200, "GET", "/healthz", "", "Authorization", "")
	e.mustCall(200, "GET", "/readyz", "", "Authorization", "")
}

func TestNewRefusesEmptyToken(t *testing.T) {
	if _, err := admin.New(admin.Options{}); err == nil {
		t.Fatal("admin.New with no token succeeded")
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	apiID, resID := e.seed()
	api := "/v1/restapis/" + apiID
	method := api + "/resources/" + resID + "/methods/GET"
	tests := []struct {
		name, method, path, body string
		headers                  []string
		wantStatus               int
		wantCode, wantField      string
	}{
		{"malformed json", "POST", "/v1/restapis", `{"name":`, nil, 400, "BadRequest", ""},
		{"unknown field", "POST", "/v1/restapis", `{"name":"a","nmae":"b"}`, nil, 400, "BadRequest", "nmae"},
		{"wrong type", "POST", "/v1/restapis", `{"name":42}`, nil, 400, "BadRequest", "name"},
		{"two objects", "POST", "/v1/restapis", `{"name":"a"}{"name":"b"}`, nil, 400, "BadRequest", ""},
		{"empty body", "POST", "/v1/restapis", ``, nil, 400, "BadRequest", ""},
		{"missing name", "POST", "/v1/restapis", `{"description":"x"}`, nil, 400, "BadRequest", "name"},
		{"bad enum", "POST", "/v1/restapis", `{"name":"a","api_key_source":"QUERY"}`, nil, 400, "BadRequest", "api_key_source"},
		{"wrong content type", "POST", "/v1/restapis", `{"name":"a"}`, []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType", ""},
		{"missing api", "GET", "/v1/restapis/nope000000", ``, nil, 404, "NotFound", ""},
		{"missing resource", "GET", api + "/resources/nope000000", ``, nil, 404, "NotFound", ""},
		{"missing method", "GET", api + "/resources/" + resID + "/methods/POST", ``, nil, 404, "NotFound", ""},
		{"bad verb", "PUT", api + "/resources/" + resID + "/methods/FETCH", `{"authorization":"NONE"}`, nil, 400, "BadRequest", "http_method"},
		{"method on missing resource", "PUT", api + "/resources/nope000000/methods/GET", `{"authorization":"NONE"}`, nil, 404, "NotFound", ""},
		{"integration without method", "PUT", api + "/resources/" + resID + "/methods/POST/integration", `{"type":"MOCK"}`, nil, 404, "NotFound", ""},
		{"timeout out of range", "PUT", method + "/integration", `{"type":"MOCK","timeout_milliseconds":10}`, nil, 400, "BadRequest", "timeout_milliseconds"},
		{"http without uri", "PUT", method + "/integration", `{"type":"HTTP_PROXY","integration_http_method":"GET"}`, nil, 400, "BadRequest", "uri"},
		{"bad selection pattern", "PUT", method + "/integration/responses/200", `{"selection_pattern":"("}`, nil, 400, "BadRequest", "selection_pattern"},
		{"bad status code", "PUT", method + "/responses/700", `{}`, nil, 400, "BadRequest", "status_code"},
		{"body key disagrees with url", "PUT", method, `{"http_method":"POST","authorization":"NONE"}`, nil, 400, "BadRequest", "http_method"},
		{"parent does not exist", "POST", api + "/resources", `{"parent_id":"nope000000","path_part":"x"}`, nil, 422, "UnprocessableEntity", "parent_id"},
		{"duplicate path part", "POST", api + "/resources", `{"parent_id":"` + rootOf(e, apiID) + `","path_part":"pets"}`, nil, 409, "Conflict", ""},
		{"bad path part", "POST", api + "/resources", `{"parent_id":"` + rootOf(e, apiID) + `","path_part":"a/b"}`, nil, 400, "BadRequest", "path_part"},
		{"stage with missing deployment", "POST", api + "/stages", `{"stage_name":"prod","deployment_id":"nope000000"}`, nil, 422, "UnprocessableEntity", "deployment_id"},
		{"stage without deployment", "POST", api + "/stages", `{"stage_name":"prod"}`, nil, 400, "BadRequest", "deployment_id"},
		{"create-only put on existing", "PUT", method, `{"authorization":"NONE"}`, []string{"If-None-Match", "*"}, 409, "Conflict", ""},
		{"stale if-match", "PUT", method, `{"authorization":"NONE"}`, []string{"If-Match", `"99"`}, 412, "PreconditionFailed", ""},
		{"garbage if-match", "PUT", method, `{"authorization":"NONE"}`, []string{"If-Match", `"x"`}, 400, "BadRequest", "If-Match"},
		{"wrong method", "PATCH", api, `{}`, nil, 405, "MethodNotAllowed", ""},
		{"unknown route", "GET", "/v1/nothing", ``, nil, 404, "NotFound", ""},
		{"delete root resource", "DELETE", api + "/resources/" + rootOf(e, apiID), ``, nil, 400, "BadRequest", "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot(apiID)
			a := e.call(tc.method, tc.path, tc.body, tc.headers...)
			if a.status != tc.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, a.status, a.raw, tc.wantStatus)
			}
			if got := a.body["code"]; got != tc.wantCode {
				t.Errorf("code = %v, want %q (%s)", got, tc.wantCode, a.raw)
			}
			if msg, _ := a.body["message"].(string); msg == "" {
				t.Errorf("error has no message: %s", a.raw)
			}
			if tc.wantField != "" && a.body["field"] != tc.wantField {
				t.Errorf("field = %v, want %q (%s)", a.body["field"], tc.wantField, a.raw)
			}
			if diff := cmp.Diff(before, e.snapshot(apiID)); diff != "" {
				t.Errorf("a refused call changed the API (-before +after):\n%s", diff)
			}
		})
	}
}

func rootOf(e *env, apiID string) string {
	return e.mustCall(200, "GET", "/v1/restapis/"+apiID, "").body["root_resource_id"].(string)
}

// snapshot is everything a deployment would freeze, plus the stages: what a refused call must not touch.
func (e *env) snapshot(apiID string) []string {
	var out []string
	for _, p := range []string{"", "/resources", "/stages", "/deployments"} {
		out = append(out, e.mustCall(200, "GET", "/v1/restapis/"+apiID+p, "").raw)
	}
	return out
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.MaxBodyBytes = 1024 })
	big := `{"name":"x","description":"` + strings.Repeat("a", 2048) + `"}`
	a := e.call("POST", "/v1/restapis", big)
	if a.status != http.StatusRequestEntityTooLarge || a.body["code"] != "PayloadTooLarge" {
		t.Fatalf("oversized body = %d %s, want 413 PayloadTooLarge", a.status, a.raw)
	}
	if got := e.mustCall(200, "GET", "/v1/restapis", "").body["items"].([]any); len(got) != 0 {
		t.Errorf("oversized body created %v", got)
	}
}

func TestIfMatchAndETag(t *testing.T) {
	e := newEnv(t)
	a := e.mustCall(201, "POST", "/v1/restapis", `{"name":"v"}`)
	id := a.body["id"].(string)
	if got := a.header.Get("ETag"); got != `"1"` {
		t.Fatalf("ETag after create = %q, want \"1\"", got)
	}
	e.mustCall(200, "PUT", "/v1/restapis/"+id, `{"name":"v2"}`, "If-Match", `"1"`)
	// A second writer holding version 1 loses the race.
	e.mustCall(412, "PUT", "/v1/restapis/"+id, `{"name":"v3"}`, "If-Match", `"1"`)
	got := e.mustCall(200, "GET", "/v1/restapis/"+id, "")
	if got.body["name"] != "v2" || got.header.Get("ETag") != `"2"` {
		t.Fatalf("after lost race: name %v etag %s, want v2 \"2\"", got.body["name"], got.header.Get("ETag"))
	}
	e.mustCall(412, "DELETE", "/v1/restapis/"+id, "", "If-Match", `"1"`)
	e.mustCall(204, "DELETE", "/v1/restapis/"+id, "", "If-Match", `"2"`)
}

func TestDefaultsEchoed(t *testing.T) {
	e := newEnv(t)
	apiID, resID := e.seed()
	in := e.mustCall(200, "GET", "/v1/restapis/"+apiID+"/resources/"+resID+"/methods/GET/integration", "").body
	want := map[string]any{"passthrough_behavior": "WHEN_NO_MATCH", "timeout_milliseconds": float64(29000),
		"request_parameters": map[string]any{}, "request_templates": map[string]any{}, "cache_key_parameters": []any{}}
	for k, v := range want {
		if diff := cmp.Diff(v, in[k]); diff != "" {
			t.Errorf("integration %s (-want +got):\n%s", k, diff)
		}
	}
	api := e.mustCall(200, "GET", "/v1/restapis/"+apiID, "").body
	if diff := cmp.Diff([]any{}, api["binary_media_types"]); diff != "" {
		t.Errorf("binary_media_types (-want +got):\n%s", diff)
	}
}

func TestAuditRecordsChangesNotReads(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed() // 4 changing calls
	e.mustCall(200, "GET", "/v1/restapis/"+apiID, "")
	e.mustCall(200, "GET", "/v1/restapis", "")
	e.call("POST", "/v1/restapis", `{"bad":1}`) // a refused change is audited with its result
	entries := e.mustCall(200, "GET", "/v1/audit", "").body["items"].([]any)
	var got []string
	for _, x := range entries {
		m := x.(map[string]any)
		got = append(got, m["method"].(string)+" "+strings.Split(m["path"].(string), "/")[2]+" "+
			strings.TrimSpace(strings.Split(m["result"].(string), ":")[0])+" "+jsonNum(m["status"]))
		if m["actor"] == "" || m["time"] == "" {
			t.Errorf("audit entry without actor or time: %v", m)
		}
	}
	want := []string{"POST restapis ok 201", "POST restapis ok 201", "PUT restapis ok 200", "PUT restapis ok 200",
		`POST restapis unknown field "bad" 400`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
	// Paging.
	page := e.mustCall(200, "GET", "/v1/audit?after=3&limit=1", "").body["items"].([]any)
	if len(page) != 1 || page[0].(map[string]any)["seq"] != float64(4) {
		t.Errorf("audit page after=3 limit=1 = %v", page)
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLoadShedding(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.MaxInFlight = 1 })
	// Hold the only slot with a request whose body never finishes.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", e.srv.URL+"/v1/restapis", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	_, _ = pw.Write([]byte(`{"name":`))
	var a answer
	for range 200 {
		if a = e.call("GET", "/v1/restapis", ""); a.status == http.StatusTooManyRequests {
			break
		}
	}
	pw.Close()
	<-done
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Fatalf("busy admin API = %d (Retry-After %q), want 429 with Retry-After", a.status, a.header.Get("Retry-After"))
	}
}
