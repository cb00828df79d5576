package admin_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// TestImportExportRoundTrip: an OpenAPI document imported with PUT ?mode=overwrite serves at once on an
// auto-deploy stage (one deployment), and export -> import into a new API -> export gives the same
// document (but for servers, which names each stage's own URL).
func TestImportExportRoundTrip(t *testing.T) {
	e := newEnv(t)
	petstore, err := os.ReadFile("testdata/petstore.json")
	if err != nil {
		t.Fatal(err)
	}
	newAPI := func() string {
		id := e.mustCall(201, "POST", "/v1/restapis", `{"name":"placeholder"}`).body["id"].(string)
		e.mustCall(201, "POST", "/v1/restapis/"+id+"/stages", `{"stage_name":"prod","auto_deploy":true}`)
		return id
	}
	deployments := func(id string) int {
		return len(e.mustCall(200, "GET", "/v1/restapis/"+id+"/deployments", "").body["items"].([]any))
	}
	a := newAPI()
	before := deployments(a)
	got := e.mustCall(200, "PUT", "/v1/restapis/"+a+"?mode=overwrite", string(petstore))
	if got.body["name"] != "PetStore" || len(got.body["warnings"].([]any)) != 1 {
		t.Fatalf("import answered %s", got.raw)
	}
	if n := deployments(a); n != before+1 {
		t.Errorf("the import made %d deployments, want 1", n-before)
	}
	// fail_on_warnings refuses the document whole: nothing changes.
	refused := e.mustCall(400, "PUT", "/v1/restapis/"+a+"?mode=overwrite&fail_on_warnings=true", string(petstore))
	if refused.body["field"] != "/x-amazon-apigateway-endpoint-configuration" {
		t.Errorf("fail_on_warnings answered %s", refused.raw)
	}
	export := func(id, query string, headers ...string) answer {
		return e.mustCall(200, "GET", "/v1/restapis/"+id+"/stages/prod/exports/oas30"+query, "", headers...)
	}
	first := export(a, "?extensions=apigateway")
	if os.Getenv("SHOW_EXPORT") != "" {
		t.Log(first.raw)
	}
	b := newAPI()
	e.mustCall(200, "PUT", "/v1/restapis/"+b+"?mode=overwrite&fail_on_warnings=true", first.raw)
	second := export(b, "?extensions=apigateway")
	strip := func(raw string) string {
		var v map[string]any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		if servers := v["servers"].([]any); len(servers) != 1 {
			t.Errorf("servers %v", servers)
		}
		delete(v, "servers")
		out, _ := json.MarshalIndent(v, "", "  ")
		return string(out)
	}
	if diff := cmp.Diff(strip(first.raw), strip(second.raw)); diff != "" {
		t.Errorf("export -> import -> export differs (-first +second):\n%s", diff)
	}
	if !strings.Contains(first.raw, `"x-amazon-apigateway-any-method"`) || !strings.Contains(first.raw, `"$ref": "#/components/schemas/Pet"`) ||
		!strings.Contains(first.raw, `"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"`) {
		t.Errorf("export:\n%s", first.raw)
	}

	// YAML, Swagger 2.0, and no extensions by default.
	y := export(a, "", "Accept", "application/yaml")
	if !strings.HasPrefix(y.header.Get("Content-Type"), "application/yaml") || !strings.Contains(y.raw, "openapi: 3.0.1") ||
		strings.Contains(y.raw, "x-amazon-apigateway-integration") {
		t.Errorf("YAML export (%s):\n%s", y.header.Get("Content-Type"), y.raw)
	}
	sw := e.mustCall(200, "GET", "/v1/restapis/"+a+"/stages/prod/exports/swagger?extensions=integrations", "")
	if !strings.Contains(sw.raw, `"swagger": "2.0"`) || !strings.Contains(sw.raw, "x-amazon-apigateway-integration") {
		t.Errorf("swagger export:\n%s", sw.raw)
	}
	e.mustCall(400, "GET", "/v1/restapis/"+a+"/stages/prod/exports/oas30?extensions=postman", "")
	e.mustCall(404, "GET", "/v1/restapis/"+a+"/stages/prod/exports/raml", "")
	e.mustCall(404, "GET", "/v1/restapis/"+a+"/stages/nope/exports/oas30", "")
}

