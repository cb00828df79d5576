package dataplane_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestRouting(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	for _, r := range []struct{ path, verb, body string }{
		{"/", "GET", "root"},
		{"/pets", "GET", "list"},
		{"/pets", "ANY", "pets-any"},
		{"/pets/mine", "GET", "mine"},
		{"/pets/{id}", "GET", "one"},
		{"/pets/{id}/toys", "GET", "toys"},
		{"/files/{proxy+}", "ANY", "files"},
		{"/files/readme", "GET", "readme"},
		{"/a/b", "POST", "ab-post"},
		{"/a/{x}/c", "GET", "axc"},
	} {
		in, resp := mock("200", r.body)
		b.method(r.path, r.verb, in, resp)
	}
	setStage(t, s, "prod", nil, b)

	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
	}{
		{"root", "GET", "/api1/prod", 200, "root"},
		{"root with slash", "GET", "/api1/prod/", 200, "root"},
		{"literal", "GET", "/api1/prod/pets", 200, "list"},
		{"trailing slash", "GET", "/api1/prod/pets/", 200, "list"},
		{"explicit verb before ANY", "GET", "/api1/prod/pets", 200, "list"},
		{"ANY catches other verbs", "DELETE", "/api1/prod/pets", 200, "pets-any"},
		{"literal before param", "GET", "/api1/prod/pets/mine", 200, "mine"},
		{"param", "GET", "/api1/prod/pets/42", 200, "one"},
		{"param then literal", "GET", "/api1/prod/pets/42/toys", 200, "toys"},
		{"greedy one segment", "PUT", "/api1/prod/files/x", 200, "files"},
		{"greedy many segments", "GET", "/api1/prod/files/x/y/z", 200, "files"},
		{"literal beside greedy", "GET", "/api1/prod/files/readme", 200, "readme"},
		{"greedy needs a segment", "GET", "/api1/prod/files", 403, missingToken},
		{"backtrack from literal", "GET", "/api1/prod/a/b/c", 200, "axc"},
		{"unknown verb", "POST", "/api1/prod/pets/42", 403, missingToken},
		{"unknown route", "GET", "/api1/prod/nope", 403, missingToken},
		{"too deep", "GET", "/api1/prod/pets/42/toys/1", 403, missingToken},
		{"unknown stage", "GET", "/api1/dev/pets", 403, missingToken},
		{"unknown api", "GET", "/nope/prod/pets", 403, missingToken},
		{"bare host", "GET", "/", 403, missingToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, newRequest(t, tc.method, base+tc.path, nil))
			if got.Status != tc.wantStatus || got.Body != tc.wantBody {
				t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.path, got.Status, got.Body, tc.wantStatus, tc.wantBody)
			}
			if got.Header.Get("X-Gatewayd-Request-Id") == "" {
				t.Errorf("%s %s: no x-gatewayd-request-id", tc.method, tc.path)
			}
			if got.Status == 403 && got.Header.Get("Content-Type") != "application/json" {
				t.Errorf("error Content-Type = %q, want application/json", got.Header.Get("Content-Type"))
			}
		})
	}
}

