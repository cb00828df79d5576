package daemon

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestMonitoring: a stage's access log with a log group destination lands in DATA_DIR/logs/NAME.log of
// a real daemon, and every gatewayd_* metric its /metrics serves is in telemetry.Catalog with the same
// help and type (the catalog is what the monitoring guide and the Grafana dashboard are made from).
func TestMonitoring(t *testing.T) {
	dir := t.TempDir()
	d := start(t, dir)
	defer stop(t, d)
	ctx := context.Background()
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "mon"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: api.RootResourceID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, AccessLogSettings: &model.AccessLogSettings{
		DestinationARN: "arn:aws:logs:us-east-1:123456789012:log-group:mon/prod", Format: "$context.requestId $context.status"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(d.DataURL + "/" + api.ID + "/prod")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := resp.Header.Get("X-Gatewayd-Request-Id") + " 200\n"
	var got []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && string(got) != want; time.Sleep(10 * time.Millisecond) {
		got, _ = os.ReadFile(filepath.Join(dir, "logs", "mon", "prod.log"))
	}
	if string(got) != want {
		t.Errorf("DATA_DIR/logs/mon/prod.log = %q, want %q", got, want)
	}

	req, _ := http.NewRequest("GET", d.AdminURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+d.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	help, kind := map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 4)
		if len(f) == 4 && f[0] == "#" && strings.HasPrefix(f[2], "gatewayd_") {
			switch f[1] {
			case "HELP":
				help[f[2]] = f[3]
			case "TYPE":
				kind[f[2]] = f[3]
			}
		}
	}
	if len(kind) < 5 {
		t.Fatalf("/metrics has %d gatewayd families: %v", len(kind), kind)
	}
	for name, k := range kind {
		var def *telemetry.Metric
		for i := range telemetry.Catalog {
			if telemetry.Catalog[i].Name == name {
				def = &telemetry.Catalog[i]
			}
		}
		if def == nil {
			t.Errorf("metric %s is not in telemetry.Catalog: add it there (the monitoring guide is made from it)", name)
			continue
		}
		if def.Kind != k || def.Help != help[name] {
			t.Errorf("metric %s is a %s %q, the catalog says %s %q", name, k, help[name], def.Kind, def.Help)
		}
	}
}
