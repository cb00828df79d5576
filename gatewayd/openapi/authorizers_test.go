package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

func ttl(n int) *int { return &n }

// methodAuth is what a definition's method says about its authorization.
type methodAuth struct {
	Authorization, AuthorizerID string
	Scopes                      []string
	APIKeyRequired              bool
}

func methodAuths(def *model.APIDefinition) map[string]methodAuth {
	out := map[string]methodAuth{}
	for _, r := range def.Resources {
		for _, m := range r.Methods {
			out[m.Method.HTTPMethod+" "+r.Path] = methodAuth{m.Method.Authorization, m.Method.AuthorizerID,
				m.Method.AuthorizationScopes, m.Method.APIKeyRequired}
		}
	}
	return out
}

// TestImportAuthorizers: each form of x-amazon-apigateway-authorizer becomes an authorizer named
// after its security scheme (a TOKEN or Cognito authorizer's header is the scheme's name), and an
// operation's security (or the document's) sets the method's authorization, authorizer and scopes.
func TestImportAuthorizers(t *testing.T) {
	def, warnings, err := openapi.Import(readFile(t, "authorizers.json"), openapi.Options{APIID: "abcdefghij"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings %v", warnings)
	}
	want := []model.Authorizer{
		{Name: "cognito", Type: "COGNITO_USER_POOLS", IdentitySource: "method.request.header.Authorization",
			AuthorizerResultTTLInSeconds: ttl(300), ProviderARNs: []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"},
			Audiences: []string{}},
		{Name: "request", Type: "REQUEST", AuthorizerURI: "http://127.0.0.1:3001/2015-03-31/functions/auth/invocations",
			IdentitySource: "method.request.header.X-Tenant, method.request.querystring.key", AuthorizerResultTTLInSeconds: ttl(0),
			ProviderARNs: []string{}, Audiences: []string{}},
		{Name: "token", Type: "TOKEN",
			AuthorizerURI:                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
			AuthorizerCredentials:        "arn:aws:iam::123456789012:role/invoke-auth",
			IdentitySource:               "method.request.header.X-Token",
			IdentityValidationExpression: "^allow-[a-z]+$", AuthorizerResultTTLInSeconds: ttl(60),
			ProviderARNs: []string{}, Audiences: []string{}},
		{Name: "unused", Type: "TOKEN", AuthorizerURI: "http://127.0.0.1:3001/2015-03-31/functions/other/invocations",
			IdentitySource: "method.request.header.Authorization", AuthorizerResultTTLInSeconds: ttl(300),
			ProviderARNs: []string{}, Audiences: []string{}},
	}
	if diff := cmp.Diff(want, def.Authorizers); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
	wantMethods := map[string]methodAuth{
		"GET /pets":   {"CUSTOM", "token", []string{}, false},
		"POST /pets":  {"CUSTOM", "request", []string{}, true},
		"GET /me":     {"COGNITO_USER_POOLS", "cognito", []string{"email", "pets/read"}, false},
		"GET /health": {"NONE", "", []string{}, false},
	}
	if diff := cmp.Diff(wantMethods, methodAuths(def)); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
}

// TestImportAuthorizerErrors: a bad authorizer, or a security requirement gatewayd cannot honour, is
// refused with the JSON pointer of the field at fault, by the same rules as the admin API's.
func TestImportAuthorizerErrors(t *testing.T) {
	const scheme = "/components/securitySchemes/auth"
	const ext = scheme + "/x-amazon-apigateway-authorizer"
	const fn = `"authorizerUri": "http://127.0.0.1:3001/2015-03-31/functions/f/invocations"`
	doc := func(authorizer, security string) []byte {
		return []byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "components": {"securitySchemes": {
    "auth": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer": ` + authorizer + `},
    "other": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": {"type": "token", ` + fn + `}},
    "bare": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom"},
    "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}},
  "paths": {"/a": {"get": {"security": ` + security + `, "x-amazon-apigateway-integration": {"type": "mock"}}}}}`)
	}
	token := `{"type": "token", ` + fn + `}`
	tests := map[string]struct {
		authorizer, security string
		pointer, message     string
	}{
		"bad uri":               {`{"type": "token", "authorizerUri": "ftp://x"}`, `[]`, ext + "/authorizerUri", ""},
		"no uri":                {`{"type": "request", "identitySource": "method.request.header.A"}`, `[]`, ext + "/authorizerUri", "is required"},
		"ttl too long":          {`{"type": "token", ` + fn + `, "authorizerResultTtlInSeconds": 3601}`, `[]`, ext + "/authorizerResultTtlInSeconds", "between 0 and 3600"},
		"ttl not a number":      {`{"type": "token", ` + fn + `, "authorizerResultTtlInSeconds": "soon"}`, `[]`, ext + "/authorizerResultTtlInSeconds", ""},
		"no type":               {`{` + fn + `}`, `[]`, ext + "/type", "is required"},
		"unknown type":          {`{"type": "jwt", ` + fn + `}`, `[]`, ext + "/type", "must be token, request or cognito_user_pools"},
		"bad validation regexp": {`{"type": "token", ` + fn + `, "identityValidationExpression": "("}`, `[]`, ext + "/identityValidationExpression", "regular expression"},
		"request with two sources listed twice": {`{"type": "request", ` + fn + `, "identitySource": "method.request.header.A, method.request.header.A"}`, `[]`,
			ext + "/identitySource", "listed twice"},
		"request with a validation expression": {`{"type": "request", ` + fn + `, "identitySource": "method.request.header.A", "identityValidationExpression": "x"}`, `[]`,
			ext + "/identityValidationExpression", "only used by TOKEN"},
		"bad credentials": {`{"type": "token", "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations", "authorizerCredentials": "me"}`, `[]`, ext + "/authorizerCredentials", ""},
		"not an object":   {`"token"`, `[]`, ext, "must be an object"},
		"bad provider": {`{"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A1", "http://idp.example"]}`,
			`[]`, ext + "/providerARNs/1", "https"},
		"issuer without audiences": {`{"type": "cognito_user_pools", "providerARNs": ["https://idp.example/realms/x"]}`, `[]`, ext + "/audiences", "is required"},
		"two authorizers":          {token, `[{"auth": [], "other": []}]`, "/paths/~1a/get/security/0/other", "one authorizer"},
		"bad scope": {`{"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A1"]}`,
			`[{"auth": ["email", "pets read"]}]`, "/paths/~1a/get/security/0/auth/1", "without spaces"},
		"scheme without one": {token, `[{"bare": []}]`, "/paths/~1a/get/security/0/bare", "defines no authorizer"},
		"sigv4 and one":      {token, `[{"sigv4": []}, {"auth": []}]`, "/paths/~1a/get/security/1/auth", "besides AWS SigV4"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			def, _, err := openapi.Import(doc(tc.authorizer, tc.security), openapi.Options{})
			oe, ok := err.(*openapi.Error)
			if !ok || oe.Pointer != tc.pointer || !strings.Contains(oe.Message, tc.message) {
				t.Errorf("Import = %v, want an error at %s containing %q", err, tc.pointer, tc.message)
			}
			if def != nil {
				t.Errorf("Import returned a definition with its error")
			}
		})
	}
	// A TOKEN authorizer reads a header: a scheme in the query without identitySource is refused.
	_, _, err := openapi.Import([]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
  "components": {"securitySchemes": {"q": {"type": "apiKey", "name": "token", "in": "query",
    "x-amazon-apigateway-authorizer": {"type": "token", `+fn+`}}}}}`), openapi.Options{})
	if oe, ok := err.(*openapi.Error); !ok || oe.Pointer != "/components/securitySchemes/q" || !strings.Contains(oe.Message, "from a header") {
		t.Errorf("a TOKEN authorizer on a query scheme: %v", err)
	}
	// x-amazon-apigateway-authtype must fit the authorizer's type.
	_, _, err = openapi.Import([]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
  "components": {"securitySchemes": {"auth": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A1"]}}}}}`),
		openapi.Options{})
	if oe, ok := err.(*openapi.Error); !ok || oe.Pointer != scheme+"/x-amazon-apigateway-authtype" || !strings.Contains(oe.Message, "does not fit") {
		t.Errorf("authtype custom on a cognito_user_pools authorizer: %v", err)
	}
	// x-amazon-apigateway-auth cannot drop the authorizer security requires.
	_, _, err = openapi.Import([]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "components": {"securitySchemes": {"auth": {"type": "apiKey", "name": "Authorization", "in": "header",
    "x-amazon-apigateway-authorizer": {"type": "token", `+fn+`}}}},
  "paths": {"/a": {"get": {"security": [{"auth": []}], "x-amazon-apigateway-auth": {"type": "NONE"},
    "x-amazon-apigateway-integration": {"type": "mock"}}}}}`), openapi.Options{})
	if oe, ok := err.(*openapi.Error); !ok || oe.Pointer != "/paths/~1a/get/x-amazon-apigateway-auth" {
		t.Errorf("x-amazon-apigateway-auth NONE beside an authorizer: %v", err)
	}
}

// TestExportAuthorizersRoundTrip: a snapshot's authorizers and the methods that use them are exported
// as security schemes (OpenAPI 3 or Swagger 2.0, YAML) that Import reads back into the same authorizers
// and methods; without the
// authorizers extension the schemes carry no authorizer, and Import refuses the methods.
func TestExportAuthorizersRoundTrip(t *testing.T) {
	def, _, err := openapi.Import(readFile(t, "authorizers.json"), openapi.Options{APIID: "abcdefghij"})
	if err != nil {
		t.Fatal(err)
	}
	// A snapshot as the control plane would make of it: ids for authorizers and resources.
	snap := &model.Snapshot{RestAPI: model.RestAPI{ID: "abcdefghij", Name: def.Name, APIKeySource: "HEADER"}}
	ids := map[string]string{}
	for i, a := range def.Authorizers {
		a.ID, a.RestAPIID = "auth"+string(rune('a'+i)), "abcdefghij"
		ids[a.Name] = a.ID
		snap.Authorizers = append(snap.Authorizers, a)
	}
	for i, r := range def.Resources {
		id := "res" + string(rune('a'+i))
		snap.Resources = append(snap.Resources, model.Resource{ID: id, RestAPIID: "abcdefghij", Path: r.Path})
		for _, md := range r.Methods {
			m := md.Method
			m.ResourceID, m.AuthorizerID = id, ids[m.AuthorizerID]
			snap.Methods = append(snap.Methods, m)
			in := *md.Integration
			in.ResourceID = id
			snap.Integrations = append(snap.Integrations, in)
		}
	}
	for _, tc := range []struct{ ext, typ string }{
		{openapi.ExtAPIGateway, openapi.TypeOAS30}, {openapi.ExtAuthorizers, openapi.TypeOAS30}, {openapi.ExtAPIGateway, openapi.TypeSwagger},
	} {
		ext := tc.ext + " " + tc.typ
		doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{tc.ext, openapi.ExtIntegrations}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := openapi.Marshal(doc, tc.typ, true)
		if err != nil {
			t.Fatal(err)
		}
		again, warnings, err := openapi.Import(b, openapi.Options{APIID: "abcdefghij"})
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%s: import of the export = %v, warnings %v\n%s", ext, err, warnings, b)
		}
		if diff := cmp.Diff(def.Authorizers, again.Authorizers); diff != "" {
			t.Errorf("%s: authorizers after export and import (-want +got):\n%s", ext, diff)
		}
		if diff := cmp.Diff(methodAuths(def), methodAuths(again)); diff != "" {
			t.Errorf("%s: methods after export and import (-want +got):\n%s", ext, diff)
		}
	}
	doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtIntegrations}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	if _, _, err := openapi.Import(b, openapi.Options{}); err == nil || !strings.Contains(err.Error(), "the method would be open") {
		t.Errorf("import of an export without the authorizers extension = %v, want the methods refused", err)
	}
	if strings.Contains(string(b), "x-amazon-apigateway-authorizer") {
		t.Errorf("export without the authorizers extension has authorizers:\n%s", b)
	}
}

// TestExportAuthorizerSchemeNames: a scheme's name is its authorizer's, made unique where two
// authorizers share a name or one is named like gatewayd's own schemes.
func TestExportAuthorizerSchemeNames(t *testing.T) {
	fn := "http://127.0.0.1:3001/2015-03-31/functions/f/invocations"
	snap := &model.Snapshot{RestAPI: model.RestAPI{ID: "abcdefghij", Name: "n", APIKeySource: "HEADER"},
		Authorizers: []model.Authorizer{
			{ID: "a1", Name: "auth", Type: "TOKEN", AuthorizerURI: fn, IdentitySource: "method.request.header.Authorization"},
			{ID: "a2", Name: "auth", Type: "TOKEN", AuthorizerURI: fn, IdentitySource: "method.request.header.Authorization"},
			{ID: "a3", Name: "api_key", Type: "TOKEN", AuthorizerURI: fn, IdentitySource: "method.request.header.Authorization"},
		}}
	doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtAPIGateway}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range doc.Components.SecuritySchemes {
		names = append(names, name)
	}
	if diff := cmp.Diff([]string{"api_key-a3", "auth", "auth-a2"}, names, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("scheme names (-want +got):\n%s", diff)
	}
}

// TestImportScopesOnCustomAuthorizer: scopes on a requirement of a TOKEN or REQUEST authorizer mean
// nothing to it (API Gateway uses them for Cognito only): a warning, the method keeps its authorizer.
func TestImportScopesOnCustomAuthorizer(t *testing.T) {
	def, warnings, err := openapi.Import([]byte(`{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "components": {"securitySchemes": {"auth": {"type": "apiKey", "name": "Authorization", "in": "header",
    "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "http://127.0.0.1:3001/2015-03-31/functions/f/invocations"}}}},
  "paths": {"/a": {"get": {"security": [{"auth": ["email"]}], "x-amazon-apigateway-integration": {"type": "mock"}}}}}`), openapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0].Pointer != "/paths/~1a/get/security/0/auth" {
		t.Errorf("warnings = %v, want one at the requirement", warnings)
	}
	if diff := cmp.Diff(map[string]methodAuth{"GET /a": {"CUSTOM", "auth", []string{}, false}}, methodAuths(def)); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
}
