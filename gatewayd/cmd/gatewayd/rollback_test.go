package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestRollbackCommand runs `gatewayd rollback` against a real gatewayd, finding its token in the data
// directory as an operator would.
func TestRollbackCommand(t *testing.T) {
	dir := t.TempDir()
	d, err := daemon.Start(context.Background(), daemon.Config{DataDir: dir, AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	}()
	ctx := context.Background()
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := c.CreateDeployment(ctx, api.ID, model.Deployment{}, "")
	d2, _ := c.CreateDeployment(ctx, api.ID, model.Deployment{}, "")
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", DeploymentID: d1.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStage(ctx, api.ID, "prod", model.Stage{DeploymentID: d2.ID}); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"rollback"}, args...), &out, io.Discard)
		return out.String(), err
	}
	// Flags after the arguments, the token from the data directory.
	out, err := cli(api.ID, "prod", "--admin-url", d.AdminURL, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "now serves deployment "+d1.ID+" (it served "+d2.ID+")") || !strings.Contains(out, `deployment_id = "`+d1.ID+`"`) {
		t.Errorf("rollback printed %q", out)
	}
	out, err = cli("--admin-url", d.AdminURL, "--admin-token", d.Token, api.ID, "prod", d1.ID)
	if err != nil || !strings.Contains(out, "already serves deployment "+d1.ID+"; nothing changed") {
		t.Errorf("rollback to the served deployment: %q, %v", out, err)
	}
	if st, _ := c.GetStage(ctx, api.ID, "prod"); st.DeploymentID != d1.ID {
		t.Errorf("stage serves %s after the rollback, want %s", st.DeploymentID, d1.ID)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--admin-url", d.AdminURL, "--data-dir", dir, api.ID}, "want a rest api id, a stage name"},
		{[]string{"--admin-url", d.AdminURL, "--data-dir", t.TempDir(), api.ID, "prod"}, "no admin token"},
		{[]string{"--admin-url", d.AdminURL, "--admin-token", "wrong", api.ID, "prod"}, "401"},
		{[]string{"--admin-url", d.AdminURL, "--data-dir", dir, api.ID, "prod", "nosuchdepl"}, "deployment_id"},
		{[]string{"--nope"}, "flag provided but not defined"},
	} {
		if _, err := cli(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("rollback %q = %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	// What the rollback changed, as an operator reads it.
	var hist bytes.Buffer
	if err := run(ctx, []string{"history", "--admin-url", d.AdminURL, "--data-dir", dir, api.ID, "prod"}, &hist, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hist.String(), "rollback: "+d2.ID+" -> "+d1.ID+"\n    (the same configuration)") {
		t.Errorf("history printed:\n%s", hist.String())
	}
	var diffOut bytes.Buffer
	if err := run(ctx, []string{"diff", "--admin-url", d.AdminURL, "--data-dir", dir, api.ID, d1.ID, d2.ID}, &diffOut, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diffOut.String(), "serve the same configuration") {
		t.Errorf("diff printed %q", diffOut.String())
	}
	if out, err := cli("--help"); err != nil || !strings.Contains(out, rollbackUsage) || !strings.Contains(out, "--admin-token") {
		t.Errorf("rollback --help = %q, %v", out, err)
	}
}
