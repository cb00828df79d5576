package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

func gatewayResponsesDoc(responses string) []byte {
	return []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
  "x-amazon-apigateway-gateway-responses": ` + responses + `}`)
}

// TestImportGatewayResponses: each form of x-amazon-apigateway-gateway-responses becomes the API's
// gateway response of that type; a document without the extension says nothing (nil), one with an
// empty extension has none.
func TestImportGatewayResponses(t *testing.T) {
	tests := map[string]struct {
		doc  []byte
		want []model.GatewayResponse
	}{
		"status as a number, CORS headers": {gatewayResponsesDoc(`{"UNAUTHORIZED": {"statusCode": 401, "responseParameters": {
      "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example'",
      "gatewayresponse.header.X-Path": "method.request.path.id", "gatewayresponse.header.X-Stage": "stageVariables.name"}}}`),
			[]model.GatewayResponse{{ResponseType: "UNAUTHORIZED", StatusCode: "401", ResponseTemplates: map[string]string{},
				ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example'",
					"gatewayresponse.header.X-Path": "method.request.path.id", "gatewayresponse.header.X-Stage": "stageVariables.name"}}}},
		"templates, status as a string, two types": {gatewayResponsesDoc(`{
      "DEFAULT_4XX": {"responseTemplates": {"application/json": "{\"error\":$context.error.messageString}"}},
      "THROTTLED": {"statusCode": "503"}}`),
			[]model.GatewayResponse{
				{ResponseType: "DEFAULT_4XX", ResponseParameters: map[string]string{},
					ResponseTemplates: map[string]string{"application/json": `{"error":$context.error.messageString}`}},
				{ResponseType: "THROTTLED", StatusCode: "503", ResponseParameters: map[string]string{}, ResponseTemplates: map[string]string{}}}},
		"empty": {gatewayResponsesDoc(`{}`), []model.GatewayResponse{}},
		"none":  {[]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}}`), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			def, warnings, err := openapi.Import(tc.doc, openapi.Options{})
			if err != nil || len(warnings) > 0 {
				t.Fatalf("Import = %v, warnings %v", err, warnings)
			}
			if diff := cmp.Diff(tc.want, def.GatewayResponses); diff != "" {
				t.Errorf("gateway responses (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImportGatewayResponseErrors: a gateway response the admin API would refuse is refused with the
// JSON pointer of the field at fault.
func TestImportGatewayResponseErrors(t *testing.T) {
	const ext = "/x-amazon-apigateway-gateway-responses"
	tests := map[string]struct{ responses, pointer, message string }{
		"unknown type":     {`{"NOT_A_TYPE": {}}`, ext + "/NOT_A_TYPE", "must be one of"},
		"bad status":       {`{"UNAUTHORIZED": {"statusCode": 700}}`, ext + "/UNAUTHORIZED/statusCode", "between 100 and 599"},
		"status an object": {`{"UNAUTHORIZED": {"statusCode": {}}}`, ext + "/UNAUTHORIZED", "string or a number"},
		"header key":       {`{"UNAUTHORIZED": {"responseParameters": {"method.response.header.X": "'a'"}}}`, ext + "/UNAUTHORIZED/responseParameters", "gatewayresponse.header.NAME"},
		"header value":     {`{"UNAUTHORIZED": {"responseParameters": {"gatewayresponse.header.X": "a"}}}`, ext + "/UNAUTHORIZED/responseParameters", "'literal'"},
		"template syntax":  {`{"DEFAULT_5XX": {"responseTemplates": {"application/json": "#if("}}}`, ext + "/DEFAULT_5XX/responseTemplates/application~1json", "line 1"},
		"not an object":    {`["UNAUTHORIZED"]`, ext, "must map response types"},
		"type not object":  {`{"UNAUTHORIZED": 401}`, ext + "/UNAUTHORIZED", "must be an object"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			def, _, err := openapi.Import(gatewayResponsesDoc(tc.responses), openapi.Options{})
			oe, ok := err.(*openapi.Error)
			if !ok || oe.Pointer != tc.pointer || !strings.Contains(oe.Message, tc.message) || def != nil {
				t.Errorf("Import = %v, want an error at %s containing %q", err, tc.pointer, tc.message)
			}
		})
	}
}

// TestExportGatewayResponsesRoundTrip: the apigateway extension exports the gateway responses, which
// Import reads back the same; the other extensions leave them out.
func TestExportGatewayResponsesRoundTrip(t *testing.T) {
	def, _, err := openapi.Import(gatewayResponsesDoc(`{
    "UNAUTHORIZED": {"statusCode": "401", "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}},
    "DEFAULT_5XX": {"responseTemplates": {"application/json": "{\"oops\":$context.error.messageString}"}},
    "QUOTA_EXCEEDED": {}}`), openapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap := &model.Snapshot{RestAPI: model.RestAPI{ID: "abcdefghij", Name: "t", APIKeySource: "HEADER"}, GatewayResponses: def.GatewayResponses}
	doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtAPIGateway}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	again, warnings, err := openapi.Import(b, openapi.Options{})
	if err != nil || len(warnings) > 0 {
		t.Fatalf("import of the export = %v, warnings %v\n%s", err, warnings, b)
	}
	if diff := cmp.Diff(def.GatewayResponses, again.GatewayResponses); diff != "" {
		t.Errorf("gateway responses after export and import (-want +got):\n%s", diff)
	}
	doc, err = openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtIntegrations, openapi.ExtAuthorizers}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Extensions["x-amazon-apigateway-gateway-responses"]; ok {
		t.Errorf("an export without the apigateway extension has gateway responses")
	}
}
