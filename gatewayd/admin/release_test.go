package admin_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestRollbackRoute: POST .../rollback with no body goes back to the previous deployment, with a body
// to the one named; it answers the stage with its ETag, refuses what it cannot do with the usual
// errors, and every call that tried to change something is in the audit log.
func TestRollbackRoute(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	api := "/v1/restapis/" + apiID
	d1 := e.mustCall(201, "POST", api+"/deployments", `{}`).body["id"].(string)
	d2 := e.mustCall(201, "POST", api+"/deployments", `{}`).body["id"].(string)
	e.mustCall(201, "POST", api+"/stages", `{"stage_name":"prod","deployment_id":"`+d1+`"}`)
	stage := api + "/stages/prod"

	e.mustCall(409, "POST", stage+"/rollback", "")
	e.mustCall(200, "PUT", stage, `{"deployment_id":"`+d2+`"}`)
	got := e.mustCall(200, "POST", stage+"/rollback", "")
	if got.body["deployment_id"] != d1 || got.header.Get("ETag") == "" {
		t.Fatalf("rollback answered %s (ETag %q), want the stage on %s with an ETag", got.raw, got.header.Get("ETag"), d1)
	}
	got = e.mustCall(200, "POST", stage+"/rollback", `{"deployment_id":"`+d2+`"}`)
	if got.body["deployment_id"] != d2 {
		t.Fatalf("rollback to %s answered %s", d2, got.raw)
	}
	e.mustCall(412, "POST", stage+"/rollback", `{"deployment_id":"`+d1+`"}`, "If-Match", `"1"`)
	if a := e.mustCall(422, "POST", stage+"/rollback", `{"deployment_id":"nope"}`); a.body["field"] != "deployment_id" {
		t.Errorf("rollback to a missing deployment: %s, want field deployment_id", a.raw)
	}
	e.mustCall(400, "POST", stage+"/rollback", `{"deployment":"x"}`)
	e.mustCall(404, "POST", api+"/stages/nope/rollback", "")
	e.mustCall(405, "GET", stage+"/rollback", "")

	hist := e.mustCall(200, "GET", stage+"/history", "").body["items"].([]any)
	var reasons []string
	for _, h := range hist {
		reasons = append(reasons, h.(map[string]any)["reason"].(string))
	}
	if strings.Join(reasons, ",") != "create,update,rollback,rollback" {
		t.Errorf("history reasons %v", reasons)
	}
	var audited []string
	for _, a := range e.mustCall(200, "GET", "/v1/audit?limit=1000", "").body["items"].([]any) {
		a := a.(map[string]any)
		if strings.HasSuffix(a["path"].(string), "/rollback") {
			audited = append(audited, a["method"].(string)+" "+strings.TrimPrefix(a["path"].(string), api)+" "+
				strings.TrimSuffix(strings.TrimSuffix(a["object_id"].(string), "/prod"), "/nope")+" "+jsonNumber(a["status"]))
		}
	}
	want := []string{
		"POST /stages/prod/rollback " + apiID + " 409", "POST /stages/prod/rollback " + apiID + " 200",
		"POST /stages/prod/rollback " + apiID + " 200", "POST /stages/prod/rollback " + apiID + " 412",
		"POST /stages/prod/rollback " + apiID + " 422", "POST /stages/prod/rollback " + apiID + " 400",
		"POST /stages/nope/rollback " + apiID + " 404",
	}
	if strings.Join(audited, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log of rollbacks:\n%s\nwant:\n%s", strings.Join(audited, "\n"), strings.Join(want, "\n"))
	}
}

func jsonNumber(v any) string {
	f, _ := v.(float64)
	return fmt.Sprint(int(f))
}

