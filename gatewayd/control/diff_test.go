package control_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestDiffDeployments(t *testing.T) {
	f := newFixture(t)
	pets := f.resource(f.api.RootResourceID, "pets")
	get := control.MethodID{RestAPIID: f.api.ID, ResourceID: pets.ID, HTTPMethod: "GET"}
	post := f.mockMethod(pets, "POST")
	must(f.svc.PutMethod(f.ctx, get, model.Method{}, control.Precondition{}))(t)
	must(f.svc.PutIntegration(f.ctx, get, model.Integration{Type: model.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": "{\n  \"statusCode\": 200,\n  \"a\": 1\n}"}}, control.Precondition{}))(t)
	must(f.svc.PutIntegrationResponse(f.ctx, get, "200", model.IntegrationResponse{}, control.Precondition{}))(t)
	d1 := f.deploy()

	// The release: a template line changed, a header mapping added, a route and method added, a
	// method removed, a validator set on GET, the API's description changed.
	must(f.svc.PutIntegration(f.ctx, get, model.Integration{Type: model.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": "{\n  \"statusCode\": 200,\n  \"a\": 2\n}"}}, control.Precondition{}))(t)
	must(f.svc.PutIntegrationResponse(f.ctx, get, "200", model.IntegrationResponse{
		ResponseParameters: map[string]string{"method.response.header.X-Version": "'2'"}}, control.Precondition{}))(t)
	must(f.svc.PutMethodResponse(f.ctx, get, "200", model.MethodResponse{
		ResponseParameters: map[string]bool{"method.response.header.X-Version": false}}, control.Precondition{}))(t)
	f.mockMethod(f.resource(pets.ID, "{petId}"), "GET")
	if err := f.svc.DeleteMethod(f.ctx, post, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	v := must(f.svc.CreateRequestValidator(f.ctx, f.api.ID, model.RequestValidator{Name: "params", ValidateRequestParameters: true}))(t)
	must(f.svc.PutMethod(f.ctx, get, model.Method{RequestValidatorID: v.ID}, control.Precondition{}))(t)
	f.api.Description = "v2"
	must(f.svc.UpdateRestAPI(f.ctx, f.api.ID, f.api, control.Precondition{}))(t)
	d2 := f.deploy()

	d := must(f.svc.DiffDeployments(f.ctx, f.api.ID, d1, d2))(t)
	type change struct{ Kind, Key, Action, Fields string }
	var got []change
	for _, c := range d.Changes {
		var fields []string
		for _, fl := range c.Fields {
			fields = append(fields, fl.Field+"="+string(fl.From)+">"+string(fl.To))
		}
		got = append(got, change{c.Kind, c.Key, c.Action, strings.Join(fields, " ")})
	}
	want := []change{
		{"api", "", "changed", `description="">"v2"`},
		{"method", "GET /pets", "changed", `request_validator="">"params"`},
		{"method", "POST /pets", "removed", ""},
		{"integration", "GET /pets", "changed", `request_templates.application/json="{\n  \"statusCode\": 200,\n  \"a\": 1\n}">"{\n  \"statusCode\": 200,\n  \"a\": 2\n}"`},
		{"integration", "POST /pets", "removed", ""},
		{"method_response", "GET /pets 200", "added", ""},
		{"integration_response", "GET /pets 200", "changed", `response_parameters.method.response.header.X-Version=null>"'2'"`},
		{"route", "/pets/{petId}", "added", ""},
		{"method", "GET /pets/{petId}", "added", ""},
		{"integration", "GET /pets/{petId}", "added", ""},
		{"request_validator", "params", "added", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantText := `deployment ` + d1 + ` -> ` + d2 + ` of rest api ` + f.api.ID + `: 11 changes
~ api
    description: "" -> "v2"
~ method GET /pets
    request_validator: "" -> "params"
- method POST /pets
~ integration GET /pets
    request_templates.application/json:
        {
          "statusCode": 200,
      -   "a": 1
      +   "a": 2
        }
- integration POST /pets
+ method response GET /pets 200
~ integration response GET /pets 200
    response_parameters.method.response.header.X-Version: (none) -> "'2'"
+ route /pets/{petId}
+ method GET /pets/{petId}
+ integration GET /pets/{petId}
+ request validator params
`
	if diff := cmp.Diff(wantText, d.Text); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}

	same := must(f.svc.DiffDeployments(f.ctx, f.api.ID, d2, d2))(t)
	if len(same.Changes) != 0 || !strings.Contains(same.Text, "serve the same configuration") {
		t.Errorf("a deployment against itself: %+v", same)
	}
	if _, err := f.svc.DiffDeployments(f.ctx, f.api.ID, d1, "nosuchdepl"); status(err) != http.StatusNotFound {
		t.Errorf("diff with a missing deployment: %v, want 404", err)
	}

	// The history view carries each move's diff.
	must(f.svc.CreateStage(f.ctx, f.api.ID, model.Stage{StageName: "prod", DeploymentID: d1}))(t)
	must(f.svc.UpdateStage(f.ctx, f.api.ID, "prod", model.Stage{DeploymentID: d2}, control.Precondition{}))(t)
	hist := must(f.svc.StageHistoryDiffs(f.ctx, f.api.ID, "prod", 0))(t)
	if len(hist) != 2 || hist[0].Diff != nil || hist[0].DiffError == "" || hist[1].Diff == nil || len(hist[1].Diff.Changes) != 11 {
		t.Fatalf("history with diffs: %+v", hist)
	}
	text := control.RenderHistory(hist)
	if !strings.Contains(text, "#2 ") || !strings.Contains(text, "update: "+d1+" -> "+d2+"\n    ~ api\n") {
		t.Errorf("rendered history:\n%s", text)
	}
	if last := must(f.svc.StageHistoryDiffs(f.ctx, f.api.ID, "prod", 1))(t); len(last) != 1 || last[0].Seq != 2 {
		t.Errorf("history limited to 1: %+v", last)
	}
}
