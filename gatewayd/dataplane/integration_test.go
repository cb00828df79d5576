package dataplane_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestHTTPIntegration(t *testing.T) {
	backend := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream", "u-"+r.Header.Get("X-Mapped"))
		w.Header().Set("Content-Type", "text/plain")
		if r.URL.Query().Get("fail") == "1" {
			w.WriteHeader(http.StatusNotFound)
		}
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" h="+r.Header.Get("X-Mapped")+" body="+string(body))
	}))
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.method("/users/{id}", "POST", model.Integration{
		Type: model.IntegrationHTTP, URI: backend.URL + "/v2/{uid}", IntegrationHTTPMethod: "PUT",
		RequestParameters: map[string]string{
			"integration.request.path.uid":         "method.request.path.id",
			"integration.request.querystring.mode": "'fast'",
			"integration.request.querystring.fail": "method.request.querystring.fail",
			"integration.request.header.X-Mapped":  "method.request.header.X-In",
			"integration.request.querystring.env":  "stageVariables.env",
		},
	},
		model.IntegrationResponse{StatusCode: "200", ResponseParameters: map[string]string{
			"method.response.header.X-From-Backend": "integration.response.header.X-Upstream",
			"method.response.header.X-Lit":          "'yes'",
		}},
		model.IntegrationResponse{StatusCode: "400", SelectionPattern: "4\\d\\d", ResponseTemplates: map[string]string{"application/json": `{"error":"not found"}`}},
	)
	b.method("/templated", "POST", model.Integration{
		Type: model.IntegrationHTTP, URI: backend.URL + "/t", IntegrationHTTPMethod: "POST",
		RequestTemplates: map[string]string{"application/json": `{"fixed":true}`}, PassthroughBehavior: "NEVER",
	}, model.IntegrationResponse{StatusCode: "200"})
	b.method("/nodefault", "GET", model.Integration{
		Type: model.IntegrationHTTP, URI: backend.URL + "/n", IntegrationHTTPMethod: "GET",
	}, model.IntegrationResponse{StatusCode: "200", SelectionPattern: "5\\d\\d"})
	setStage(t, s, "prod", map[string]string{"env": "blue"}, b)

	type want struct {
		Status int
		Body   string
		Header map[string]string
	}
	tests := []struct {
		name   string
		method string
		path   string
		ctype  string
		body   string
		header map[string]string
		want   want
	}{
		{
			name: "mapped parameters, default response", method: "POST", path: "/users/7", body: "hello",
			header: map[string]string{"X-In": "abc"},
			want: want{200, "PUT /v2/7?env=blue&mode=fast h=abc body=hello",
				map[string]string{"X-From-Backend": "u-abc", "X-Lit": "yes", "Content-Type": "text/plain"}},
		},
		{
			name: "selection pattern picks 400 with its template", method: "POST", path: "/users/7?fail=1",
			want: want{400, `{"error":"not found"}`, map[string]string{"Content-Type": "application/json"}},
		},
		{
			name: "request template replaces the body", method: "POST", path: "/templated", ctype: "application/json", body: `{"x":1}`,
			want: want{200, `POST /t h= body={"fixed":true}`, nil},
		},
		{
			name: "no template for the content type and NEVER passthrough", method: "POST", path: "/templated", ctype: "text/plain", body: "x",
			want: want{415, `{"message":"Unsupported Media Type"}`, nil},
		},
		{
			name: "no matching response and no default", method: "GET", path: "/nodefault",
			want: want{500, `{"message":"Internal server error"}`, nil},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, tc.method, base+"/api1/prod"+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			res := do(t, req)
			got := want{Status: res.Status, Body: res.Body}
			if tc.want.Header != nil {
				got.Header = map[string]string{}
				for k := range tc.want.Header {
					got.Header[k] = res.Header.Get(k)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", tc.method, tc.path, diff)
			}
		})
	}
}

// lambdaEvent is the part of the proxy event the tests check.
type lambdaEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  struct {
		RequestID    string `json:"requestId"`
		Stage        string `json:"stage"`
		APIID        string `json:"apiId"`
		ResourcePath string `json:"resourcePath"`
		HTTPMethod   string `json:"httpMethod"`
		Identity     struct {
			SourceIP string `json:"sourceIp"`
		} `json:"identity"`
		RequestTimeEpoch int64 `json:"requestTimeEpoch"`
	} `json:"requestContext"`
	Body            *string `json:"body"`
	IsBase64Encoded bool    `json:"isBase64Encoded"`
}

