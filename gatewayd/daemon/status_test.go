package daemon

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

func getBody(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStageStatusIsVisible: what a stage cannot serve shows in the stage's GET (status, last_error),
// in /readyz and in the metrics, and a stage whose deployment does not compile answers 500 to every
// request instead of serving an older table.
func TestStageStatusIsVisible(t *testing.T) {
	dir := t.TempDir()
	d := start(t, dir)
	ctx := context.Background()
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "pets"})
	if err != nil {
		t.Fatal(err)
	}
	method := func(part string, withIntegration bool) {
		res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: part})
		if err != nil {
			t.Fatal(err)
		}
		id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
		if _, err := c.PutMethod(ctx, id, model.Method{}); err != nil {
			t.Fatal(err)
		}
		if withIntegration {
			if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	method("x", true)
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	wantStatus := func(d *Daemon, status, lastError string) {
		t.Helper()
		c, _ := client.New(d.AdminURL, d.Token, client.Options{})
		st, err := c.GetStage(ctx, api.ID, "prod")
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != status || !strings.Contains(st.LastError, lastError) || (lastError == "" && st.LastError != "") {
			t.Errorf("stage status %q, last_error %q; want %q with %q", st.Status, st.LastError, status, lastError)
		}
	}
	wantStatus(d, "AVAILABLE", "")

	method("y", false) // a method whose integration is not created yet
	wantStatus(d, "DEGRADED", "method GET /y has no integration")
	if code, body := getBody(t, d.AdminURL+"/readyz", ""); code != 200 {
		t.Errorf("/readyz with a degraded stage = %d %s, want 200", code, body)
	}
	if _, body := getBody(t, d.AdminURL+"/metrics", d.Token); !strings.Contains(body, `gatewayd_stage_misconfigured_methods{api="`+api.ID+`",stage="prod"} 1`) {
		t.Errorf("metrics lack the misconfigured method:\n%s", grepLines(body, "gatewayd_stage"))
	}
	st, err := c.GetStage(ctx, api.ID, "prod")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := c.GetDeploymentSnapshot(ctx, api.ID, st.DeploymentID)
	if err != nil {
		t.Fatal(err)
	}
	stop(t, d)

	// Break the deployment's snapshot behind gatewayd's back, as an older version or a bad restore
	// could: a method on a resource that does not exist.
	db, err := sqlite.Open(ctx, filepath.Join(dir, "gatewayd.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		// Stored whole, as gatewayd stored snapshots before they were cut into shared parts.
		snap.Methods[0].ResourceID = "gone000000"
		data, _ := json.Marshal(snap)
		_, err = tx.Put(store.KindSnapshot, api.ID, st.DeploymentID, data, store.AnyVersion)
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	d = start(t, dir)
	defer stop(t, d)
	wantStatus(d, "FAILED", "unknown resource")
	if code, body := getBody(t, d.AdminURL+"/readyz", ""); code != 503 || !strings.Contains(body, api.ID+"/prod") {
		t.Errorf("/readyz with a failed stage = %d %s, want 503 naming it", code, body)
	}
	if _, body := getBody(t, d.AdminURL+"/metrics", d.Token); !strings.Contains(body, `gatewayd_stage_failed{api="`+api.ID+`",stage="prod"} 1`) {
		t.Errorf("metrics lack the failed stage:\n%s", grepLines(body, "gatewayd_stage"))
	}
	for _, p := range []string{"/x", "/y", "/nope"} {
		if code, body := getBody(t, d.DataURL+"/"+api.ID+"/prod"+p, ""); code != 500 {
			t.Errorf("GET %s on the failed stage = %d %s, want 500", p, code, body)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
