package openapi_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// summary lists a definition's methods as "VERB PATH integration-type [responses]".
func summary(def *model.APIDefinition) []string {
	var out []string
	for _, r := range def.Resources {
		for _, m := range r.Methods {
			s := m.Method.HTTPMethod + " " + r.Path
			if m.Integration != nil {
				s += " " + m.Integration.Type
			}
			for _, ir := range m.IntegrationResponses {
				s += " " + ir.StatusCode
			}
			out = append(out, s)
		}
	}
	return out
}

func TestImportPetStore(t *testing.T) {
	def, warnings, err := openapi.Import(readFile(t, "petstore.json"), openapi.Options{APIID: "abcdefghij"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GET /pets HTTP 200", "POST /pets HTTP 200", "GET /pets/{petId} HTTP 200", "ANY /{proxy+} MOCK 404"}, summary(def)); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	if def.Name != "PetStore" || def.Description != "Your first API with gatewayd." || !cmp.Equal(def.BinaryMediaTypes, []string{"image/png"}) {
		t.Errorf("settings: %q %q %v", def.Name, def.Description, def.BinaryMediaTypes)
	}
	get := def.Resources[0].Methods[0]
	want := model.Method{HTTPMethod: "GET", Authorization: "NONE", OperationName: "ListPets", RequestValidatorID: "params",
		AuthorizationScopes: []string{}, RequestModels: map[string]string{},
		RequestParameters: map[string]bool{"method.request.querystring.page": true, "method.request.querystring.type": false}}
	if diff := cmp.Diff(want, get.Method); diff != "" {
		t.Errorf("GET /pets (-want +got):\n%s", diff)
	}
	if r := get.MethodResponses; len(r) != 1 || r[0].ResponseModels["application/json"] != "Pets" ||
		!cmp.Equal(r[0].ResponseParameters, map[string]bool{"method.response.header.Access-Control-Allow-Origin": false}) {
		t.Errorf("GET /pets responses: %+v", r)
	}
	if pt := get.Integration.PassthroughBehavior; pt != "WHEN_NO_MATCH" {
		t.Errorf("passthrough %q", pt)
	}
	var pets model.Model
	for _, m := range def.Models {
		if m.Name == "Pets" {
			pets = m
		}
	}
	if !strings.Contains(pets.Schema, `"$ref":"https://apigateway.amazonaws.com/restapis/abcdefghij/models/Pet"`) {
		t.Errorf("Pets schema refers to Pet as %s", pets.Schema)
	}
	if len(def.GatewayResponses) != 2 || def.GatewayResponses[1].ResponseType != "UNAUTHORIZED" || def.GatewayResponses[1].StatusCode != "401" {
		t.Errorf("gateway responses %+v", def.GatewayResponses)
	}
	if len(warnings) != 1 || warnings[0].Pointer != "/x-amazon-apigateway-endpoint-configuration" {
		t.Errorf("warnings %v", warnings)
	}
}

func TestImportSwaggerYAML(t *testing.T) {
	def, _, err := openapi.Import(readFile(t, "petstore-swagger.yaml"), openapi.Options{APIID: "abcdefghij", BasePath: openapi.BasePathPrepend})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GET /v1/pets MOCK 200"}, summary(def)); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	m := def.Resources[0].Methods[0]
	if !m.Method.APIKeyRequired || m.MethodResponses[0].ResponseModels["application/json"] != "Pets" {
		t.Errorf("method %+v responses %+v", m.Method, m.MethodResponses)
	}
}

// TestImportErrorsNameThePointer: what cannot be imported is refused with the JSON pointer of the part
// at fault.
func TestImportErrorsNameThePointer(t *testing.T) {
	doc := func(paths string) []byte {
		return []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "components": {"securitySchemes": {"auth": {"type": "apiKey", "name": "Authorization", "in": "header",
     "x-amazon-apigateway-authtype": "custom"},
     "oauth": {"type": "oauth2", "flows": {}}}},
  "paths": ` + paths + `}`)
	}
	for _, tc := range []struct {
		name, doc, pointer, message string
	}{
		{"bad integration type", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "soap"}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/type", "must be one of"},
		{"AWS service", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "aws", "uri": "arn:x"}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/uri", "must be an arn:aws:apigateway:REGION:SERVICE:action/ACTION"},
		{"bad uri", `{"/a/{id}": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "ftp://x"}}}}`,
			"/paths/~1a~1{id}/get/x-amazon-apigateway-integration/uri", ""},
		{"template syntax", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "#if("}}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/requestTemplates/application~1json", "line 1"},
		{"response template syntax", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "responses": {"default": {"statusCode": "200", "responseTemplates": {"text/html": "#end"}}}}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/responses/default/responseTemplates/text~1html", ""},
		{"missing status", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "responses": {"5\\d\\d": {}}}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/responses/5\\d\\d/statusCode", "required"},
		{"authorizer", `{"/a": {"get": {"security": [{"auth": []}], "x-amazon-apigateway-integration": {"type": "mock"}}}}`,
			"/paths/~1a/get/security/0/auth", "defines no authorizer"},
		{"oauth", `{"/a": {"get": {"security": [{"oauth": []}], "x-amazon-apigateway-integration": {"type": "mock"}}}}`,
			"/paths/~1a/get/security/0/oauth", "the method would be open"},
		{"bad path part", `{"/a/./b": {"get": {}}}`, "/paths/~1a~1.~1b", "path segment"},
		{"trace", `{"/a": {"trace": {"responses": {}}}}`, "/paths/~1a/trace", "TRACE"},
		{"unknown validator", `{"/a": {"get": {"x-amazon-apigateway-request-validator": "nope", "x-amazon-apigateway-integration": {"type": "mock"}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-request-validator", `"nope"`},
		{"bad timeout", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "timeoutInMillis": 10}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/timeoutInMillis", ""},
		{"VPC link without id", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://a/", "connectionType": "VPC_LINK"}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/connectionId", "is required when connection_type is VPC_LINK"},
		{"VPC link on a mock", `{"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "connectionType": "VPC_LINK", "connectionId": "abc"}}}}`,
			"/paths/~1a/get/x-amazon-apigateway-integration/connectionType", "HTTP and HTTP_PROXY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := openapi.Import(doc(tc.doc), openapi.Options{APIID: "abcdefghij"})
			oe, ok := err.(*openapi.Error)
			if !ok || oe.Pointer != tc.pointer || !strings.Contains(oe.Message, tc.message) {
				t.Errorf("Import = %v, want an error at %s containing %q", err, tc.pointer, tc.message)
			}
		})
	}
	for _, tc := range []struct{ name, doc, message string }{
		{"not a document", `[1, 2]`, "JSON or YAML object"},
		{"no version", `{"info": {"title": "t"}}`, "neither an openapi nor a swagger field"},
		{"OpenAPI 2", `{"openapi": "2.0"}`, "only OpenAPI 3.0 and 3.1"},
		{"resource policy", `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}, "x-amazon-apigateway-policy": {}}`,
			"Statement must be a statement"},
		{"bad YAML", "openapi: [3.0", "neither JSON nor YAML"},
		{"too large", `{"openapi": "3.0.1", "x": "` + strings.Repeat("a", openapi.MaxDocumentBytes) + `"}`, "at most"},
	} {
		if _, _, err := openapi.Import([]byte(tc.doc), openapi.Options{}); err == nil || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%s: Import = %v, want an error containing %q", tc.name, err, tc.message)
		}
	}
}

