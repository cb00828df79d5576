package control_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

const docGatewayResponses = `openapi: 3.0.1
info: {title: G, version: "1"}
paths: {}
x-amazon-apigateway-gateway-responses:
  UNAUTHORIZED:
    statusCode: 401
    responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'*'"}
  DEFAULT_5XX:
    responseTemplates: {application/json: '{"oops":$context.error.messageString}'}
`

func (f *fixture) gatewayResponseTypes() []string {
	f.t.Helper()
	var out []string
	for _, g := range must(f.svc.ListGatewayResponses(f.ctx, f.api.ID))(f.t) {
		out = append(out, g.ResponseType+" "+g.StatusCode)
	}
	return out
}

// TestImportGatewayResponses: an import writes the document's gateway responses in its transaction;
// overwrite with the extension replaces the API's, a document without it leaves them, merge adds; a
// bad gateway response leaves the API as it was.
func TestImportGatewayResponses(t *testing.T) {
	f := newFixture(t)
	must(f.svc.PutGatewayResponse(f.ctx, f.api.ID, "THROTTLED", model.GatewayResponse{StatusCode: "503"}, control.Precondition{}))(t)
	must(f.importDoc(docA, control.ImportOverwrite))(t)
	if diff := cmp.Diff([]string{"THROTTLED 503"}, f.gatewayResponseTypes()); diff != "" {
		t.Errorf("after a document without gateway responses (-want +got):\n%s", diff)
	}
	must(f.importDoc(docGatewayResponses, control.ImportMerge))(t)
	if diff := cmp.Diff([]string{"DEFAULT_5XX ", "THROTTLED 503", "UNAUTHORIZED 401"}, f.gatewayResponseTypes()); diff != "" {
		t.Errorf("after merge (-want +got):\n%s", diff)
	}
	must(f.importDoc(docGatewayResponses, control.ImportOverwrite))(t)
	if diff := cmp.Diff([]string{"DEFAULT_5XX ", "UNAUTHORIZED 401"}, f.gatewayResponseTypes()); diff != "" {
		t.Errorf("after overwrite (-want +got):\n%s", diff)
	}
	g := must(f.svc.GetGatewayResponse(f.ctx, f.api.ID, "UNAUTHORIZED"))(t)
	if g.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"] != "'*'" {
		t.Errorf("UNAUTHORIZED = %+v", g)
	}

	def, _, err := openapi.Import([]byte(docGatewayResponses), openapi.Options{APIID: f.api.ID})
	if err != nil {
		t.Fatal(err)
	}
	def.Name = "Renamed"
	def.GatewayResponses[1].StatusCode = "999" // what the document could not say: checked again
	_, err = f.svc.ImportRestAPI(f.ctx, f.api.ID, def, control.ImportOptions{Mode: control.ImportOverwrite})
	var ce *control.Error
	if status(err) != http.StatusBadRequest || !errors.As(err, &ce) || ce.Field != "/x-amazon-apigateway-gateway-responses/UNAUTHORIZED" {
		t.Fatalf("a bad gateway response = %v, want 400 naming it", err)
	}
	if diff := cmp.Diff([]string{"DEFAULT_5XX ", "UNAUTHORIZED 401"}, f.gatewayResponseTypes()); diff != "" {
		t.Errorf("after a refused import (-want +got):\n%s", diff)
	}
	if api := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t); api.Name != "G" {
		t.Errorf("a refused import renamed the API to %q", api.Name)
	}
}
