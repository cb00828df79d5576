package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

const denyCIDR = `{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
  {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
   "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}`

func policyDoc(policy string) []byte {
	return []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
  "x-amazon-apigateway-policy": ` + policy + `}`)
}

// compact is a JSON document as the import stores it: compact, keys sorted.
func compact(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestImportPolicy: x-amazon-apigateway-policy, an object (as API Gateway exports it) or a string
// holding one, is the API's resource policy; a document without one says nothing (nil).
func TestImportPolicy(t *testing.T) {
	quoted, _ := json.Marshal(compact(t, denyCIDR))
	tests := map[string]struct {
		doc  []byte
		want *string
	}{
		"object": {policyDoc(denyCIDR), new(compact(t, denyCIDR))},
		"string": {policyDoc(string(quoted)), new(compact(t, denyCIDR))},
		"none":   {[]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}}`), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			def, warnings, err := openapi.Import(tc.doc, openapi.Options{})
			if err != nil || len(warnings) > 0 {
				t.Fatalf("Import = %v, warnings %v", err, warnings)
			}
			if diff := cmp.Diff(tc.want, def.Policy); diff != "" {
				t.Errorf("policy (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImportPolicyErrors: a policy gatewayd_rest_api_policy would refuse is refused, at the
// extension's pointer.
func TestImportPolicyErrors(t *testing.T) {
	tests := map[string]struct{ policy, message string }{
		"not an object":   {`["Allow"]`, "IAM policy document"},
		"not JSON":        {`"{"`, "IAM policy document"},
		"no principal":    {`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}`, "Principal"},
		"unsupported key": {`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]}`, "aws:SourceVpc"},
		"too long":        {`"` + strings.Repeat("a", model.MaxPolicyLength+1) + `"`, ""},
		"effect neither":  {`{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}]}`, "Effect"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			def, _, err := openapi.Import(policyDoc(tc.policy), openapi.Options{})
			oe, ok := err.(*openapi.Error)
			if !ok || oe.Pointer != "/x-amazon-apigateway-policy" || !strings.Contains(oe.Message, tc.message) || def != nil {
				t.Errorf("Import = %v, want an error at /x-amazon-apigateway-policy containing %q", err, tc.message)
			}
		})
	}
}

// TestExportPolicyRoundTrip: the apigateway extension exports the resource policy as an object, which
// Import reads back the same.
func TestExportPolicyRoundTrip(t *testing.T) {
	snap := &model.Snapshot{RestAPI: model.RestAPI{ID: "abcdefghij", Name: "t", APIKeySource: "HEADER", Policy: compact(t, denyCIDR)}}
	doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtAPIGateway}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), `"x-amazon-apigateway-policy":{"Statement":[`) {
		t.Errorf("the export does not write the policy as an object:\n%s", b)
	}
	def, _, err := openapi.Import(b, openapi.Options{})
	if err != nil || def.Policy == nil || *def.Policy != snap.RestAPI.Policy {
		t.Errorf("import of the export = %v, %v, want %s", def.Policy, err, snap.RestAPI.Policy)
	}
}
