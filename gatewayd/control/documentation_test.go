package control_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestDocumentation: one part per location (defaults count), a version copies the parts, a stage
// must name an existing version, a version in use cannot be deleted, and the export carries the
// version's parts.
func TestDocumentation(t *testing.T) {
	f := newFixture(t)
	api := f.api.ID
	get := model.DocumentationPart{Location: model.DocumentationLocation{Type: "METHOD", Path: "/pets", Method: "GET"}, Properties: `{"summary":"list"}`}
	p := must(f.svc.CreateDocumentationPart(f.ctx, api, get))(t)
	if len(p.ID) != 6 || p.RestAPIID != api {
		t.Errorf("CreateDocumentationPart = %+v", p)
	}
	all := model.DocumentationPart{Location: model.DocumentationLocation{Type: "RESOURCE"}, Properties: `{"description":"root"}`}
	must(f.svc.CreateDocumentationPart(f.ctx, api, all))(t)
	// RESOURCE with no path is the root: "/" is the same location.
	dup := model.DocumentationPart{Location: model.DocumentationLocation{Type: "RESOURCE", Path: "/"}, Properties: `{}`}
	if _, err := f.svc.CreateDocumentationPart(f.ctx, api, dup); status(err) != http.StatusConflict {
		t.Errorf("a second part at the root resource: %v, want 409", err)
	}
	if _, err := f.svc.CreateDocumentationPart(f.ctx, api, model.DocumentationPart{Location: model.DocumentationLocation{Type: "API"}, Properties: `"text"`}); status(err) != http.StatusBadRequest {
		t.Errorf("properties that are not an object: %v, want 400", err)
	}
	v := must(f.svc.CreateDocumentationVersion(f.ctx, api, model.DocumentationVersion{Version: "1.0"}))(t)
	if _, err := f.svc.CreateDocumentationVersion(f.ctx, api, model.DocumentationVersion{Version: "1.0"}); status(err) != http.StatusConflict {
		t.Errorf("the same version twice: %v, want 409", err)
	}
	p.Properties = `{"summary":"changed"}`
	must(f.svc.UpdateDocumentationPart(f.ctx, api, p.ID, p, control.Precondition{}))(t)

	if _, err := f.svc.CreateStage(f.ctx, api, model.Stage{StageName: "prod", AutoDeploy: true, DocumentationVersion: "2.0"}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("a stage naming an unknown documentation version: %v, want 422", err)
	}
	must(f.svc.CreateStage(f.ctx, api, model.Stage{StageName: "prod", AutoDeploy: true, DocumentationVersion: v.Version}))(t)
	if err := f.svc.DeleteDocumentationVersion(f.ctx, api, "1.0", control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting the version a stage names: %v, want 409", err)
	}
	exp := must(f.svc.ExportDocumentation(f.ctx, api, "1.0"))(t)
	if exp == nil || exp.Version != "1.0" || len(exp.Parts) != 2 || !strings.Contains(exp.Parts[0].Properties+exp.Parts[1].Properties, `"list"`) {
		t.Errorf("ExportDocumentation(1.0) = %+v, want the two parts as they were", exp)
	}
	cur := must(f.svc.ExportDocumentation(f.ctx, api, ""))(t)
	if cur == nil || cur.Version != "" || !strings.Contains(cur.Parts[0].Properties+cur.Parts[1].Properties, `"changed"`) {
		t.Errorf("ExportDocumentation(current) = %+v, want the parts as they are", cur)
	}
	// Deleting the API deletes its documentation.
	if err := f.svc.DeleteRestAPI(f.ctx, api, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetDocumentationPart(f.ctx, api, p.ID); status(err) != http.StatusNotFound {
		t.Errorf("a part of a deleted API: %v, want 404", err)
	}
}
