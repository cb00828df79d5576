package mapping

import (
	"testing"

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
		{raw: "${stageVariables.missing}/v1", wantErr: true},
		{raw: "ftp://h/x", wantErr: true},
		{raw: "http://{id}.example.com/", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			u, err := CompileURI(tc.raw, tc.vars)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("CompileURI(%q) succeeded, want an error", tc.raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			target, err := u.Target(lookup, tc.query)
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
