package control_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/openapi"
)

func (f *fixture) importDoc(doc, mode string) (model.RestAPI, error) {
	f.t.Helper()
	def, _, err := openapi.Import([]byte(doc), openapi.Options{APIID: f.api.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.svc.ImportRestAPI(f.ctx, f.api.ID, def, control.ImportOptions{Mode: mode})
}

// methodsAndResponses lists "VERB PATH [status...]" for every method of the API's current state.
func (f *fixture) methodsAndResponses() []string {
	f.t.Helper()
	snap := f.snapshotOfNewDeployment()
	paths := map[string]string{}
	for _, r := range snap.Resources {
		paths[r.ID] = r.Path
	}
	statuses := map[string][]string{}
	for _, r := range snap.MethodResponses {
		k := r.HTTPMethod + " " + paths[r.ResourceID]
		statuses[k] = append(statuses[k], r.StatusCode)
	}
	var out []string
	for _, m := range snap.Methods {
		k := m.HTTPMethod + " " + paths[m.ResourceID]
		sort.Strings(statuses[k])
		out = append(out, strings.TrimSpace(k+" "+strings.Join(statuses[k], " ")))
	}
	sort.Strings(out)
	return out
}

const docB = `openapi: 3.0.1
info: {title: B, version: "1"}
components:
  schemas:
    Thing: {type: object}
paths:
  /a:
    get:
      responses: {"200": {description: ok}, "206": {description: partial}}
      x-amazon-apigateway-integration: {type: mock}
    post:
      responses: {"200": {description: ok}, "206": {description: partial}}
      x-amazon-apigateway-integration: {type: mock}
  /old/deep:
    get:
      x-amazon-apigateway-integration: {type: mock}
`

const docA = `openapi: 3.0.1
info: {title: A, version: "1"}
paths:
  /a:
    get:
      responses: {"200": {description: ok}, "400": {description: bad}}
      x-amazon-apigateway-integration: {type: mock}
`

// TestImportModes: API Gateway's documented example. B declares GET /a and POST /a returning 200 and
// 206; A declares GET /a returning 200 and 400. Merging A into B gives GET /a with 200 and 400 and
// POST /a with 200 and 206; overwriting B with A leaves GET /a with 200 and 400 alone.
func TestImportModes(t *testing.T) {
	f := newFixture(t)
	must(f.importDoc(docB, control.ImportOverwrite))(t)
	resA := must(f.svc.ListResources(f.ctx, f.api.ID))(t)
	merged := must(f.importDoc(docA, control.ImportMerge))(t)
	if diff := cmp.Diff([]string{"GET /a 200 400", "GET /old/deep", "POST /a 200 206"}, f.methodsAndResponses()); diff != "" {
		t.Errorf("after merge (-want +got):\n%s", diff)
	}
	if merged.Name != "B" {
		t.Errorf("merge renamed the API to %q", merged.Name)
	}
	over := must(f.importDoc(docA, control.ImportOverwrite))(t)
	if diff := cmp.Diff([]string{"GET /a 200 400"}, f.methodsAndResponses()); diff != "" {
		t.Errorf("after overwrite (-want +got):\n%s", diff)
	}
	if over.Name != "A" {
		t.Errorf("overwrite left the name %q", over.Name)
	}
	// Resources the document keeps keep their ids; the others are gone; so are models it lacks (but
	// the default ones).
	var kept []string
	for _, r := range must(f.svc.ListResources(f.ctx, f.api.ID))(t) {
		for _, old := range resA {
			if old.ID == r.ID {
				kept = append(kept, r.Path)
			}
		}
	}
	if diff := cmp.Diff([]string{"/", "/a"}, kept); diff != "" {
		t.Errorf("resources kept with their ids (-want +got):\n%s", diff)
	}
	var models []string
	for _, m := range must(f.svc.ListModels(f.ctx, f.api.ID))(t) {
		models = append(models, m.Name)
	}
	if diff := cmp.Diff([]string{"Empty", "Error"}, models); diff != "" {
		t.Errorf("models after overwrite (-want +got):\n%s", diff)
	}
}

// TestImportIsOneWrite: an import is one transaction and one deployment of the auto-deploy stages; a
// document that fails half-way changes nothing.
func TestImportIsOneWrite(t *testing.T) {
	f := newFixture(t)
	must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "live", AutoDeploy: true}))(t)
	deps := len(must(f.svc.ListDeployments(f.ctx, f.api.ID))(t))
	f.changed = nil
	must(f.importDoc(docB, control.ImportOverwrite))(t)
	if n := len(must(f.svc.ListDeployments(f.ctx, f.api.ID))(t)); n != deps+1 {
		t.Errorf("the import made %d deployments, want 1", n-deps)
	}
	if diff := cmp.Diff([]string{"live"}, f.changed); diff != "" {
		t.Errorf("stage notifications (-want +got):\n%s", diff)
	}
	reasons, _ := f.historyReasons("live")
	if diff := cmp.Diff([]string{"create", "auto_deploy"}, reasons); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	// {id} beside {name}: refused when the resources are made, after the methods of /a were rewritten:
	// nothing of it stays.
	_, err := f.importDoc(`openapi: 3.0.1
info: {title: C, version: "1"}
paths:
  /x/{id}:
    get: {x-amazon-apigateway-integration: {type: mock}}
  /x/{name}:
    get: {x-amazon-apigateway-integration: {type: mock}}
`, control.ImportOverwrite)
	if status(err) != http.StatusConflict || !strings.HasPrefix(err.Error(), "/paths/~1x~1{name}: ") {
		t.Fatalf("sibling parameters: %v, want a 409 naming the path", err)
	}
	if diff := cmp.Diff([]string{"GET /a 200 206", "GET /old/deep", "POST /a 200 206"}, f.methodsAndResponses()); diff != "" {
		t.Errorf("after a refused import (-want +got):\n%s", diff)
	}
	if api := must(f.svc.GetRestAPI(f.ctx, f.api.ID))(t); api.Name != "B" {
		t.Errorf("a refused import renamed the API to %q", api.Name)
	}
}
