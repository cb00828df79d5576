package mapping

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestURI(t *testing.T) {
	params := map[string]string{"id": "a%20b", "proxy": "x/y"}
	lookup := func(n string) (string, bool) { v, ok := params[n]; return v, ok }
	tests := []struct {
		raw, query           string
		vars                 map[string]string
		wantAddr, wantTarget string
		wantErr              bool
	}{
		{raw: "http://example.com/items/{id}", wantAddr: "example.com:80", wantTarget: "/items/a%20b"},
		{raw: "https://example.com:8443/f/{proxy+}?k=v", query: "q=1", wantAddr: "example.com:8443", wantTarget: "/f/x/y?k=v&q=1"},
		{raw: "${stageVariables.base}/v1", vars: map[string]string{"base": "http://10.0.0.1:81"}, wantAddr: "10.0.0.1:81", wantTarget: "/v1"},
		{raw: "http://h", wantAddr: "h:80", wantTarget: "/"},
		// More placeholders than Target's buffer of values holds.
		{raw: "http://h/{id}/{id}/{proxy}/{id}/{proxy}?k=v", query: "q=1", wantAddr: "h:80", wantTarget: "/a%20b/a%20b/x/y/a%20b/x/y?k=v&q=1"},
		{raw: "http://h/{nope}", wantErr: true},
		{raw: "${stageVariables.missing}/v1", wantErr: true},
		{raw: "ftp://h/x", wantErr: true},
		{raw: "http://{id}.example.com/", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := CompileURI(tc.raw, tc.vars)
			var target string
			if err == nil {
				target, err = u.Target(lookup, tc.query)
			}
			if tc.wantErr {
				if err == nil {
					t.Fatalf("CompileURI(%q).Target succeeded, want an error", tc.raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err != nil || u.Addr != tc.wantAddr || target != tc.wantTarget {
				t.Errorf("CompileURI(%q) = %s %s %v, want %s %s", tc.raw, u.Addr, target, err, tc.wantAddr, tc.wantTarget)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	rs, err := CompileResponses([]model.IntegrationResponse{
		{StatusCode: "200"},
		{StatusCode: "404", SelectionPattern: "404"},
		{StatusCode: "500", SelectionPattern: "5\\d\\d"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]int{"200": 200, "201": 200, "404": 404, "503": 500, "1404": 200} {
		if got := rs.Select(in); got.Status != want {
			t.Errorf("Select(%q) = %d, want %d", in, got.Status, want)
		}
	}
}

func TestBodyParameters(t *testing.T) {
	body := []byte(`{"pet": {"name": "Rex", "tags": ["a", "b"], "age": 3}}`)
	req := &message.Request{Header: http.Header{}, Body: body}
	in := &Input{Request: req}
	rp, err := CompileRequestParams(map[string]string{
		"integration.request.header.X-Name": "method.request.body.pet.name",
		"integration.request.header.X-Tags": "method.request.body.pet.tags",
		"integration.request.header.X-Age":  "method.request.body.pet.age",
		"integration.request.header.X-None": "method.request.body.pet.owner",
		"integration.request.header.X-All":  "method.request.body",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := rp.Apply(in)
	want := http.Header{"X-Name": {"Rex"}, "X-Tags": {`["a","b"]`}, "X-Age": {"3"}, "X-All": {string(body)}}
	if diff := cmp.Diff(want, m.Header); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	if _, err := CompileRequestParams(map[string]string{"integration.request.header.X": "method.request.body.["}, nil); err == nil {
		t.Error("a JSONPath that does not parse compiled")
	}
}
