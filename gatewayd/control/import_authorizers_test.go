package control_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

const docAuthorizers = `openapi: 3.0.1
info: {title: Authorized, version: "1"}
components:
  securitySchemes:
    tok:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: http://127.0.0.1:3001/2015-03-31/functions/auth/invocations
        identityValidationExpression: "allow-[a-z]+|deny-[a-z]+"
        authorizerResultTtlInSeconds: 60
    req:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: http://127.0.0.1:3001/2015-03-31/functions/auth/invocations
        identitySource: method.request.header.X-Tenant, method.request.querystring.key
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["https://127.0.0.1:9999/realms/pets"]
        audiences: [pets-app]
paths:
  /pets:
    get:
      security: [{tok: []}]
      x-amazon-apigateway-integration: {type: mock}
    post:
      security: [{req: []}]
      x-amazon-apigateway-integration: {type: mock}
  /me:
    get:
      security: [{pool: [email, pets/read]}]
      x-amazon-apigateway-integration: {type: mock}
`

// authState is an API's authorizers (without ids) and, by "VERB PATH", each method's authorization,
// authorizer name and scopes: what an import must give, whatever the ids.
type authState struct {
	Authorizers []model.Authorizer
	Methods     map[string]string
}

func (f *fixture) authState(apiID string) authState {
	f.t.Helper()
	authorizers := must(f.svc.ListAuthorizers(f.ctx, apiID))(f.t)
	names := map[string]string{}
	for i, a := range authorizers {
		names[a.ID] = a.Name
		authorizers[i].ID, authorizers[i].RestAPIID, authorizers[i].ARN, authorizers[i].Version = "", "", "", 0
	}
	sort.Slice(authorizers, func(i, j int) bool { return authorizers[i].Name < authorizers[j].Name })
	methods := map[string]string{}
	for _, r := range must(f.svc.ListResources(f.ctx, apiID))(f.t) {
		for _, verb := range model.HTTPMethods {
			m, err := f.svc.GetMethod(f.ctx, control.MethodID{RestAPIID: apiID, ResourceID: r.ID, HTTPMethod: verb})
			if status(err) == http.StatusNotFound {
				continue
			} else if err != nil {
				f.t.Fatal(err)
			}
			methods[verb+" "+r.Path] = strings.TrimSpace(m.Authorization + " " + names[m.AuthorizerID] + " " + strings.Join(m.AuthorizationScopes, ","))
		}
	}
	return authState{authorizers, methods}
}

func (f *fixture) importInto(apiID, doc, mode string) (model.RestAPI, error) {
	f.t.Helper()
	def, _, err := openapi.Import([]byte(doc), openapi.Options{APIID: apiID})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.svc.ImportRestAPI(f.ctx, apiID, def, control.ImportOptions{Mode: mode})
}

