package dataplane_test

import (
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestRequestValidation: a method with a request validator answers 400 as API Gateway does when a
// required parameter is missing or the body fails the method's model, and the backend is not called.
func TestRequestValidation(t *testing.T) {
	backend := newRecordingBackend(t)
	s := newServer(t)
	base := serve(t, s)
	b := newAPI("api1")
	b.snap.Models = []model.Model{{Name: "Pet", ContentType: "application/json",
		Schema: `{"type": "object", "properties": {"type": {"enum": ["dog", "cat"]}, "price": {"type": "number", "minimum": 0}}, "required": ["type"]}`}}
	b.snap.RequestValidators = []model.RequestValidator{
		{ID: "all", Name: "all", ValidateRequestBody: true, ValidateRequestParameters: true},
		{ID: "params", Name: "params", ValidateRequestParameters: true},
	}
	params := map[string]bool{"method.request.querystring.page": true, "method.request.header.x-tenant": true, "method.request.querystring.opt": false}
	b.methodWith(model.Method{RequestValidatorID: "all", RequestParameters: params, RequestModels: map[string]string{"application/json": "Pet"}},
		"/pets", "POST", proxy(backend.url+"/pets"))
	b.methodWith(model.Method{RequestValidatorID: "params", RequestParameters: params, RequestModels: map[string]string{"application/json": "Pet"}},
		"/pets", "PUT", proxy(backend.url+"/pets"))
	// Required flags without a validator are not enforced, as in API Gateway.
	b.methodWith(model.Method{RequestParameters: params}, "/open", "POST", proxy(backend.url+"/open"))
	setStage(t, s, "prod", nil, b)

	tests := []struct {
		name, method, path, ct, body string
		header                       map[string]string
		wantStatus                   int
		wantBody                     string
	}{
		{"valid", "POST", "/pets?page=1", "application/json", `{"type":"dog","price":3}`, map[string]string{"X-Tenant": "a"}, 200, ""},
		{"missing both", "POST", "/pets", "application/json", `{"type":"dog"}`, nil, 400, `{"message":"Missing required request parameters: [page, x-tenant]"}`},
		{"missing header", "POST", "/pets?page=", "application/json", `{"type":"dog"}`, nil, 400, `{"message":"Missing required request parameters: [x-tenant]"}`},
		{"bad body", "POST", "/pets?page=1", "application/json", `{"type":"bird"}`, map[string]string{"X-Tenant": "a"}, 400, `{"message":"Invalid request body"}`},
		{"not JSON", "POST", "/pets?page=1", "", `{"type":`, map[string]string{"X-Tenant": "a"}, 400, `{"message":"Invalid request body"}`},
		{"no model for the type", "POST", "/pets?page=1", "text/plain", `anything`, map[string]string{"X-Tenant": "a"}, 200, ""},
		{"parameters only", "PUT", "/pets?page=1", "application/json", `{"type":"bird"}`, map[string]string{"X-Tenant": "a"}, 200, ""},
		{"parameters only, missing", "PUT", "/pets", "application/json", `{}`, map[string]string{"X-Tenant": "a"}, 400, `{"message":"Missing required request parameters: [page]"}`},
		{"no validator", "POST", "/open", "application/json", `{}`, nil, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, tc.method, base+"/api1/prod"+tc.path, strings.NewReader(tc.body))
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			got := do(t, req)
			called := len(backend.take()) > 0
			if got.Status != tc.wantStatus || (tc.wantBody != "" && got.Body != tc.wantBody) {
				t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.path, got.Status, got.Body, tc.wantStatus, tc.wantBody)
			}
			if called != (tc.wantStatus == 200) {
				t.Errorf("backend called = %v with status %d", called, got.Status)
			}
		})
	}
}