func TestImportWarnings(t *testing.T) {
	_, warnings, err := openapi.Import([]byte(`{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
  "paths": {"/a": {"get": {"parameters": [{"name": "c", "in": "cookie"}],
     "responses": {"default": {"description": "x"}},
     "x-amazon-apigateway-integration": {"type": "mock", "credentials": "arn:aws:iam::1:role/x", "payloadFormatVersion": "2.0"}}},
   "/b": {"get": {}}}}`), openapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Pointer)
	}
	want := []string{"/paths/~1a/get/parameters/0", "/paths/~1a/get/responses/default",
		"/paths/~1a/get/x-amazon-apigateway-integration/credentials", "/paths/~1a/get/x-amazon-apigateway-integration/payloadFormatVersion",
		"/paths/~1b/get"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s\n%v", diff, warnings)
	}
}

// TestImportAWSIntegration: an aws service integration imports with its credentials, which gatewayd
// uses to sign its calls.
func TestImportAWSIntegration(t *testing.T) {
	def, warnings, err := openapi.Import([]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "paths": {"/items": {"post": {"responses": {"200": {"description": "ok"}},
     "x-amazon-apigateway-integration": {"type": "aws", "httpMethod": "POST",
       "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "credentials": "arn:aws:iam::123456789012:role/ddb",
       "responses": {"default": {"statusCode": "200"}}}}}}}`), openapi.Options{})
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Import = %v, warnings %v", err, warnings)
	}
	in := def.Resources[0].Methods[0].Integration
	if in == nil || in.Type != model.IntegrationAWS || in.Credentials != "arn:aws:iam::123456789012:role/ddb" {
		t.Errorf("integration = %+v, want type AWS with its credentials", in)
	}
}

// TestImportVPCLink: an integration through a VPC link (connectionType VPC_LINK, connectionId a
// stage variable) imports with both, as API Gateway exports it.
func TestImportVPCLink(t *testing.T) {
	def, warnings, err := openapi.Import([]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}},
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://orders.internal/items",
       "connectionType": "VPC_LINK", "connectionId": "${stageVariables.vpcLinkId}"}}}}}`), openapi.Options{})
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Import = %v, warnings %v", err, warnings)
	}
	in := def.Resources[0].Methods[0].Integration
	if in == nil || in.ConnectionType != model.ConnectionVPCLink || in.ConnectionID != "${stageVariables.vpcLinkId}" {
		t.Errorf("integration = %+v, want connection VPC_LINK through ${stageVariables.vpcLinkId}", in)
	}
}