func TestAWSProxy(t *testing.T) {
	var mu sync.Mutex
	var events []lambdaEvent
	answers := map[string]string{
		"ok":        `{"statusCode":201,"headers":{"X-Fn":"yes"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"created"}`,
		"binary":    `{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"` + base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 255}) + `","isBase64Encoded":true}`,
		"notjson":   `this is not json`,
		"nostatus":  `{"body":"x"}`,
		"badbase64": `{"statusCode":200,"body":"%%%","isBase64Encoded":true}`,
	}
	fn := newHTTPTest(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || !strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/") {
			http.Error(w, "not an invoke", http.StatusNotFound)
			return
		}
		var ev lambdaEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		if ev.PathParameters["kind"] == "crash" {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			io.WriteString(w, `{"errorMessage":"boom"}`)
			return
		}
		io.WriteString(w, answers[ev.PathParameters["kind"]])
	}))
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.snap.RestAPI.BinaryMediaTypes = []string{"image/*"}
	b.method("/fn/{kind}", "ANY", model.Integration{
		Type: model.IntegrationAWSProxy, URI: "${stageVariables.lambda}/2015-03-31/functions/MyFunction/invocations",
	})
	setStage(t, s, "prod", map[string]string{"lambda": fn.URL}, b)

	t.Run("event and result", func(t *testing.T) {
		req := newRequest(t, "POST", base+"/api1/prod/fn/ok?a=1&a=2&b=x", strings.NewReader(`{"in":1}`))
		req.Header.Set("Content-Type", "application/json")
		res := do(t, req)
		if res.Status != 201 || res.Body != "created" || res.Header.Get("X-Fn") != "yes" ||
			!cmp.Equal(res.Header.Values("Set-Cookie"), []string{"a=1", "b=2"}) {
			t.Errorf("answer = %d %q %v, want 201 created with X-Fn and two cookies", res.Status, res.Body, res.Header)
		}
		mu.Lock()
		ev := events[len(events)-1]
		mu.Unlock()
		if ev.Resource != "/fn/{kind}" || ev.Path != "/fn/ok" || ev.HTTPMethod != "POST" ||
			ev.PathParameters["kind"] != "ok" || ev.StageVariables["lambda"] != fn.URL ||
			ev.QueryStringParameters["a"] != "2" || !cmp.Equal(ev.MultiValueQueryStringParameters["a"], []string{"1", "2"}) ||
			ev.Headers["Content-Type"] != "application/json" || ev.Body == nil || *ev.Body != `{"in":1}` || ev.IsBase64Encoded {
			t.Errorf("event = %+v", ev)
		}
		rc := ev.RequestContext
		if rc.RequestID != res.Header.Get("X-Gatewayd-Request-Id") || rc.Stage != "prod" || rc.APIID != "api1" ||
			rc.ResourcePath != "/fn/{kind}" || rc.HTTPMethod != "POST" || rc.Identity.SourceIP != "127.0.0.1" || rc.RequestTimeEpoch == 0 {
			t.Errorf("requestContext = %+v", rc)
		}
	})
	t.Run("binary both ways", func(t *testing.T) {
		in := []byte{0xff, 0xd8, 0x00, 0x10}
		req := newRequest(t, "PUT", base+"/api1/prod/fn/binary", bytes.NewReader(in))
		req.Header.Set("Content-Type", "image/jpeg")
		res := do(t, req)
		if res.Status != 200 || res.Body != string([]byte{0, 1, 2, 255}) || res.Header.Get("Content-Type") != "image/png" {
			t.Errorf("answer = %d %q %q, want the decoded png bytes", res.Status, res.Body, res.Header.Get("Content-Type"))
		}
		mu.Lock()
		ev := events[len(events)-1]
		mu.Unlock()
		if !ev.IsBase64Encoded || ev.Body == nil || *ev.Body != base64.StdEncoding.EncodeToString(in) {
			t.Errorf("event body = %v base64=%v, want the request base64-encoded", ev.Body, ev.IsBase64Encoded)
		}
	})
	for _, kind := range []string{"notjson", "nostatus", "badbase64", "crash"} {
		t.Run("malformed "+kind, func(t *testing.T) {
			res := do(t, newRequest(t, "GET", base+"/api1/prod/fn/"+kind, nil))
			if res.Status != 502 || res.Body != `{"message":"Internal server error"}` {
				t.Errorf("answer = %d %q, want 502 Internal server error", res.Status, res.Body)
			}
		})
	}
}