// TestStageStatus: what cannot be served is visible and fails closed. Methods that conflict or are
// misconfigured answer 500 while the rest of the stage serves the new table (DEGRADED); a snapshot that
// cannot be compiled at all makes every route of the stage answer 500 (FAILED), never the old table.
func TestStageStatus(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := newServerOf(t, dataplane.Options{Registerer: reg})
	base := serve(t, s)
	in, resp := mock("200", "v1")
	good := newAPI("api1")
	good.method("/x", "GET", in, resp)
	setStage(t, s, "prod", nil, good)
	wantStatus := func(t *testing.T, status string, problems int) {
		t.Helper()
		got, ok := s.StageStatus("api1", "prod")
		if !ok || got.Status != status || len(got.Problems) != problems {
			t.Errorf("StageStatus = %+v, %v, want %s with %d problems", got, ok, status, problems)
		}
		failed, misconfigured := 0.0, float64(problems)
		if status == dataplane.StageFailed {
			failed, misconfigured = 1, 0
		}
		if v := gaugeValue(t, reg, "gatewayd_stage_failed"); v != failed {
			t.Errorf("gatewayd_stage_failed = %v, want %v", v, failed)
		}
		if v := gaugeValue(t, reg, "gatewayd_stage_misconfigured_methods"); v != misconfigured {
			t.Errorf("gatewayd_stage_misconfigured_methods = %v, want %v", v, misconfigured)
		}
	}
	wantStatus(t, dataplane.StageAvailable, 0)

	t.Run("two greedy siblings and a method newly protected", func(t *testing.T) {
		// The review's reproduction: a second greedy child used to make every compile fail, and the old
		// table kept answering /x without the API key the new configuration requires.
		b := newAPI("api1")
		b.methodWith(model.Method{APIKeyRequired: true}, "/x", "GET", in, resp)
		b.method("/{proxy+}", "ANY", in, resp)
		b.method("/{other+}", "ANY", in, resp)
		if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &b.snap); err != nil {
			t.Fatalf("SetStage: %v", err)
		}
		if got := do(t, newRequest(t, "GET", base+"/api1/prod/x", nil)); got.Status != 403 {
			t.Errorf("newly protected method answers %d %q without a key, want 403", got.Status, got.Body)
		}
		if got := do(t, newRequest(t, "GET", base+"/api1/prod/a/b", nil)); got.Status != 500 {
			t.Errorf("conflicting greedy route answers %d %q, want 500", got.Status, got.Body)
		}
		wantStatus(t, dataplane.StageDegraded, 1)
	})

	bad := newAPI("api1")
	bad.method("/x", "GET", in, resp)
	bad.snap.Methods[0].ResourceID = "gone"
	t.Run("snapshot that does not compile", func(t *testing.T) {
		if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &bad.snap); err == nil {
			t.Fatal("SetStage succeeded, want an error")
		}
		for _, p := range []string{"/x", "/", "/nope"} {
			if got := do(t, newRequest(t, "GET", base+"/api1/prod"+p, nil)); got.Status != 500 {
				t.Errorf("GET %s on a failed stage = %d %q, want 500", p, got.Status, got.Body)
			}
		}
		wantStatus(t, dataplane.StageFailed, 1)
		if got := s.FailedStages(); len(got) != 1 || !strings.HasPrefix(got[0], "api1/prod: ") {
			t.Errorf("FailedStages() = %q", got)
		}
		setStage(t, s, "prod", nil, good)
		if got := do(t, newRequest(t, "GET", base+"/api1/prod/x", nil)); got.Body != "v1" {
			t.Errorf("after a good SetStage: %d %q, want v1", got.Status, got.Body)
		}
		wantStatus(t, dataplane.StageAvailable, 0)
		if got := s.FailedStages(); len(got) != 0 {
			t.Errorf("FailedStages() = %q, want none", got)
		}
	})

	// A method that cannot serve answers 500 while the rest of the stage serves on: an auto-deployed
	// half-applied configuration (a method whose integration is not created yet) must not darken it.
	badPattern := newAPI("api1")
	badPattern.method("/x", "GET", in, resp)
	badPattern.method("/y", "GET", model.Integration{Type: model.IntegrationMock},
		model.IntegrationResponse{StatusCode: "200", SelectionPattern: "("})
	noIntegration := newAPI("api1")
	noIntegration.method("/x", "GET", in, resp)
	noIntegration.method("/y", "GET", in, resp)
	noIntegration.snap.Integrations = noIntegration.snap.Integrations[:1]
	siblings := newAPI("api1")
	siblings.method("/x", "GET", in, resp)
	siblings.method("/y/{a}", "GET", in, resp)
	siblings.method("/y/{b}", "GET", in, resp)
	for name, tc := range map[string]struct {
		b    *apiBuilder
		path string
	}{
		"bad selection pattern":      {badPattern, "/y"},
		"method without integration": {noIntegration, "/y"},
		"sibling parameters":         {siblings, "/y/1"},
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &tc.b.snap); err != nil {
				t.Fatalf("SetStage: %v", err)
			}
			if got := do(t, newRequest(t, "GET", base+"/api1/prod/x", nil)); got.Body != "v1" {
				t.Errorf("healthy method answers %d %q, want v1", got.Status, got.Body)
			}
			got := do(t, newRequest(t, "GET", base+"/api1/prod"+tc.path, nil))
			if got.Status != 500 || got.Body != `{"message":"Internal server error"}` {
				t.Errorf("misconfigured method answers %d %q, want 500 Internal server error", got.Status, got.Body)
			}
			wantStatus(t, dataplane.StageDegraded, 1)
		})
	}

	s.RemoveStage("api1", "prod")
	if got := do(t, newRequest(t, "GET", base+"/api1/prod/x", nil)); got.Status != 403 {
		t.Errorf("after RemoveStage: %d %q, want 403", got.Status, got.Body)
	}
	if _, ok := s.StageStatus("api1", "prod"); ok {
		t.Error("StageStatus reports a removed stage")
	}
}

