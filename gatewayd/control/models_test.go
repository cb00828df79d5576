package control_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestModels(t *testing.T) {
	f := newFixture(t)
	api := f.api.ID
	ref := `{"type": "array", "items": {"$ref": "` + model.ModelURL(api, "Pet") + `"}}`
	tests := []struct {
		name string
		in   model.Model
		want int
	}{
		{"refers to a model not made yet", model.Model{Name: "Pets", Schema: ref}, http.StatusBadRequest},
		{"not JSON", model.Model{Name: "Pet", Schema: `{`}, http.StatusBadRequest},
		{"not a schema", model.Model{Name: "Pet", Schema: `{"type": 7}`}, http.StatusBadRequest},
		{"a file", model.Model{Name: "Pet", Schema: `{"$ref": "file:///etc/passwd"}`}, http.StatusBadRequest},
		{"bad name", model.Model{Name: "pet-model", Schema: `{}`}, http.StatusBadRequest},
		{"ok", model.Model{Name: "Pet", Schema: `{"type": "object"}`}, 0},
		{"twice", model.Model{Name: "Pet", Schema: `{"type": "object"}`}, http.StatusConflict},
		{"refers to it", model.Model{Name: "Pets", Schema: ref}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.CreateModel(f.ctx, api, tc.in)
			if status(err) != tc.want {
				t.Fatalf("CreateModel = %v, want status %d", err, tc.want)
			}
			if err == nil && (got.ContentType != "application/json" || got.Version != 1 || got.ID == "") {
				t.Errorf("CreateModel = %+v", got)
			}
		})
	}
	if _, err := f.svc.GetModel(f.ctx, api, "Pets"); err != nil {
		t.Fatal(err)
	}
	// A refused update changes nothing.
	if _, err := f.svc.UpdateModel(f.ctx, api, "Pet", model.Model{Schema: `{"type": "nope"}`}, control.Precondition{}); status(err) != http.StatusBadRequest {
		t.Errorf("UpdateModel with a bad schema: %v, want 400", err)
	}
	if got := must(f.svc.GetModel(f.ctx, api, "Pet"))(t); got.Schema != `{"type": "object"}` || got.Version != 1 {
		t.Errorf("after a refused update: %+v", got)
	}

	// References hold: a model another model or a method uses cannot go.
	if err := f.svc.DeleteModel(f.ctx, api, "Pet", control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting a model another refers to: %v, want 409", err)
	}
	rv := must(f.svc.CreateRequestValidator(f.ctx, api, model.RequestValidator{Name: "body", ValidateRequestBody: true}))(t)
	res := f.resource(f.api.RootResourceID, "pets")
	id := control.MethodID{RestAPIID: api, ResourceID: res.ID, HTTPMethod: "POST"}
	for _, bad := range []model.Method{{RequestValidatorID: "nope000000"}, {RequestModels: map[string]string{"application/json": "Nope"}}} {
		if _, err := f.svc.PutMethod(f.ctx, id, bad, control.Precondition{}); status(err) != http.StatusUnprocessableEntity {
			t.Errorf("PutMethod(%+v) = %v, want 422", bad, err)
		}
	}
	must(f.svc.PutMethod(f.ctx, id, model.Method{RequestValidatorID: rv.ID, RequestModels: map[string]string{"application/json": "Pets"}}, control.Precondition{}))(t)
	if err := f.svc.DeleteModel(f.ctx, api, "Pets", control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting a method's model: %v, want 409", err)
	}
	if err := f.svc.DeleteRequestValidator(f.ctx, api, rv.ID, control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting a method's validator: %v, want 409", err)
	}
	must(f.svc.PutMethod(f.ctx, id, model.Method{}, control.Precondition{}))(t)
	for _, step := range []func() error{
		func() error { return f.svc.DeleteModel(f.ctx, api, "Pets", control.Precondition{}) },
		func() error { return f.svc.DeleteModel(f.ctx, api, "Pet", control.Precondition{}) },
		func() error { return f.svc.DeleteRequestValidator(f.ctx, api, rv.ID, control.Precondition{}) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	// What is left are the models API Gateway makes with every API.
	var names []string
	for _, m := range must(f.svc.ListModels(f.ctx, api))(t) {
		names = append(names, m.Name)
	}
	if diff := cmp.Diff([]string{"Empty", "Error"}, names); diff != "" {
		t.Errorf("models left (-want +got):\n%s", diff)
	}
}
