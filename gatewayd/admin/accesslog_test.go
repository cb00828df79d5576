package admin_test

import (
	"strings"
	"testing"
)

// TestAccessLogSettingsRoutes: a stage's access_log_settings are stored and echoed, and a bad format or
// destination is refused with 400 naming the field and what is wrong, changing nothing.
func TestAccessLogSettingsRoutes(t *testing.T) {
	e := newEnv(t)
	apiID, _ := e.seed()
	api := "/v1/restapis/" + apiID
	d1 := e.mustCall(201, "POST", api+"/deployments", `{}`).body["id"].(string)
	good := `{"destination_arn":"arn:aws:logs:us-east-1:123456789012:log-group:prod","format":"$context.requestId $context.status"}`
	st := e.mustCall(201, "POST", api+"/stages", `{"stage_name":"prod","deployment_id":"`+d1+`","access_log_settings":`+good+`}`)
	if a, _ := st.body["access_log_settings"].(map[string]any); a["format"] != "$context.requestId $context.status" {
		t.Fatalf("created stage = %s, want its access_log_settings echoed", st.raw)
	}
	for _, tc := range []struct{ settings, field, msg string }{
		{`{"destination_arn":"stdout","format":"$context.status"}`, "access_log_settings.format", "must contain $context.requestId"},
		{`{"destination_arn":"stdout","format":"$context.requestId $context.bogus"}`, "access_log_settings.format", "unknown variable $context.bogus"},
		{`{"destination_arn":"s3://x","format":"$context.requestId"}`, "access_log_settings.destination_arn", "must be a log group ARN"},
	} {
		got := e.mustCall(400, "PUT", api+"/stages/prod", `{"deployment_id":"`+d1+`","access_log_settings":`+tc.settings+`}`)
		if got.body["field"] != tc.field || !strings.Contains(got.body["message"].(string), tc.msg) {
			t.Errorf("PUT with %s = %s, want field %s and a message containing %q", tc.settings, got.raw, tc.field, tc.msg)
		}
	}
	if got := e.mustCall(200, "GET", api+"/stages/prod", ""); !strings.Contains(got.raw, `"format":"$context.requestId $context.status"`) {
		t.Errorf("stage after refused updates = %s, want the settings unchanged", got.raw)
	}
	got := e.mustCall(200, "PUT", api+"/stages/prod", `{"deployment_id":"`+d1+`"}`)
	if got.body["access_log_settings"] != nil {
		t.Errorf("stage after a PUT without the block = %s, want no access log", got.raw)
	}
}