func TestImportRoute(t *testing.T) {
	e := newEnv(t)
	id := e.mustCall(201, "POST", "/v1/restapis", `{"name":"x","tags":{"team":"a"}}`).body["id"].(string)
	api := "/v1/restapis/" + id
	doc := `openapi: 3.0.1
info: {title: from-doc, description: doc description, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: mock}
`
	e.mustCall(200, "PUT", api+"?mode=overwrite", doc, "Content-Type", "application/yaml")
	got := e.mustCall(200, "GET", api, "")
	if got.body["name"] != "from-doc" || got.body["description"] != "doc description" || got.body["tags"].(map[string]any)["team"] != "a" {
		t.Errorf("after a raw import: %s", got.raw)
	}
	// The envelope: the fields it sets win over the document's.
	env, _ := json.Marshal(map[string]any{"body": doc, "name": "from-config", "binary_media_types": []string{"image/png"}})
	e.mustCall(200, "PUT", api+"?mode=overwrite", string(env))
	got = e.mustCall(200, "GET", api, "")
	if got.body["name"] != "from-config" || got.body["description"] != "doc description" || len(got.body["binary_media_types"].([]any)) != 1 {
		t.Errorf("after an envelope import: %s", got.raw)
	}
	// The envelope's policy wins over the document's x-amazon-apigateway-policy.
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	withPolicy := doc + "x-amazon-apigateway-policy: {Version: \"2012-10-17\", Statement: [{Effect: Deny, Principal: \"*\", Action: \"execute-api:Invoke\", Resource: \"*\"}]}\n"
	env, _ = json.Marshal(map[string]any{"body": withPolicy, "policy": policy})
	e.mustCall(200, "PUT", api+"?mode=overwrite", string(env))
	if got = e.mustCall(200, "GET", api, ""); got.body["policy"] != policy {
		t.Errorf("after an envelope import with a policy: %s", got.raw)
	}
	for _, tc := range []struct {
		query, body, ct string
		status          int
		field           string
	}{
		{"?mode=replace", doc, "application/yaml", 400, "mode"},
		{"?mode=merge&colour=red", doc, "application/yaml", 400, "colour"},
		{"?mode=merge&basepath=up", doc, "application/yaml", 400, "basepath"},
		{"?mode=merge&ignore=everything", doc, "application/yaml", 400, "ignore"},
		{"?mode=merge", doc, "text/plain", 415, ""},
		{"?mode=merge", `{"body": "x", "nmae": "y"}`, "application/json", 400, "nmae"},
		{"?mode=merge", "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: soap}\n",
			"application/yaml", 400, "/paths/~1a/get/x-amazon-apigateway-integration/type"},
	} {
		a := e.mustCall(tc.status, "PUT", api+tc.query, tc.body, "Content-Type", tc.ct)
		if tc.field != "" && a.body["field"] != tc.field {
			t.Errorf("PUT %s: %s, want field %q", tc.query, a.raw, tc.field)
		}
	}
	// Documents up to 2 MB: a larger one is refused whole, as is a larger body.
	big := "openapi: 3.0.1\ninfo: {title: t, version: '1'}\nx-pad: " + strings.Repeat("a", 2<<20) + "\n"
	if a := e.mustCall(413, "PUT", api+"?mode=merge", big, "Content-Type", "application/yaml"); !strings.Contains(a.raw, "API Gateway's limit") {
		t.Errorf("a 2 MB+ document: %s", a.raw)
	}
	e.mustCall(413, "PUT", api+"?mode=merge", strings.Repeat(" ", 7<<20), "Content-Type", "application/yaml")
	// An ordinary PUT is still limited to 1 MiB.
	e.mustCall(413, "PUT", api, `{"name":"`+strings.Repeat("a", 1<<20)+`"}`)
}
