package dataplane_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestExecutionLog: logging_level INFO with data_trace_enabled writes each request's steps to
// DATA_DIR/logs/API-Gateway-Execution-Logs_{api}/{stage}.log, secrets masked and bodies cut at 1 KiB;
// ERROR writes only failed requests; a method without it writes nothing.
func TestExecutionLog(t *testing.T) {
	backend := echoBackend(t)
	dir := t.TempDir()
	s := newServerOf(t, dataplane.Options{DataDir: dir})
	base := serve(t, s)
	api := newAPI("exec")
	api.method("/pets/{id}", "POST", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/pets/{id}",
		RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id"}})
	api.method("/down", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: "http://127.0.0.1:1/down"})
	api.method("/quiet", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/quiet"})
	info, errorsOnly, off := model.DefaultMethodSetting(), model.DefaultMethodSetting(), model.DefaultMethodSetting()
	info.LoggingLevel, info.DataTraceEnabled = "INFO", true
	errorsOnly.LoggingLevel = "ERROR"
	st := model.Stage{RestAPIID: "exec", StageName: "prod", MethodSettings: map[string]model.MethodSetting{
		"pets/{id}/POST": info, "down/GET": errorsOnly, "quiet/GET": off}}
	if err := s.SetStage(st, &api.snap); err != nil {
		t.Fatal(err)
	}
	req := newRequest(t, "POST", base+"/exec/prod/pets/7?color=brown", strings.NewReader("hello "+strings.Repeat("x", 2000)))
	req.Header.Set("Authorization", "Bearer secret-token-abcd")
	req.Header.Set("Cookie", "session=hush")
	req.Header.Set("X-Api-Key", "0123456789abcdefghijklmnopqrstuvwxyz") // not required here, but masked all the same
	ok := do(t, req)
	failed := do(t, newRequest(t, "GET", base+"/exec/prod/down", nil))
	quiet := do(t, newRequest(t, "GET", base+"/exec/prod/quiet", nil))
	if ok.Status != 200 || failed.Status != 502 || quiet.Status != 200 {
		t.Fatalf("statuses %d %d %d, want 200 502 200", ok.Status, failed.Status, quiet.Status)
	}
	path := filepath.Join(dir, "logs", "API-Gateway-Execution-Logs_exec", "prod.log")
	okID, failedID, quietID := ok.Header.Get("X-Gatewayd-Request-Id"), failed.Header.Get("X-Gatewayd-Request-Id"), quiet.Header.Get("X-Gatewayd-Request-Id")
	var log string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(path)
		if log = string(b); strings.Contains(log, "("+failedID+") Method completed") && strings.Contains(log, "("+okID+") Method completed") {
			break
		}
	}
	for _, want := range []string{
		"(" + okID + ") HTTP Method: POST, Resource Path: /pets/7",
		"(" + okID + ") Method request path: {id=7}",
		"(" + okID + ") Method request query string: color=brown",
		"(" + okID + ") Method request body before transformations: hello xxx",
		"xxx [TRUNCATED]\n",
		"Authorization=****,",
		"Cookie=****,",
		"X-Api-Key=" + strings.Repeat("*", 32) + "wxyz,",
		"(" + okID + ") Endpoint request URI: " + backend.URL + "/pets/7?color=brown",
		"(" + okID + ") Received response. Status: 200",
		"(" + okID + ") Method response body after transformations: {",
		"(" + okID + ") Method completed with status: 200",
		"(" + failedID + ") Endpoint request URI: http://127.0.0.1:1/down",
		"(" + failedID + ") Execution failed: 502 Internal server error: ",
		"(" + failedID + ") Gateway response type: INTEGRATION_FAILURE with status code: 502",
		"(" + failedID + ") Method completed with status: 502",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("execution log lacks %q:\n%s", want, log)
		}
	}
	// Secrets are masked in headers; a data trace shows bodies as they are (here the echo backend's,
	// which repeats the request's headers).
	for _, l := range strings.Split(log, "\n") {
		for _, secret := range []string{"secret-token", "hush", "0123456789"} {
			if strings.Contains(l, "headers: ") && strings.Contains(l, secret) {
				t.Errorf("execution log shows the secret %q: %s", secret, l)
			}
		}
	}
	if strings.Contains(log, quietID) {
		t.Errorf("a method with logging_level OFF was logged:\n%s", log)
	}
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if !strings.Contains(l, " ("+okID+") ") && !strings.Contains(l, " ("+failedID+") ") {
			t.Errorf("line without its request id: %q", l)
		}
	}
}
