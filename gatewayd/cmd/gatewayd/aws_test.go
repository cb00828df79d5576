package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/awstest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestServeAWSEndpointFlag: gatewayd serve --aws-endpoint-url-lambda sends a Lambda ARN integration's
// calls to that endpoint, signed with the credentials of the environment (the stand-in checks them).
func TestServeAWSEndpointFlag(t *testing.T) {
	emu := awstest.New(t, "us-east-1", "AKIDFLAGTEST", "flag-secret")
	emu.SetEnv(t)
	emu.SetFunction("hello", func([]byte) ([]byte, string) { return []byte(`{"statusCode": 200, "body": "hi"}`), "" })

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data-dir", t.TempDir(), "--admin-addr", "127.0.0.1:0", "--listen", "127.0.0.1:0",
			"--admin-token", "flag-token", "--aws-endpoint-url-lambda", emu.URL}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	var adminURL, dataURL string
	lines := bufio.NewScanner(pr)
	for (adminURL == "" || dataURL == "") && lines.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "admin API:"); ok {
			adminURL = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(lines.Text()), "data plane:"); ok {
			dataURL = strings.TrimSpace(v)
		}
	}
	go io.Copy(io.Discard, pr)
	if adminURL == "" || dataURL == "" {
		t.Fatalf("serve did not print its listeners")
	}

	c, err := client.New(adminURL, "flag-token", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "flag"})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: api.RootResourceID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: model.AuthNone}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: model.IntegrationAWSProxy, IntegrationHTTPMethod: "POST",
		URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	var status int
	var body []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(dataURL + "/" + api.ID + "/live/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if status = resp.StatusCode; status == 200 {
			break
		}
	}
	if status != 200 || string(body) != "hi" {
		t.Fatalf("GET / = %d %q, want the function's answer (stand-in refused %q)", status, body, emu.Rejected())
	}
	if keys := emu.Signers("lambda"); len(keys) != 1 || keys[0] != "AKIDFLAGTEST" {
		t.Errorf("lambda calls signed by %q, want one by the environment's key", keys)
	}
}
