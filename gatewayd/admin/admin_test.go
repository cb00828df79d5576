package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/admin"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

const token = "s3cret-token"

type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *sqlite.Store
}

// newEnv serves an admin API the way the daemon does: on the server of API.Server, behind API.Listener.
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
	srv := httptest.NewUnstartedServer(api)
	srv.Config = api.Server()
	srv.Listener = api.Listener(srv.Listener)
	srv.Start()
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

// method declares verb on the resource at path (such as /pets/{petId}), creating the resources on the way.
func (e *env) method(apiID, path, verb string) {
	e.t.Helper()
	api := e.mustCall(200, "GET", "/v1/restapis/"+apiID, "")
	parent := api.body["root_resource_id"].(string)
	prefix := ""
	for part := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		prefix += "/" + part
		found := ""
		list := e.mustCall(200, "GET", "/v1/restapis/"+apiID+"/resources", "")
		for _, r := range list.body["items"].([]any) {
			if r := r.(map[string]any); r["path"] == prefix {
				found = r["id"].(string)
			}
		}
		if found == "" {
			found = e.mustCall(201, "POST", "/v1/restapis/"+apiID+"/resources", `{"parent_id":"`+parent+`","path_part":"`+part+`"}`).body["id"].(string)
		}
		parent = found
	}
	e.mustCall(200, "PUT", "/v1/restapis/"+apiID+"/resources/"+parent+"/methods/"+verb, `{"authorization":"NONE"}`)
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
				if code, _ := a.body["code"].(string); a.status != want || code == "" && want != http.StatusOK {
					t.Errorf("GET %s with %q = %d %s, want %d (JSON when not 200)", path, tc.header, a.status, a.raw, want)
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
		// The review's inputs that used to be accepted.
		{"path part of 100,000 characters", "POST", api + "/resources", `{"parent_id":"` + rootOf(e, apiID) + `","path_part":"` + strings.Repeat("a", 100_000) + `"}`, nil, 400, "BadRequest", "path_part"},
		{"path part ..", "POST", api + "/resources", `{"parent_id":"` + rootOf(e, apiID) + `","path_part":".."}`, nil, 400, "BadRequest", "path_part"},
		{"name with NUL", "PUT", api, `{"name":"a\u0000b"}`, nil, 400, "BadRequest", "name"},
		{"name with a newline", "PUT", api, `{"name":"a\nb"}`, nil, 400, "BadRequest", "name"},
		{"name with an ANSI escape", "PUT", api, `{"name":"\u001b[31mred"}`, nil, 400, "BadRequest", "name"},
		{"invalid UTF-8", "PUT", api, "{\"name\":\"a\xffb\"}", nil, 400, "BadRequest", ""},
		{"uri with credentials", "PUT", method + "/integration", `{"type":"HTTP_PROXY","integration_http_method":"GET","uri":"http://user:pass@h/"}`, nil, 400, "BadRequest", "uri"},
		{"uri with an open placeholder", "PUT", method + "/integration", `{"type":"HTTP_PROXY","integration_http_method":"GET","uri":"http://h/{proxy"}`, nil, 400, "BadRequest", "uri"},
		{"uri with a bad scheme", "PUT", method + "/integration", `{"type":"HTTP_PROXY","integration_http_method":"GET","uri":"http+://h/"}`, nil, 400, "BadRequest", "uri"},
		{"uri with braces in the scheme", "PUT", method + "/integration", `{"type":"HTTP_PROXY","integration_http_method":"GET","uri":"h{t}tp://h/"}`, nil, 400, "BadRequest", "uri"},
		{"uri with braces in the host", "PUT", method + "/integration", `{"type":"HTTP_PROXY","integration_http_method":"GET","uri":"http://h{x}:1/"}`, nil, 400, "BadRequest", "uri"},
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
	hold := newHolder()
	e := newEnv(t, func(o *admin.Options) {
		o.MaxInFlight = 1
		o.BeforeUsageReport = func(context.Context) error { hold.in(); return nil }
	})
	// Hold the only slot with a usage report that waits.
	held := make(chan answer, 1)
	go func() { held <- e.call("GET", "/v1/usageplans/p/usage?startDate=2024-01-01&endDate=2024-01-01", "") }()
	hold.waitFor(t, 1)
	defer func() { hold.release(); <-held }()
	for _, c := range []struct{ method, path, body string }{{"GET", "/v1/restapis", ""}, {"POST", "/v1/restapis", `{"name":"x"}`}} {
		a := e.call(c.method, c.path, c.body)
		if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || a.body["code"] != "TooManyRequests" {
			t.Errorf("%s %s on a busy admin API = %d (Retry-After %q) %s, want 429 TooManyRequests with Retry-After",
				c.method, c.path, a.status, a.header.Get("Retry-After"), a.raw)
		}
	}
}

