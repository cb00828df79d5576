package control_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

const docPolicy = `openapi: 3.0.1
info: {title: P, version: "1"}
paths: {}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*}
`

// TestImportPolicy: an import sets the document's resource policy in its transaction; a document
// without one leaves the API's; the import's own policy (the Terraform attribute beside body) wins;
// a policy gatewayd cannot evaluate is refused with the extension's pointer and changes nothing.
func TestImportPolicy(t *testing.T) {
	f := newFixture(t)
	must(f.importDoc(docPolicy, control.ImportOverwrite))(t)
	want := `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":"*","Resource":"execute-api:/*"}],"Version":"2012-10-17"}`
	if got := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t).Policy; got != want {
		t.Fatalf("policy after the import = %s, want %s", got, want)
	}
	must(f.importDoc(docA, control.ImportOverwrite))(t)
	if got := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t).Policy; got != want {
		t.Errorf("a document without a policy changed it to %q", got)
	}
	def, _, err := openapi.Import([]byte(docPolicy), openapi.Options{APIID: f.api.ID})
	if err != nil {
		t.Fatal(err)
	}
	none := ""
	must(f.svc.ImportRestAPI(f.ctx, f.api.ID, def, control.ImportOptions{Mode: control.ImportMerge, Policy: &none}))(t)
	if got := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t).Policy; got != "" {
		t.Errorf("the import's policy did not win over the document's: %q", got)
	}

	bad := strings.Replace(want, `"Principal":"*",`, "", 1) // what the document could not say: checked again
	def.Policy, def.Name = &bad, "Renamed"
	_, err = f.svc.ImportRestAPI(f.ctx, f.api.ID, def, control.ImportOptions{Mode: control.ImportOverwrite})
	var ce *control.Error
	if status(err) != http.StatusBadRequest || !errors.As(err, &ce) || ce.Field != "/x-amazon-apigateway-policy" {
		t.Fatalf("a bad policy = %v, want 400 at /x-amazon-apigateway-policy", err)
	}
	if api := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t); api.Policy != "" || api.Name != "A" {
		t.Errorf("a refused import changed the API: policy %q, name %q", api.Policy, api.Name)
	}
}
