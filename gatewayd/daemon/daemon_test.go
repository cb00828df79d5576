package daemon

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func start(t *testing.T, dir string) *Daemon {
	t.Helper()
	d, err := Start(context.Background(), Config{DataDir: dir, AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func stop(t *testing.T, d *Daemon) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRestartKeepsTokenConfigAndServing: a generated token is kept 0600 in the data dir, and what was
// configured (and served) before a restart is served after it, loaded from the store at start.
func TestRestartKeepsTokenConfigAndServing(t *testing.T) {
	dir := t.TempDir()
	d := start(t, dir)
	info, err := os.Stat(filepath.Join(dir, TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode = %o, want 600", perm)
	}
	if d.TokenPath == "" || len(d.Token) < 32 {
		t.Errorf("generated token %q at %q", d.Token, d.TokenPath)
	}
	ctx := context.Background()
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "pets"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "ping"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
		ResponseTemplates: map[string]string{"application/json": `{"pong":true}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	get := func(d *Daemon) (int, string) {
		resp, err := http.Get(d.DataURL + "/" + api.ID + "/prod/ping")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(d); code != 200 || body != `{"pong":true}` {
		t.Fatalf("before restart: %d %q", code, body)
	}
	oldToken := d.Token
	stop(t, d)

	d = start(t, dir)
	defer stop(t, d)
	if d.Token != oldToken {
		t.Errorf("token changed across restart")
	}
	if code, body := get(d); code != 200 || body != `{"pong":true}` {
		t.Fatalf("after restart: %d %q", code, body)
	}
}

func TestEmptyTokenFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, TokenFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), Config{DataDir: dir, AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0"}); err == nil {
		t.Fatal("Start with an empty token file succeeded")
	}
}

func TestPublicURLSetsInvokeURL(t *testing.T) {
	d, err := Start(context.Background(), Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		AdminToken: "tok", PublicURL: "https://api.example.com/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	c, err := client.New(d.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://api.example.com/" + api.ID + "/prod"; st.InvokeURL != want {
		t.Errorf("invoke_url = %q, want %q", st.InvokeURL, want)
	}
}