// holder makes admin hooks wait: each call of in reports itself and waits until release.
type holder struct {
	entered chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newHolder() *holder {
	return &holder{entered: make(chan struct{}, 1000), done: make(chan struct{})}
}

func (h *holder) in() {
	h.entered <- struct{}{}
	<-h.done
}

// waitFor waits until n calls are inside the hook.
func (h *holder) waitFor(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-h.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d calls reached the hook in 10s", i, n)
		}
	}
}

func (h *holder) release() { h.once.Do(func() { close(h.done) }) }

// stage creates an auto-deployed stage of apiID.
func (e *env) stage(apiID, name string) {
	e.t.Helper()
	e.mustCall(201, "POST", "/v1/restapis/"+apiID+"/stages", `{"stage_name":"`+name+`","auto_deploy":true}`)
}

// everyRecord returns the data of every stored record of every kind, in no API's scope and in apiIDs'.
func (e *env) everyRecord(apiIDs ...string) []string {
	e.t.Helper()
	kinds := []store.Kind{store.KindRestAPI, store.KindResource, store.KindMethod, store.KindIntegration, store.KindMethodResponse,
		store.KindIntegrationResponse, store.KindDeployment, store.KindSnapshot, store.KindStage, store.KindStageHistory,
		store.KindAPIKey, store.KindUsagePlan, store.KindUsagePlanKey, store.KindMethodSettings, store.KindUsage}
	var out []string
	err := e.store.View(context.Background(), func(tx store.Tx) error {
		for _, scope := range append([]string{""}, apiIDs...) {
			for _, k := range kinds {
				recs, err := tx.List(k, scope, "")
				if err != nil {
					return err
				}
				for _, r := range recs {
					out = append(out, string(k)+" "+r.Key+" "+string(r.Data))
				}
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestAPIKeyValueReturnedOnce(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	gen := e.mustCall(201, "POST", "/v1/apikeys", `{"name":"generated"}`)
	value, _ := gen.body["value"].(string)
	if len(value) != 40 || gen.body["enabled"] != true || gen.header.Get("ETag") != `"1"` {
		t.Fatalf("create answer value %q enabled %v ETag %s, want 40 characters, enabled by default, \"1\"", value, gen.body["enabled"], gen.header.Get("ETag"))
	}
	const chosen = "my-own-key-value-0123456789"
	own := e.mustCall(201, "POST", "/v1/apikeys", `{"name":"own","value":"`+chosen+`","enabled":false}`)
	if own.body["value"] != chosen || own.body["enabled"] != false {
		t.Fatalf("create answer %s, want the chosen value and enabled false", own.raw)
	}
	ownID := own.body["id"].(string)

	got := e.mustCall(200, "GET", "/v1/apikeys/"+ownID, "")
	if _, has := got.body["value"]; has || got.body["name"] != "own" || got.header.Get("ETag") != `"1"` {
		t.Errorf("GET answer %s (ETag %s), want no value, name own, ETag \"1\"", got.raw, got.header.Get("ETag"))
	}
	listed := e.mustCall(200, "GET", "/v1/apikeys", "")
	for _, k := range listed.body["items"].([]any) {
		if _, has := k.(map[string]any)["value"]; has {
			t.Errorf("list answer holds a value: %s", listed.raw)
		}
	}
	if n := len(listed.body["items"].([]any)); n != 2 {
		t.Errorf("list has %d keys, want 2", n)
	}

	tests := []struct {
		name, body string
		wantStatus int
		wantField  string
	}{
		{"another value", `{"name":"own","value":"another-value-0123456789"}`, 400, "value"},
		{"same value", `{"name":"own","value":"` + chosen + `","enabled":false}`, 200, ""},
		{"enabled absent means true", `{"name":"renamed"}`, 200, ""},
		{"no name", `{"description":"x"}`, 400, "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.call("PUT", "/v1/apikeys/"+ownID, tc.body)
			if a.status != tc.wantStatus || (tc.wantField != "" && a.body["field"] != tc.wantField) {
				t.Fatalf("PUT = %d %s, want %d field %q", a.status, a.raw, tc.wantStatus, tc.wantField)
			}
			if _, has := a.body["value"]; has {
				t.Errorf("update answer holds the value: %s", a.raw)
			}
		})
	}
	final := e.mustCall(200, "GET", "/v1/apikeys/"+ownID, "")
	if final.body["name"] != "renamed" || final.body["enabled"] != true || final.header.Get("ETag") != `"3"` {
		t.Errorf("after updates %s (ETag %s), want renamed, enabled, \"3\"", final.raw, final.header.Get("ETag"))
	}

	// Neither value is in any stored record or in the audit log; the hash is.
	records := e.everyRecord(apiID)
	hashed := false
	for _, r := range records {
		if strings.Contains(r, chosen) || strings.Contains(r, value) {
			t.Errorf("a stored record holds a key value: %s", r)
		}
		hashed = hashed || strings.Contains(r, control.HashAPIKey(chosen))
	}
	if !hashed {
		t.Errorf("no stored record holds the hash of the chosen value; records: %v", records)
	}
	audit := e.mustCall(200, "GET", "/v1/audit?limit=1000", "")
	if strings.Contains(audit.raw, chosen) || strings.Contains(audit.raw, value) {
		t.Errorf("the audit log holds a key value")
	}
	e.mustCall(204, "DELETE", "/v1/apikeys/"+ownID, "")
	e.mustCall(404, "GET", "/v1/apikeys/"+ownID, "")
}

// TestAPIKeysOfCustomer: ?customer_id= lists exactly the keys of that customer ("" those without one),
// through the admin API and the Go client, and without values.
func TestAPIKeysOfCustomer(t *testing.T) {
	e := newEnv(t)
	c, err := client.New(e.srv.URL, token, client.Options{RetryMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ids := map[string]string{}
	for _, k := range []struct{ name, customer string }{{"a1", "acme"}, {"b1", "bolt"}, {"a2", "acme"}, {"none", ""}} {
		out, err := c.CreateAPIKey(ctx, model.APIKey{Name: k.name, CustomerID: k.customer, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		ids[k.name] = out.ID
	}
	names := func(keys []model.APIKey) []string {
		var out []string
		for _, k := range keys {
			if k.Value != "" {
				t.Errorf("listed key %s has a value", k.Name)
			}
			out = append(out, k.Name)
		}
		return out
	}
	for _, tc := range []struct {
		customer string
		want     []string
	}{{"acme", []string{"a1", "a2"}}, {"bolt", []string{"b1"}}, {"", []string{"none"}}, {"nobody", nil}} {
		got, err := c.ListAPIKeysOfCustomer(ctx, tc.customer)
		if err != nil || !slices.Equal(names(got), tc.want) {
			t.Errorf("ListAPIKeysOfCustomer(%q) = %v, %v; want %v", tc.customer, names(got), err, tc.want)
		}
	}
	if all, err := c.ListAPIKeys(ctx); err != nil || len(all) != 4 {
		t.Errorf("ListAPIKeys = %v, %v; want the 4 keys", names(all), err)
	}
	raw := e.mustCall(200, "GET", "/v1/apikeys?customer_id=bolt", "")
	items := raw.body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != ids["b1"] || items[0].(map[string]any)["customer_id"] != "bolt" {
		t.Errorf("GET /v1/apikeys?customer_id=bolt = %s, want key b1 (%s) only", raw.raw, ids["b1"])
	}
	if empty := e.mustCall(200, "GET", "/v1/apikeys?customer_id=nobody", ""); strings.TrimSpace(empty.raw) != `{"items":[]}` {
		t.Errorf("GET /v1/apikeys?customer_id=nobody = %s, want an empty items list", empty.raw)
	}
}

func TestUsagePlanErrorsNameFields(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	e.stage(apiID, "dev")
	tests := []struct {
		name, body          string
		wantStatus          int
		wantCode, wantField string
	}{
		{"no name", `{"description":"x"}`, 400, "BadRequest", "name"},
		{"bad period", `{"name":"p","quota_settings":{"limit":5,"period":"YEAR"}}`, 400, "BadRequest", "quota_settings.period"},
		{"bad weekly offset", `{"name":"p","quota_settings":{"limit":5,"period":"WEEK","offset":9}}`, 400, "BadRequest", "quota_settings.offset"},
		{"negative burst", `{"name":"p","throttle_settings":{"rate_limit":1,"burst_limit":-1}}`, 400, "BadRequest", "throttle_settings.burst_limit"},
		{"wrong type", `{"name":"p","throttle_settings":{"rate_limit":"fast"}}`, 400, "BadRequest", "throttle_settings.rate_limit"},
		{"unknown field", `{"name":"p","quota":{}}`, 400, "BadRequest", "quota"},
		{"missing api", `{"name":"p","api_stages":[{"api_id":"nope000000","stage":"dev"}]}`, 422, "UnprocessableEntity", "api_stages[0]"},
		{"missing stage", `{"name":"p","api_stages":[{"api_id":"` + apiID + `","stage":"dev"},{"api_id":"` + apiID + `","stage":"qa"}]}`, 422, "UnprocessableEntity", "api_stages[1]"},
		{"stage twice", `{"name":"p","api_stages":[{"api_id":"` + apiID + `","stage":"dev"},{"api_id":"` + apiID + `","stage":"dev"}]}`, 400, "BadRequest", "api_stages[1]"},
		{"bad method path", `{"name":"p","api_stages":[{"api_id":"` + apiID + `","stage":"dev","throttle":[{"path":"pets","rate_limit":1,"burst_limit":1}]}]}`, 400, "BadRequest", "api_stages[0].throttle[0].path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.call("POST", "/v1/usageplans", tc.body)
			if a.status != tc.wantStatus || a.body["code"] != tc.wantCode || a.body["field"] != tc.wantField {
				t.Errorf("POST = %d %s, want %d %s field %q", a.status, a.raw, tc.wantStatus, tc.wantCode, tc.wantField)
			}
		})
	}
	if items := e.mustCall(200, "GET", "/v1/usageplans", "").body["items"].([]any); len(items) != 0 {
		t.Errorf("refused creates stored plans: %v", items)
	}
	body := `{"name":"gold","quota_settings":{"limit":100,"period":"MONTH","offset":2},"throttle_settings":{"rate_limit":10,"burst_limit":20},` +
		`"api_stages":[{"api_id":"` + apiID + `","stage":"dev","throttle":[{"path":"/pets/GET","rate_limit":1,"burst_limit":2}]}]}`
	p := e.mustCall(201, "POST", "/v1/usageplans", body)
	id := p.body["id"].(string)
	got := e.mustCall(200, "GET", "/v1/usageplans/"+id, "")
	want := map[string]any{"id": id, "name": "gold", "description": "", "tags": map[string]any{}, "version": float64(1),
		"arn":               "arn:aws:apigateway:us-east-1::/usageplans/" + id,
		"quota_settings":    map[string]any{"limit": float64(100), "period": "MONTH", "offset": float64(2)},
		"throttle_settings": map[string]any{"rate_limit": float64(10), "burst_limit": float64(20)},
		"api_stages": []any{map[string]any{"api_id": apiID, "stage": "dev",
			"throttle": []any{map[string]any{"path": "/pets/GET", "rate_limit": float64(1), "burst_limit": float64(2)}}}}}
	if diff := cmp.Diff(want, got.body); diff != "" || got.header.Get("ETag") != `"1"` {
		t.Errorf("GET plan (ETag %s) (-want +got):\n%s", got.header.Get("ETag"), diff)
	}
	e.mustCall(412, "PUT", "/v1/usageplans/"+id, `{"name":"gold2"}`, "If-Match", `"7"`)
	e.mustCall(200, "PUT", "/v1/usageplans/"+id, `{"name":"gold2"}`, "If-Match", `"1"`)
	e.mustCall(204, "DELETE", "/v1/usageplans/"+id, "")
	e.mustCall(404, "GET", "/v1/usageplans/"+id, "")
}

func TestUsagePlanKeyErrors(t *testing.T) {
	e := newEnv(t)
	plan := e.mustCall(201, "POST", "/v1/usageplans", `{"name":"p"}`).body["id"].(string)
	key := e.mustCall(201, "POST", "/v1/apikeys", `{"name":"alice"}`).body["id"].(string)
	keys := "/v1/usageplans/" + plan + "/keys"
	pk := e.mustCall(201, "POST", keys, `{"key_id":"`+key+`"}`)
	want := map[string]any{"usage_plan_id": plan, "key_id": key, "key_type": "API_KEY", "name": "alice", "version": float64(1)}
	if diff := cmp.Diff(want, pk.body); diff != "" {
		t.Errorf("POST plan key (-want +got):\n%s", diff)
	}
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantField                string
	}{
		{"missing plan", "POST", "/v1/usageplans/nope000000/keys", `{"key_id":"` + key + `","key_type":"API_KEY"}`, 404, ""},
		{"missing key", "POST", keys, `{"key_id":"nope000000","key_type":"API_KEY"}`, 422, "key_id"},
		{"already attached", "POST", keys, `{"key_id":"` + key + `","key_type":"API_KEY"}`, 409, ""},
		{"other key type", "POST", keys, `{"key_id":"` + key + `","key_type":"COGNITO"}`, 400, "key_type"},
		{"get missing link", "GET", keys + "/nope000000", ``, 404, ""},
		{"list of missing plan", "GET", "/v1/usageplans/nope000000/keys", ``, 404, ""},
		{"delete missing link", "DELETE", keys + "/nope000000", ``, 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.call(tc.method, tc.path, tc.body)
			if a.status != tc.wantStatus || (tc.wantField != "" && a.body["field"] != tc.wantField) {
				t.Errorf("%s %s = %d %s, want %d field %q", tc.method, tc.path, a.status, a.raw, tc.wantStatus, tc.wantField)
			}
		})
	}
	if diff := cmp.Diff(want, e.mustCall(200, "GET", keys+"/"+key, "").body); diff != "" {
		t.Errorf("GET plan key (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{want}, e.mustCall(200, "GET", keys, "").body["items"]); diff != "" {
		t.Errorf("GET plan keys (-want +got):\n%s", diff)
	}
	e.mustCall(204, "DELETE", keys+"/"+key, "")
	if diff := cmp.Diff([]any{}, e.mustCall(200, "GET", keys, "").body["items"]); diff != "" {
		t.Errorf("plan keys after delete (-want +got):\n%s", diff)
	}
}

func TestMethodSettingsRoutes(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	e.stage(apiID, "dev")
	e.method(apiID, "/pets/{petId}", "GET")
	e.method(apiID, "/pets/{petId}/toys", "POST")
	e.method(apiID, "/pets", "DELETE")
	base := "/v1/restapis/" + apiID + "/stages/dev/methodsettings/"
	defaults := map[string]any{"throttling_rate_limit": float64(-1), "throttling_burst_limit": float64(-1), "caching_enabled": false,
		"cache_ttl_in_seconds": float64(300), "require_authorization_for_cache_control": true,
		"unauthorized_cache_control_header_strategy": "SUCCEED_WITH_RESPONSE_HEADER",
		"metrics_enabled": false, "logging_level": "OFF", "data_trace_enabled": false, "cache_data_encrypted": false}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range defaults {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name, urlPath, methodPath, body string
		wantSettings                    map[string]any
	}{
		{"resource path with a parameter", "pets/{petId}/GET", "pets/{petId}/GET", `{"settings":{"throttling_rate_limit":5}}`, with("throttling_rate_limit", float64(5))},
		{"escaped braces", "pets/%7BpetId%7D/toys/POST", "pets/{petId}/toys/POST", `{"settings":{"throttling_burst_limit":3}}`, with("throttling_burst_limit", float64(3))},
		{"stage default", "*/*", "*/*", `{"settings":{}}`, defaults},
		{"empty body object", "pets/DELETE", "pets/DELETE", `{}`, defaults},
		{"whole object echoed", "pets/GET", "pets/GET", `{"rest_api_id":"` + apiID + `","stage_name":"dev","method_path":"pets/GET","settings":{"caching_enabled":true}}`, with("caching_enabled", true)},
	}
	wantStage := map[string]any{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.mustCall(200, "PUT", base+tc.urlPath, tc.body)
			want := map[string]any{"rest_api_id": apiID, "stage_name": "dev", "method_path": tc.methodPath, "settings": tc.wantSettings, "version": float64(1)}
			if diff := cmp.Diff(want, a.body); diff != "" || a.header.Get("ETag") != `"1"` {
				t.Errorf("PUT (ETag %s) (-want +got):\n%s", a.header.Get("ETag"), diff)
			}
			if diff := cmp.Diff(want, e.mustCall(200, "GET", base+tc.urlPath, "").body); diff != "" {
				t.Errorf("GET (-want +got):\n%s", diff)
			}
			wantStage[tc.methodPath] = tc.wantSettings
		})
	}
	items := e.mustCall(200, "GET", strings.TrimSuffix(base, "/"), "").body["items"].([]any)
	var paths []string
	for _, it := range items {
		paths = append(paths, it.(map[string]any)["method_path"].(string))
	}
	if diff := cmp.Diff([]string{"*/*", "pets/DELETE", "pets/GET", "pets/{petId}/GET", "pets/{petId}/toys/POST"}, paths); diff != "" {
		t.Errorf("collection paths (-want +got):\n%s", diff)
	}
	st := e.mustCall(200, "GET", "/v1/restapis/"+apiID+"/stages/dev", "")
	if diff := cmp.Diff(wantStage, st.body["method_settings"]); diff != "" {
		t.Errorf("stage method_settings (-want +got):\n%s", diff)
	}
	// A stage PUT that carries method_settings leaves them as they are.
	e.mustCall(200, "PUT", "/v1/restapis/"+apiID+"/stages/dev", `{"auto_deploy":true,"method_settings":{"x/GET":{}}}`)
	st = e.mustCall(200, "GET", "/v1/restapis/"+apiID+"/stages/dev", "")
	if diff := cmp.Diff(wantStage, st.body["method_settings"]); diff != "" {
		t.Errorf("stage method_settings after a stage PUT (-want +got):\n%s", diff)
	}

	errs := []struct {
		name, method, path, body string
		wantStatus               int
		wantField                string
	}{
		{"missing stage", "PUT", "/v1/restapis/" + apiID + "/stages/qa/methodsettings/*/*", `{"settings":{}}`, 404, ""},
		{"leading slash", "PUT", base + "%2Fpets/GET", `{"settings":{}}`, 400, ""}, // the path check refuses the encoded slash
		{"no verb", "PUT", base + "pets", `{"settings":{}}`, 400, "method_path"},
		{"bad ttl", "PUT", base + "*/*", `{"settings":{"cache_ttl_in_seconds":4000}}`, 400, "settings.cache_ttl_in_seconds"},
		{"unknown setting", "PUT", base + "*/*", `{"settings":{"throttle":1}}`, 400, "throttle"},
		{"body path disagrees", "PUT", base + "*/*", `{"method_path":"pets/GET","settings":{}}`, 400, "method_path"},
		{"get missing", "GET", base + "cats/GET", ``, 404, ""},
		{"delete missing", "DELETE", base + "cats/GET", ``, 404, ""},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			a := e.call(tc.method, tc.path, tc.body)
			if a.status != tc.wantStatus || (tc.wantField != "" && a.body["field"] != tc.wantField) {
				t.Errorf("%s %s = %d %s, want %d field %q", tc.method, tc.path, a.status, a.raw, tc.wantStatus, tc.wantField)
			}
		})
	}
	e.mustCall(204, "DELETE", base+"*/*", "")
	e.mustCall(204, "DELETE", base+"pets/%7BpetId%7D/GET", "")
	e.mustCall(404, "GET", base+"*/*", "")
	if n := len(e.mustCall(200, "GET", strings.TrimSuffix(base, "/"), "").body["items"].([]any)); n != 3 {
		t.Errorf("collection after two deletes has %d items, want 3", n)
	}
}

func TestUsageReportShape(t *testing.T) {
	var svc *control.Service
	flushes := 0
	var flushErr error
	e := newEnv(t, func(o *admin.Options) {
		svc = o.Service
		o.BeforeUsageReport = func(ctx context.Context) error { flushes++; return flushErr }
	})
	plan := e.mustCall(201, "POST", "/v1/usageplans", `{"name":"p","quota_settings":{"limit":10,"period":"DAY"}}`).body["id"].(string)
	a := e.mustCall(201, "POST", "/v1/apikeys", `{"name":"a"}`).body["id"].(string)
	b := e.mustCall(201, "POST", "/v1/apikeys", `{"name":"b"}`).body["id"].(string)
	for _, k := range []string{a, b} {
		e.mustCall(201, "POST", "/v1/usageplans/"+plan+"/keys", `{"key_id":"`+k+`","key_type":"API_KEY"}`)
	}
	if err := svc.AddUsage(context.Background(), []model.UsageCount{{UsagePlanID: plan, KeyID: a, Day: "2024-05-01", Count: 3},
		{UsagePlanID: plan, KeyID: a, Day: "2024-05-02", Count: 12}, {UsagePlanID: plan, KeyID: b, Day: "2024-05-02", Count: 1}}); err != nil {
		t.Fatal(err)
	}
	usage := "/v1/usageplans/" + plan + "/usage"
	got := e.mustCall(200, "GET", usage+"?startDate=2024-05-01&endDate=2024-05-03", "")
	want := map[string]any{"usage_plan_id": plan, "start_date": "2024-05-01", "end_date": "2024-05-03", "items": map[string]any{
		a: []any{[]any{float64(3), float64(7)}, []any{float64(12), float64(0)}, []any{float64(0), float64(10)}},
		b: []any{[]any{float64(0), float64(10)}, []any{float64(1), float64(9)}, []any{float64(0), float64(10)}},
	}}
	if diff := cmp.Diff(want, got.body); diff != "" {
		t.Errorf("usage report (-want +got):\n%s", diff)
	}
	one := e.mustCall(200, "GET", usage+"?keyId="+b+"&startDate=2024-05-02&endDate=2024-05-02", "")
	if diff := cmp.Diff(map[string]any{b: []any{[]any{float64(1), float64(9)}}}, one.body["items"]); diff != "" {
		t.Errorf("usage report of one key (-want +got):\n%s", diff)
	}
	if flushes != 2 {
		t.Errorf("BeforeUsageReport ran %d times, want 2", flushes)
	}
	tests := []struct {
		name, query string
		wantStatus  int
		wantField   string
	}{
		{"no start", "?endDate=2024-05-01", 400, "startDate"},
		{"bad end", "?startDate=2024-05-01&endDate=May", 400, "endDate"},
		{"end before start", "?startDate=2024-05-02&endDate=2024-05-01", 400, "endDate"},
		{"over 90 days", "?startDate=2024-01-01&endDate=2024-04-30", 400, "endDate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.call("GET", usage+tc.query, "")
			if a.status != tc.wantStatus || a.body["field"] != tc.wantField {
				t.Errorf("GET usage%s = %d %s, want %d field %q", tc.query, a.status, a.raw, tc.wantStatus, tc.wantField)
			}
		})
	}
	e.mustCall(404, "GET", "/v1/usageplans/nope000000/usage?startDate=2024-05-01&endDate=2024-05-01", "")
	flushErr = errors.New("flush failed")
	e.mustCall(500, "GET", usage+"?startDate=2024-05-01&endDate=2024-05-01", "")
}

// TestClientMetering drives the metering routes through the Go client, method paths with slashes and
// parameters included.
func TestClientMetering(t *testing.T) {
	var svc *control.Service
	e := newEnv(t, func(o *admin.Options) { svc = o.Service })
	c, err := client.New(e.srv.URL, token, client.Options{RetryMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	apiID, _ := e.seed()
	e.stage(apiID, "dev")
	e.method(apiID, "/pets/{petId}", "GET")
	e.method(apiID, "/files/{proxy+}", "ANY")

	key, err := c.CreateAPIKey(ctx, model.APIKey{Name: "k", Enabled: true})
	if err != nil || len(key.Value) != 40 {
		t.Fatalf("CreateAPIKey = %+v, %v; want a 40-character value", key, err)
	}
	if got, err := c.GetAPIKey(ctx, key.ID); err != nil || got.Value != "" || got.Name != "k" {
		t.Errorf("GetAPIKey = %+v, %v; want k without value", got, err)
	}
	key.Enabled, key.Value = false, ""
	if got, err := c.UpdateAPIKey(ctx, key.ID, key, client.IfMatch(1)); err != nil || got.Enabled || got.Version != 2 {
		t.Errorf("UpdateAPIKey = %+v, %v; want disabled at version 2", got, err)
	}
	if keys, err := c.ListAPIKeys(ctx); err != nil || len(keys) != 1 {
		t.Errorf("ListAPIKeys = %+v, %v", keys, err)
	}

	plan, err := c.CreateUsagePlan(ctx, model.UsagePlan{Name: "p", Quota: &model.QuotaSettings{Limit: 5, Period: model.PeriodDay},
		APIStages: []model.UsagePlanStage{{APIID: apiID, Stage: "dev"}}})
	if err != nil {
		t.Fatal(err)
	}
	plan.Name = "p2"
	if got, err := c.UpdateUsagePlan(ctx, plan.ID, plan); err != nil || got.Name != "p2" {
		t.Errorf("UpdateUsagePlan = %+v, %v", got, err)
	}
	if got, err := c.GetUsagePlan(ctx, plan.ID); err != nil || got.Version != 2 {
		t.Errorf("GetUsagePlan = %+v, %v; want version 2", got, err)
	}
	if plans, err := c.ListUsagePlans(ctx); err != nil || len(plans) != 1 {
		t.Errorf("ListUsagePlans = %+v, %v", plans, err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, plan.ID, key.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, plan.ID, key.ID, ""); !client.IsConflict(err) {
		t.Errorf("second CreateUsagePlanKey: %v, want 409", err)
	}
	if pk, err := c.GetUsagePlanKey(ctx, plan.ID, key.ID); err != nil || pk.Name != "k" || pk.KeyType != "API_KEY" {
		t.Errorf("GetUsagePlanKey = %+v, %v", pk, err)
	}
	if pks, err := c.ListUsagePlanKeys(ctx, plan.ID); err != nil || len(pks) != 1 {
		t.Errorf("ListUsagePlanKeys = %+v, %v", pks, err)
	}

	today := time.Now().UTC()
	if err := svc.AddUsage(ctx, []model.UsageCount{{UsagePlanID: plan.ID, KeyID: key.ID, Day: today.Format(time.DateOnly), Count: 2}}); err != nil {
		t.Fatal(err)
	}
	rep, err := c.GetUsage(ctx, plan.ID, key.ID, today, today)
	if err != nil {
		t.Fatal(err)
	}
	wantRep := model.UsageReport{UsagePlanID: plan.ID, StartDate: today.Format(time.DateOnly), EndDate: today.Format(time.DateOnly),
		Items: map[string][][2]int64{key.ID: {{2, 3}}}}
	if diff := cmp.Diff(wantRep, rep); diff != "" {
		t.Errorf("GetUsage (-want +got):\n%s", diff)
	}

	set := model.DefaultMethodSetting()
	set.ThrottlingRateLimit = 7
	for _, path := range []string{"pets/{petId}/GET", "*/*", "files/{proxy+}/ANY"} {
		got, err := c.PutMethodSettings(ctx, apiID, "dev", path, set)
		want := model.MethodSettings{RestAPIID: apiID, StageName: "dev", MethodPath: path, Settings: set, Version: 1}
		if err != nil || cmp.Diff(want, got) != "" {
			t.Errorf("PutMethodSettings(%q) = %+v, %v; want %+v", path, got, err, want)
		}
		if got, err := c.GetMethodSettings(ctx, apiID, "dev", path); err != nil || got.MethodPath != path {
			t.Errorf("GetMethodSettings(%q) = %+v, %v", path, got, err)
		}
	}
	if list, err := c.ListMethodSettings(ctx, apiID, "dev"); err != nil || len(list) != 3 {
		t.Errorf("ListMethodSettings = %+v, %v; want 3", list, err)
	}
	if err := c.DeleteMethodSettings(ctx, apiID, "dev", "pets/{petId}/GET"); err != nil {
		t.Error(err)
	}
	if _, err := c.GetMethodSettings(ctx, apiID, "dev", "pets/{petId}/GET"); !client.IsNotFound(err) {
		t.Errorf("GetMethodSettings after delete: %v, want 404", err)
	}

	if err := c.DeleteUsagePlanKey(ctx, plan.ID, key.ID); err != nil {
		t.Error(err)
	}
	if err := c.DeleteUsagePlan(ctx, plan.ID); err != nil {
		t.Error(err)
	}
	if err := c.DeleteAPIKey(ctx, key.ID); err != nil {
		t.Error(err)
	}
	if _, err := c.GetUsagePlan(ctx, plan.ID); !client.IsNotFound(err) {
		t.Errorf("GetUsagePlan after delete: %v, want 404", err)
	}
}

func TestFlushStageCache(t *testing.T) {
	var flushed []string
	e := newEnv(t, func(o *admin.Options) {
		o.FlushStageCache = func(_ context.Context, api, stage string) error {
			flushed = append(flushed, api+"/"+stage)
			return nil
		}
	})
	apiID, _ := e.seed()
	dep := e.mustCall(201, "POST", "/v1/restapis/"+apiID+"/deployments", `{}`)
	e.mustCall(201, "POST", "/v1/restapis/"+apiID+"/stages", `{"stage_name":"prod","deployment_id":"`+dep.body["id"].(string)+`"}`)
	e.mustCall(204, "DELETE", "/v1/restapis/"+apiID+"/stages/prod/cache", "")
	e.mustCall(404, "DELETE", "/v1/restapis/"+apiID+"/stages/nope/cache", "")
	if diff := cmp.Diff([]string{apiID + "/prod"}, flushed); diff != "" {
		t.Errorf("flushed (-want +got):\n%s", diff)
	}
}

func TestStageHistoryLimit(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	e.stage(apiID, "prod")
	for range 3 {
		e.mustCall(201, "POST", "/v1/restapis/"+apiID+"/deployments", `{"stage_name":"prod"}`)
	}
	hist := "/v1/restapis/" + apiID + "/stages/prod/history"
	seqs := func(a answer) []string {
		var out []string
		for _, it := range a.body["items"].([]any) {
			out = append(out, jsonNum(it.(map[string]any)["seq"]))
		}
		return out
	}
	all := seqs(e.mustCall(200, "GET", hist, ""))
	if len(all) < 4 {
		t.Fatalf("history has %d entries, want at least 4: %v", len(all), all)
	}
	if diff := cmp.Diff(all[len(all)-2:], seqs(e.mustCall(200, "GET", hist+"?limit=2", ""))); diff != "" {
		t.Errorf("?limit=2 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all, seqs(e.mustCall(200, "GET", hist+"?limit=1000", ""))); diff != "" {
		t.Errorf("?limit=1000 (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"0", "-1", "x", "1001", ""} {
		if a := e.call("GET", hist+"?limit="+bad, ""); a.status != 400 || a.body["field"] != "limit" {
			t.Errorf("?limit=%s = %d %s, want 400 field limit", bad, a.status, a.raw)
		}
	}
}