// TestImportAuthorizers: an import creates the document's authorizers and points its methods at
// them; export -> import into a fresh API gives the same authorizers and methods; a second import
// keeps the authorizers' ids; overwrite deletes the authorizers the document lacks, merge keeps them.
func TestImportAuthorizers(t *testing.T) {
	f := newFixture(t)
	must(f.importDoc(docAuthorizers, control.ImportOverwrite))(t)
	got := f.authState(f.api.ID)
	ttl60, ttl300 := 60, 300
	want := authState{
		Authorizers: []model.Authorizer{
			{Name: "pool", Type: "COGNITO_USER_POOLS", IdentitySource: "method.request.header.Authorization",
				AuthorizerResultTTLInSeconds: &ttl300, ProviderARNs: []string{"https://127.0.0.1:9999/realms/pets"}, Audiences: []string{"pets-app"}},
			{Name: "req", Type: "REQUEST", AuthorizerURI: "http://127.0.0.1:3001/2015-03-31/functions/auth/invocations",
				IdentitySource: "method.request.header.X-Tenant, method.request.querystring.key", AuthorizerResultTTLInSeconds: &ttl300,
				ProviderARNs: []string{}, Audiences: []string{}},
			{Name: "tok", Type: "TOKEN", AuthorizerURI: "http://127.0.0.1:3001/2015-03-31/functions/auth/invocations",
				IdentitySource: "method.request.header.Authorization", IdentityValidationExpression: "allow-[a-z]+|deny-[a-z]+",
				AuthorizerResultTTLInSeconds: &ttl60, ProviderARNs: []string{}, Audiences: []string{}},
		},
		Methods: map[string]string{"GET /pets": "CUSTOM tok", "POST /pets": "CUSTOM req", "GET /me": "COGNITO_USER_POOLS pool email,pets/read"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("after the import (-want +got):\n%s", diff)
	}

	// Export -> import into a fresh API.
	must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	_, snap := mustSnapshot(t, f, f.api.ID, "live")
	doc, err := openapi.Export(snap, openapi.ExportOptions{Extensions: []string{openapi.ExtAPIGateway}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fresh := must(f.svc.CreateRestAPI(f.ctx, model.RestAPI{Name: "fresh"}))(t)
	must(f.importInto(fresh.ID, string(body), control.ImportOverwrite))(t)
	if diff := cmp.Diff(want, f.authState(fresh.ID)); diff != "" {
		t.Errorf("after export and import into a fresh API (-want +got):\n%s\n%s", diff, body)
	}

	// Ids stay across imports; overwrite drops an authorizer the document lacks, merge keeps it.
	before := must(f.svc.ListAuthorizers(f.ctx, f.api.ID))(t)
	extra := must(f.svc.CreateAuthorizer(f.ctx, f.api.ID, model.Authorizer{Name: "extra",
		AuthorizerURI: "http://127.0.0.1:3001/2015-03-31/functions/x/invocations"}))(t)
	must(f.importDoc(docAuthorizers, control.ImportMerge))(t)
	if _, err := f.svc.GetAuthorizer(f.ctx, f.api.ID, extra.ID); err != nil {
		t.Errorf("merge deleted an authorizer the document lacks: %v", err)
	}
	must(f.importDoc(docAuthorizers, control.ImportOverwrite))(t)
	if _, err := f.svc.GetAuthorizer(f.ctx, f.api.ID, extra.ID); status(err) != http.StatusNotFound {
		t.Errorf("overwrite kept an authorizer the document lacks: %v", err)
	}
	after := must(f.svc.ListAuthorizers(f.ctx, f.api.ID))(t)
	ids := func(as []model.Authorizer) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Name+"="+a.ID)
		}
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff(ids(before), ids(after)); diff != "" {
		t.Errorf("authorizer ids across imports (-before +after):\n%s", diff)
	}
	must(f.importDoc(docA, control.ImportOverwrite))(t)
	if left := must(f.svc.ListAuthorizers(f.ctx, f.api.ID))(t); len(left) != 0 {
		t.Errorf("overwrite with a document without authorizers left %v", left)
	}
}

func mustSnapshot(t *testing.T, f *fixture, apiID, stage string) (model.Stage, *model.Snapshot) {
	t.Helper()
	st, snap, err := f.svc.ExportSnapshot(f.ctx, apiID, stage)
	if err != nil {
		t.Fatal(err)
	}
	return st, snap
}

// TestImportAuthorizersOneWrite: an import with authorizers is one transaction: a bad authorizer, a
// failure after the authorizers are written, or an authorizer whose new type a method outside the
// document cannot keep leaves the API as it was.
func TestImportAuthorizersOneWrite(t *testing.T) {
	f := newFixture(t)
	must(f.importDoc(docAuthorizers, control.ImportOverwrite))(t)
	// A method outside the document (merge) uses tok.
	res := f.resource(f.api.RootResourceID, "outside")
	tok := ""
	for _, a := range must(f.svc.ListAuthorizers(f.ctx, f.api.ID))(t) {
		if a.Name == "tok" {
			tok = a.ID
		}
	}
	outside := control.MethodID{RestAPIID: f.api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	must(f.svc.PutMethod(f.ctx, outside, model.Method{Authorization: model.AuthCustom, AuthorizerID: tok}, control.Precondition{}))(t)
	state := f.authState(f.api.ID)
	deployments := len(must(f.svc.ListDeployments(f.ctx, f.api.ID))(t))

	def := func(doc string, edit func(*model.APIDefinition)) *model.APIDefinition {
		d, _, err := openapi.Import([]byte(doc), openapi.Options{APIID: f.api.ID})
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(d)
		}
		return d
	}
	renamed := strings.NewReplacer("Authorized", "Renamed", "    tok:\n", "    tok2:\n", "{tok: []}", "{tok2: []}").Replace(docAuthorizers)
	tests := map[string]struct {
		def     *model.APIDefinition
		mode    string
		status  int
		pointer string
	}{
		// The definition is checked again by the control plane: a TTL the document could not give.
		"bad authorizer": {def(renamed, func(d *model.APIDefinition) {
			d.Authorizers[len(d.Authorizers)-1].AuthorizerResultTTLInSeconds = new(5000)
		}), control.ImportOverwrite, http.StatusBadRequest, "/components/securitySchemes/tok2/x-amazon-apigateway-authorizer"},
		"sibling parameters after the authorizers": {def(renamed+`  /x/{id}:
    get: {x-amazon-apigateway-integration: {type: mock}}
  /x/{name}:
    get: {x-amazon-apigateway-integration: {type: mock}}
`, nil), control.ImportOverwrite, http.StatusConflict, "/paths/~1x~1{name}"},
		"a type the outside method cannot use": {def(`openapi: 3.0.1
info: {title: Renamed, version: "1"}
components:
  securitySchemes:
    tok:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A1"]
paths: {}
`, nil), control.ImportMerge, http.StatusConflict, "/components/securitySchemes/tok/x-amazon-apigateway-authorizer"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.ImportRestAPI(f.ctx, f.api.ID, tc.def, control.ImportOptions{Mode: tc.mode})
			var ce *control.Error
			if status(err) != tc.status || !errors.As(err, &ce) || ce.Field != tc.pointer {
				t.Fatalf("ImportRestAPI = %v, want %d at %s", err, tc.status, tc.pointer)
			}
			if diff := cmp.Diff(state, f.authState(f.api.ID), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("a refused import changed the API (-before +after):\n%s", diff)
			}
			if api := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t); api.Name != "Authorized" {
				t.Errorf("a refused import renamed the API to %q", api.Name)
			}
			if n := len(must(f.svc.ListDeployments(f.ctx, f.api.ID))(t)); n != deployments {
				t.Errorf("a refused import made %d deployments", n-deployments)
			}
		})
	}
}