// gaugeValue reads the one series of a gauge.
func gaugeValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no single series of %s", name)
	return 0
}

func TestMock(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.method("/single", "GET", model.Integration{Type: model.IntegrationMock}, model.IntegrationResponse{
		StatusCode:         "201",
		SelectionPattern:   "2\\d\\d",
		ResponseParameters: map[string]string{"method.response.header.X-Lit": "'lit'", "method.response.header.X-Stage": "stageVariables.color"},
		ResponseTemplates:  map[string]string{"application/json": `{"ok":true}`},
	})
	b.method("/chosen", "GET", model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 404}`}},
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"found":true}`}},
		model.IntegrationResponse{StatusCode: "404", SelectionPattern: "404", ResponseTemplates: map[string]string{"application/json": `{"found":false}`}},
	)
	b.method("/none", "GET", model.Integration{Type: model.IntegrationMock})
	setStage(t, s, "prod", map[string]string{"color": "blue"}, b)

	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{"/single", 201, `{"ok":true}`, map[string]string{"X-Lit": "lit", "X-Stage": "blue", "Content-Type": "application/json"}},
		{"/chosen", 404, `{"found":false}`, nil},
		{"/none", 500, `{"message":"Internal server error"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got := do(t, newRequest(t, "GET", base+"/api1/prod"+tc.path, nil))
			if got.Status != tc.wantStatus || got.Body != tc.wantBody {
				t.Errorf("GET %s = %d %q, want %d %q", tc.path, got.Status, got.Body, tc.wantStatus, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if g := got.Header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestHTTPProxy(t *testing.T) {
	backend := echoBackend(t)
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.method("/items/{id}", "ANY", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/v1/items/{id}?fixed=1"})
	b.method("/{proxy+}", "ANY", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/files/{proxy}"})
	setStage(t, s, "prod", nil, b)

	t.Run("path params and query", func(t *testing.T) {
		got := do(t, newRequest(t, "GET", base+"/api1/prod/items/a%20b?q=1&q=2", nil))
		e := decodeEcho(t, got.Body)
		if want := "/v1/items/a%20b?fixed=1&q=1&q=2"; e.URI != want {
			t.Errorf("backend URI = %q, want %q", e.URI, want)
		}
		if want := strings.TrimPrefix(backend.URL, "http://"); e.Host != want {
			t.Errorf("backend Host = %q, want %q", e.Host, want)
		}
		if got.Header.Get("X-Backend") != "echo" {
			t.Errorf("backend header X-Backend not passed back: %v", got.Header)
		}
		if id := got.Header.Get("X-Gatewayd-Request-Id"); id == "" || e.Header.Get("X-Gatewayd-Request-Id") != id {
			t.Errorf("request id to client %q, to backend %q; want the same, non-empty", id, e.Header.Get("X-Gatewayd-Request-Id"))
		}
	})
	t.Run("greedy path", func(t *testing.T) {
		e := decodeEcho(t, do(t, newRequest(t, "DELETE", base+"/api1/prod/x/y/z.txt", nil)).Body)
		if e.URI != "/files/x/y/z.txt" || e.Method != "DELETE" {
			t.Errorf("backend got %s %s, want DELETE /files/x/y/z.txt", e.Method, e.URI)
		}
	})
	t.Run("forwarded headers are the gateway's", func(t *testing.T) {
		req := newRequest(t, "GET", base+"/api1/prod/items/1", nil)
		req.Header.Set("X-Forwarded-For", "6.6.6.6")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("Forwarded", "for=6.6.6.6")
		req.Header.Set("X-Gatewayd-Request-Id", "spoofed")
		e := decodeEcho(t, do(t, req).Body)
		want := map[string]string{
			"X-Forwarded-For":   "127.0.0.1",
			"X-Forwarded-Proto": "http",
			"X-Forwarded-Host":  strings.TrimPrefix(base, "http://"),
			"Forwarded":         "",
		}
		for k, v := range want {
			if vv := e.Header.Values(k); strings.Join(vv, ",") != v {
				t.Errorf("backend %s = %q, want %q", k, vv, v)
			}
		}
		if e.Header.Get("X-Gatewayd-Request-Id") == "spoofed" {
			t.Error("client-sent request id reached the backend")
		}
	})
	t.Run("hop-by-hop headers removed", func(t *testing.T) {
		req := newRequest(t, "GET", base+"/api1/prod/items/1", nil)
		req.Header.Set("Connection", "X-Secret, keep-alive")
		req.Header.Set("X-Secret", "s")
		req.Header.Set("Keep-Alive", "timeout=5")
		req.Header.Set("Proxy-Authorization", "Basic x")
		req.Header.Set("Te", "trailers")
		req.Header.Set("X-Kept", "k")
		e := decodeEcho(t, do(t, req).Body)
		for _, k := range []string{"X-Secret", "Keep-Alive", "Proxy-Authorization", "Te"} {
			if v := e.Header.Get(k); v != "" {
				t.Errorf("backend got hop-by-hop %s: %q", k, v)
			}
		}
		if e.Header.Get("X-Kept") != "k" {
			t.Error("end-to-end header X-Kept was dropped")
		}
	})
	t.Run("binary body unchanged", func(t *testing.T) {
		body := make([]byte, 70000)
		for i := range body {
			body[i] = byte(i * 7)
		}
		req := newRequest(t, "POST", base+"/api1/prod/items/bin", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/octet-stream")
		e := decodeEcho(t, do(t, req).Body)
		if !bytes.Equal(e.Body, body) {
			t.Errorf("backend got %d bytes, want the %d sent unchanged", len(e.Body), len(body))
		}
	})
}

func TestErrors(t *testing.T) {
	slow := echoBackendFunc(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close()
	backend := echoBackendFunc(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})

	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.method("/slow", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: slow.URL, TimeoutMilliseconds: 100})
	b.method("/dead", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: deadURL})
	b.method("/upload", "POST", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL})
	in, resp := mock("200", "secret")
	b.methodWith(model.Method{Authorization: model.AuthCustom, AuthorizerID: "a1"}, "/custom", "GET", in, resp)
	b.methodWith(model.Method{Authorization: model.AuthIAM}, "/iam", "GET", in, resp)
	b.methodWith(model.Method{APIKeyRequired: true}, "/keyed", "GET", in, resp)
	b.method("/missingvar", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: "${stageVariables.nothere}/x"})
	setStage(t, s, "prod", nil, b)

	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantBody   string
	}{
		{"timeout", newRequest(t, "GET", base+"/api1/prod/slow", nil), 504, `{"message":"Endpoint request timed out"}`},
		{"unreachable", newRequest(t, "GET", base+"/api1/prod/dead", nil), 502, `{"message":"Internal server error"}`},
		{"too large", newRequest(t, "POST", base+"/api1/prod/upload", bytes.NewReader(make([]byte, 10<<20+1))), 413, `{"message":"Request Too Long"}`},
		{"too large chunked", newRequest(t, "POST", base+"/api1/prod/upload", struct{ *bytes.Reader }{bytes.NewReader(make([]byte, 10<<20+1))}), 413, `{"message":"Request Too Long"}`},
		{"authorizer missing from the deployment fails closed", newRequest(t, "GET", base+"/api1/prod/custom", nil), 500, `{"message":"Internal server error"}`},
		{"iam without a signature", newRequest(t, "GET", base+"/api1/prod/iam", nil), 403, missingToken},
		{"api key fails closed", newRequest(t, "GET", base+"/api1/prod/keyed", nil), 403, `{"message":"Forbidden"}`},
		{"uri from a missing stage variable", newRequest(t, "GET", base+"/api1/prod/missingvar", nil), 500, `{"message":"Internal server error"}`},
		{"unknown route", newRequest(t, "GET", base+"/api1/prod/nothing", nil), 403, missingToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, tc.req)
			if diff := cmp.Diff(result{Status: tc.wantStatus, Body: tc.wantBody}, result{Status: got.Status, Body: got.Body}); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", tc.req.Method, tc.req.URL.Path, diff)
			}
		})
	}
	t.Run("max size passes", func(t *testing.T) {
		got := do(t, newRequest(t, "POST", base+"/api1/prod/upload", bytes.NewReader(make([]byte, 10<<20))))
		if got.Status != 200 || got.Body != fmt.Sprint(10<<20) {
			t.Errorf("POST of exactly 10 MB = %d %q, want 200 with the body delivered", got.Status, got.Body)
		}
	})
}

func echoBackendFunc(t *testing.T, h http.HandlerFunc) *httptestServer {
	t.Helper()
	return newHTTPTest(t, h)
}