// TestImportMinimumCompressionSize: x-amazon-apigateway-minimum-compression-size is read (-1 turns
// compression off) and checked.
func TestImportMinimumCompressionSize(t *testing.T) {
	doc := func(v string) []byte {
		return []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
  "x-amazon-apigateway-minimum-compression-size": ` + v + `}`)
	}
	for v, want := range map[string]int{"0": 0, "1024": 1024, "-1": -1} {
		def, _, err := openapi.Import(doc(v), openapi.Options{})
		if err != nil || def.MinimumCompressionSize == nil || *def.MinimumCompressionSize != want {
			t.Errorf("Import(%s) = %v, %v, want %d", v, def.MinimumCompressionSize, err, want)
		}
	}
	for _, v := range []string{"10485761", "-2", `"big"`} {
		if _, _, err := openapi.Import(doc(v), openapi.Options{}); err == nil || !strings.Contains(err.Error(), "minimum-compression-size") {
			t.Errorf("Import(%s) = %v, want an error at the extension", v, err)
		}
	}
}

// TestExportMinimumCompressionSize: the size is exported as its extension, and imported back.
func TestExportMinimumCompressionSize(t *testing.T) {
	n := 2048
	snap := &model.Snapshot{RestAPI: model.RestAPI{ID: "abcdefghij", Name: "c", APIKeySource: "HEADER", MinimumCompressionSize: &n}}
	doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtAPIGateway}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	def, _, err := openapi.Import(b, openapi.Options{})
	if err != nil || def.MinimumCompressionSize == nil || *def.MinimumCompressionSize != n {
		t.Errorf("export then import = %v, %v, want %d (document %s)", def.MinimumCompressionSize, err, n, b)
	}
}
