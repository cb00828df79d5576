package dataplane_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestMappingTemplates runs API Gateway-style request and response templates end to end against a real
// backend: what the backend receives and what the client gets back are the templates' output.
func TestMappingTemplates(t *testing.T) {
	echo := echoBackend(t)
	pets := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99}]}`)
	}))
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	image := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.snap.RestAPI.BinaryMediaTypes = []string{"image/png", "application/octet-stream"}
	http := func(uri string, templates map[string]string, extra ...func(*model.Integration)) model.Integration {
		in := model.Integration{Type: model.IntegrationHTTP, URI: uri, IntegrationHTTPMethod: "POST", RequestTemplates: templates}
		for _, f := range extra {
			f(&in)
		}
		return in
	}
	// A request template reshapes the body; the backend echoes what it got.
	b.method("/orders/{id}", "POST", http(echo.URL+"/orders", map[string]string{"application/json": `#set($o = $input.path('$'))
{
  "orderId": "$input.params('id')",
  "customer": "$util.escapeJavaScript($o.name)",
  "total": $o.items.size(),
  "stage": "$context.stage",
  "color": "$stageVariables.color"
}`}), model.IntegrationResponse{StatusCode: "200"})
	// A response template turns the backend's JSON into XML.
	b.method("/pets", "GET", http(pets.URL+"/pets", nil, func(in *model.Integration) { in.IntegrationHTTPMethod = "GET" }),
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/xml": `#set($root = $input.path('$'))
<pets>
#foreach($p in $root.items)
  <pet id="$p.id" type="$p.type">$p.price</pet>
#end
</pets>`}})
	// A MOCK whose request template chooses the status from a query parameter.
	b.method("/check", "GET", model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": `#if($input.params('found') == 'yes')
{"statusCode": 200}
#else
{statusCode: 404}
#end`}},
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"found": true, "requestId": "$context.requestId"}`}},
		model.IntegrationResponse{StatusCode: "404", SelectionPattern: "404", ResponseTemplates: map[string]string{"application/json": `#set($context.responseOverride.header.X-Why = "no such thing")
{"found": false}`}})
	// NEVER refuses a content type without a template.
	b.method("/strict", "POST", http(echo.URL+"/strict", map[string]string{"application/json": `{"ok": true}`},
		func(in *model.Integration) { in.PassthroughBehavior = "NEVER" }), model.IntegrationResponse{StatusCode: "200"})
	// Overrides: the request template sets a header, a query string value and a path parameter of the
	// integration request; the response template sets the status.
	b.method("/override/{id}", "POST", http(echo.URL+"/over/{id}", map[string]string{"application/json": `#set($context.requestOverride.header.X-Tenant = "t-$input.params('id')")
