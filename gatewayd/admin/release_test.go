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
