package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// world is a real gatewayd with the quickstart's shape: an API with a resource and a GET method
// proxied to an HTTP backend, two deployments that answer differently (backend v1, then backend v2),
// and a stage that moved from the first to the second.
type world struct {
	d          *daemon.Daemon
	c          *client.Client
	api        model.RestAPI
	stage      model.Stage
	dep1, dep2 string
	// backend1 and backend2 are the URIs of the first and the second deployment's integration.
	backend1, backend2 string
	url                string // the stage's /hello
}

func startWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	d, err := daemon.Start(ctx, daemon.Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	backend := func(answer string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, answer) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	w := &world{d: d, c: c}
	if w.api, err = c.CreateRestAPI(ctx, model.RestAPI{Name: "quickstart", Description: "The console's browser test API."}); err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, w.api.ID, model.Resource{ParentID: w.api.RootResourceID, PathPart: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: w.api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	deploy := func(uri, desc string) string {
		if _, err := c.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationHTTPProxy, IntegrationHTTPMethod: "GET", URI: uri}); err != nil {
			t.Fatal(err)
		}
		dep, err := c.CreateDeployment(ctx, w.api.ID, model.Deployment{Description: desc}, "")
		if err != nil {
			t.Fatal(err)
		}
		return dep.ID
	}
	w.backend1, w.backend2 = backend("v1"), backend("v2")
	w.dep1 = deploy(w.backend1, "first release")
	w.dep2 = deploy(w.backend2, "second release")
	if _, err := c.CreateStage(ctx, w.api.ID, model.Stage{StageName: "prod", DeploymentID: w.dep1}); err != nil {
		t.Fatal(err)
	}
	if w.stage, err = c.UpdateStage(ctx, w.api.ID, "prod", model.Stage{DeploymentID: w.dep2}); err != nil {
		t.Fatal(err)
	}
	w.url = w.stage.InvokeURL + "/hello"
	if got := w.call(t); got != "v2" {
		t.Fatalf("the stage answers %q before any rollback, want v2", got)
	}
	return w
}

// call sends one request to the stage and returns the answer's body.
func (w *world) call(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(w.url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", w.url, resp.StatusCode, b)
	}
	return string(b)
}

// deployment returns the deployment the stage serves now, as the admin API says.
func (w *world) deployment(t *testing.T) string {
	t.Helper()
	st, err := w.c.GetStage(context.Background(), w.api.ID, "prod")
	if err != nil {
		t.Fatal(err)
	}
	return st.DeploymentID
}

// audit returns the audit log as GET /v1/audit lists it.
func (w *world) audit(t *testing.T) []model.AuditEntry {
	t.Helper()
	req, err := http.NewRequest("GET", w.d.AdminURL+"/v1/audit?limit=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.d.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Items []model.AuditEntry }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/audit = %d, %v", resp.StatusCode, err)
	}
	return out.Items
}