#set($context.requestOverride.querystring.page = "2")
#set($context.requestOverride.path.id = "r e")
{}`}), model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `#set($context.responseOverride.status = 202)
$input.body`}})
	// A body that is not JSON, read as JSON: API Gateway's 400.
	b.method("/parse", "POST", http(echo.URL+"/parse", map[string]string{"application/json": `$input.json('$.a')`}), model.IntegrationResponse{StatusCode: "200"})
	// A template that never ends is stopped.
	b.method("/loop", "GET", model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": `#macro(f $n)#f($n)#end#f(1)`}},
		model.IntegrationResponse{StatusCode: "200"})
	// Binary: a PNG converted to text for the template, and a binary answer passed through.
	b.method("/upload", "POST", http(echo.URL+"/upload", map[string]string{"image/png": `{"size": $input.body.length(), "data": "$input.body"}`},
		func(in *model.Integration) { in.ContentHandling = model.ContentHandlingConvertToText }), model.IntegrationResponse{StatusCode: "200"})
	b.method("/image", "GET", http(image.URL+"/img", nil, func(in *model.Integration) { in.IntegrationHTTPMethod = "GET" }),
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `never used for a binary answer`}})
	b.method("/image64", "GET", http(image.URL+"/img", nil, func(in *model.Integration) { in.IntegrationHTTPMethod = "GET" }),
		model.IntegrationResponse{StatusCode: "200", ContentHandling: model.ContentHandlingConvertToText,
			ResponseTemplates: map[string]string{"application/json": `{"png": "$input.body"}`}})
	setStage(t, s, "prod", map[string]string{"color": "blue"}, b)

	call := func(method, path, ct, accept, body string) result {
		t.Helper()
		req := newRequest(t, method, base+"/api1/prod"+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return do(t, req)
	}

	t.Run("request template", func(t *testing.T) {
		got := call("POST", "/orders/42", "application/json", "", `{"name": "Ann \"A\" O'Neil", "items": [1, 2, 3]}`)
		e := decodeEcho(t, got.Body)
		want := "{\n  \"orderId\": \"42\",\n  \"customer\": \"Ann \\\"A\\\" O\\'Neil\",\n  \"total\": 3,\n  \"stage\": \"prod\",\n  \"color\": \"blue\"\n}"
		if got.Status != 200 || string(e.Body) != want {
			t.Errorf("backend received %q (status %d), want %q", e.Body, got.Status, want)
		}
	})
	t.Run("response template builds XML", func(t *testing.T) {
		got := call("GET", "/pets", "", "application/xml", "")
		want := "<pets>\n  <pet id=\"1\" type=\"dog\">249.99</pet>\n  <pet id=\"2\" type=\"cat\">124.99</pet>\n</pets>"
		if got.Status != 200 || got.Body != want || got.Header.Get("Content-Type") != "application/xml" {
			t.Errorf("GET /pets = %d %q %q, want 200 application/xml %q", got.Status, got.Header.Get("Content-Type"), got.Body, want)
		}
	})
	t.Run("MOCK chooses 200", func(t *testing.T) {
		got := call("GET", "/check?found=yes", "", "", "")
		var body struct {
			Found     bool   `json:"found"`
			RequestID string `json:"requestId"`
		}
		if err := json.Unmarshal([]byte(got.Body), &body); err != nil || got.Status != 200 || !body.Found || body.RequestID != got.Header.Get("X-Gatewayd-Request-Id") {
			t.Errorf("GET /check?found=yes = %d %q (%v)", got.Status, got.Body, err)
		}
	})
	t.Run("MOCK chooses 404", func(t *testing.T) {
		got := call("GET", "/check?found=no", "", "", "")
		if got.Status != 404 || got.Body != `{"found": false}` || got.Header.Get("X-Why") != "no such thing" {
			t.Errorf("GET /check?found=no = %d %q %v", got.Status, got.Body, got.Header)
		}
	})
	t.Run("415 under NEVER", func(t *testing.T) {
		got := call("POST", "/strict", "text/plain", "", "hello")
		if got.Status != 415 || got.Body != `{"message":"Unsupported Media Type"}` {
			t.Errorf("text/plain under NEVER = %d %q", got.Status, got.Body)
		}
		if got := call("POST", "/strict", "", "", `{}`); got.Status != 200 {
			t.Errorf("no Content-Type (application/json) under NEVER = %d %q", got.Status, got.Body)
		}
	})
	t.Run("overrides", func(t *testing.T) {
		got := call("POST", "/override/7", "application/json", "", `{}`)
		if got.Status != 202 {
			t.Fatalf("status %d %q, want the overridden 202", got.Status, got.Body)
		}
		e := decodeEcho(t, got.Body)
		if e.URI != "/over/r%20e?page=2" || e.Header.Get("X-Tenant") != "t-7" {
			t.Errorf("backend saw %s with X-Tenant %q", e.URI, e.Header.Get("X-Tenant"))
		}
	})
	t.Run("body that is not JSON", func(t *testing.T) {
		got := call("POST", "/parse", "application/json", "", `{"a": `)
		if got.Status != 400 || !strings.HasPrefix(got.Body, `{"message":"Could not parse request body into json: `) {
			t.Errorf("got %d %q", got.Status, got.Body)
		}
	})
	t.Run("runaway template", func(t *testing.T) {
		start := time.Now()
		got := call("GET", "/loop", "", "", "")
		if got.Status != 500 || time.Since(start) > 5*time.Second {
			t.Errorf("got %d %q after %v, want a prompt 500", got.Status, got.Body, time.Since(start))
		}
	})
	t.Run("binary converted to text", func(t *testing.T) {
		got := call("POST", "/upload", "image/png", "", string(png))
		e := decodeEcho(t, got.Body)
		b64 := base64.StdEncoding.EncodeToString(png)
		if want := `{"size": 12, "data": "` + b64 + `"}`; string(e.Body) != want {
			t.Errorf("backend received %q, want %q", e.Body, want)
		}
	})
	t.Run("binary answer passes through", func(t *testing.T) {
		got := call("GET", "/image", "", "image/png", "")
		if got.Status != 200 || !bytes.Equal([]byte(got.Body), png) || got.Header.Get("Content-Type") != "image/png" {
			t.Errorf("got %d %q %q", got.Status, got.Header.Get("Content-Type"), got.Body)
		}
	})
	t.Run("binary answer converted to text", func(t *testing.T) {
		got := call("GET", "/image64", "", "", "")
		if want := `{"png": "` + base64.StdEncoding.EncodeToString(png) + `"}`; got.Status != 200 || got.Body != want {
			t.Errorf("got %d %q, want %q", got.Status, got.Body, want)
		}
	})
}

// TestContextPathValue: $context.path is "/" + stage + the resource's request path, whatever form the
// request path had.
func TestContextPathValue(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	for _, p := range []string{"/", "/items/{id}", "/prod/{x}"} {
		in, resp := mock("200", `$context.path $context.resourcePath`)
		b.method(p, "GET", in, resp)
	}
	setStage(t, s, "prod", nil, b)
	for _, tc := range []struct{ path, want string }{
		{"/api1/prod/items/42", "/prod/items/42 /items/{id}"},
		{"/api1/prod", "/prod/ /"},
		{"/api1/prod/", "/prod/ /"},
		{"/api1/prod/items/a%20b", "/prod/items/a%20b /items/{id}"},
		{"/api1/prod/items/./7", "/prod/items/7 /items/{id}"},
		{"/api1/prod/prod/prod", "/prod/prod/prod /prod/{x}"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got := do(t, newRequest(t, "GET", base+tc.path, nil))
			if got.Status != 200 || got.Body != tc.want {
				t.Errorf("GET %s = %d %q, want 200 %q", tc.path, got.Status, got.Body, tc.want)
			}
		})
	}
}