// TestDiffRoute: a deployment diff is JSON, or text when asked; the history carries diffs with
// ?diff=true.
func TestDiffRoute(t *testing.T) {
	e := newEnv(t)
	apiID, resID := e.seed()
	api := "/v1/restapis/" + apiID
	d1 := e.mustCall(201, "POST", api+"/deployments", `{}`).body["id"].(string)
	e.mustCall(200, "PUT", api+"/resources/"+resID+"/methods/GET/integration", `{"type":"MOCK","request_templates":{"application/json":"{\"statusCode\": 404}"}}`)
	d2 := e.mustCall(201, "POST", api+"/deployments", `{}`).body["id"].(string)

	j := e.mustCall(200, "GET", api+"/deployments/"+d1+"/diff/"+d2, "")
	changes, _ := j.body["changes"].([]any)
	if len(changes) != 1 || changes[0].(map[string]any)["key"] != "GET /pets" || !strings.HasPrefix(j.header.Get("Content-Type"), "application/json") {
		t.Fatalf("diff JSON: %s", j.raw)
	}
	want := "deployment " + d1 + " -> " + d2 + " of rest api " + apiID + ": 1 change\n~ integration GET /pets\n" +
		`    request_templates.application/json: (none) -> "{\"statusCode\": 404}"` + "\n"
	for _, how := range [][]string{{"?format=text"}, {"", "Accept", "text/plain"}} {
		a := e.mustCall(200, "GET", api+"/deployments/"+d1+"/diff/"+d2+how[0], "", how[1:]...)
		if a.raw != want || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
			t.Errorf("diff as text (%v): %q (%s), want %q", how, a.raw, a.header.Get("Content-Type"), want)
		}
	}
	e.mustCall(404, "GET", api+"/deployments/"+d1+"/diff/nope", "")

	e.mustCall(201, "POST", api+"/stages", `{"stage_name":"prod","deployment_id":"`+d1+`"}`)
	e.mustCall(200, "PUT", api+"/stages/prod", `{"deployment_id":"`+d2+`"}`)
	h := e.mustCall(200, "GET", api+"/stages/prod/history?diff=true&limit=1", "")
	items := h.body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["diff"] == nil {
		t.Fatalf("history with diffs: %s", h.raw)
	}
	txt := e.mustCall(200, "GET", api+"/stages/prod/history?diff=true&format=text", "")
	if !strings.Contains(txt.raw, "first deployment") || !strings.Contains(txt.raw, "update: "+d1+" -> "+d2+"\n    ~ integration GET /pets\n") {
		t.Errorf("history as text:\n%s", txt.raw)
	}
}

// TestCanaryRoutes: a stage's canary through its PUT, the deployment form, and the promotion call.
func TestCanaryRoutes(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	api := "/v1/restapis/" + apiID
	d1 := e.mustCall(201, "POST", api+"/deployments", `{}`).body["id"].(string)
	e.mustCall(201, "POST", api+"/stages", `{"stage_name":"prod","deployment_id":"`+d1+`"}`)
	d2 := e.mustCall(201, "POST", api+"/deployments", `{"stage_name":"prod","canary_settings":{"percent_traffic":12.5,"stage_variable_overrides":{"v":"2"}}}`).body["id"].(string)
	st := e.mustCall(200, "GET", api+"/stages/prod", "")
	c, _ := st.body["canary_settings"].(map[string]any)
	if st.body["deployment_id"] != d1 || c["deployment_id"] != d2 || c["percent_traffic"] != 12.5 {
		t.Fatalf("stage after a canary deployment: %s", st.raw)
	}
	e.mustCall(400, "POST", api+"/deployments", `{"stage_name":"prod","canary_settings":{"deployment_id":"`+d1+`"}}`)
	e.mustCall(422, "PUT", api+"/stages/prod", `{"deployment_id":"`+d1+`","canary_settings":{"deployment_id":"nope"}}`)
	e.mustCall(400, "POST", api+"/stages/prod/canary/promote", `{"merge":true}`)
	got := e.mustCall(200, "POST", api+"/stages/prod/canary/promote", `{"merge_variables":true}`)
	vars, _ := got.body["variables"].(map[string]any)
	if got.body["deployment_id"] != d2 || got.body["canary_settings"] != nil || vars["v"] != "2" {
		t.Fatalf("promoted stage: %s", got.raw)
	}
	e.mustCall(409, "POST", api+"/stages/prod/canary/promote", "")
}
