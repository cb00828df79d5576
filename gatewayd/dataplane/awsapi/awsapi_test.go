package awsapi

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
)

func TestEndpointPrecedence(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	c, err := New(Options{EndpointURL: "http://all:1", EndpointURLs: map[string]string{"lambda": "http://lambda-flag:2/base/"}, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	env["AWS_ENDPOINT_URL_SFN"] = "http://sfn-env:3"
	env["AWS_ENDPOINT_URL_LAMBDA"] = "http://lambda-env:4"
	env["AWS_ENDPOINT_URL"] = "http://all-env:5"
	tests := []struct{ service, want, addr, base string }{
		{"lambda", "http://lambda-flag:2/base", "lambda-flag:2", "/base"}, // the service's option wins over its variable
		{"states", "http://sfn-env:3", "sfn-env:3", ""},                   // the SDKs' id of Step Functions is SFN
		{"dynamodb", "http://all:1", "all:1", ""},                         // the global option wins over AWS_ENDPOINT_URL
	}
	for _, tc := range tests {
		ep, err := c.Endpoint(tc.service, "us-east-1", "aws")
		if err != nil || ep.URL() != tc.want || ep.Addr != tc.addr || ep.BasePath != tc.base || !ep.Override {
			t.Errorf("Endpoint(%s) = %+v, %v, want %s", tc.service, ep, err, tc.want)
		}
	}
	c2, _ := New(Options{Getenv: getenv})
	if ep, _ := c2.Endpoint("sqs", "eu-west-1", "aws"); ep.URL() != "http://all-env:5" {
		t.Errorf("Endpoint(sqs) = %+v, want AWS_ENDPOINT_URL", ep)
	}
	env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	if ep, _ := c2.Endpoint("sqs", "eu-west-1", "aws"); ep.URL() != "https://sqs.eu-west-1.amazonaws.com" || ep.Addr != "sqs.eu-west-1.amazonaws.com:443" || ep.Override {
		t.Errorf("Endpoint(sqs) ignoring variables = %+v, want AWS's", ep)
	}
	c3, _ := New(Options{EndpointURLs: map[string]string{"lambda": "https://emu:443"}, Getenv: getenv})
	if ep, _ := c3.Endpoint("lambda", "us-east-1", "aws"); ep.Host != "emu" || ep.Addr != "emu:443" {
		t.Errorf("Endpoint with the default port = %+v, want Host without it (as signed)", ep)
	}
}

func TestNewRefusesBadEndpoints(t *testing.T) {
	for _, u := range []string{"ftp://x", "http://", "127.0.0.1:4566", "http://u:p@h", "http://h/?q=1", "http://h/#f"} {
		if _, err := New(Options{EndpointURL: u}); err == nil {
			t.Errorf("New(EndpointURL %q) = nil error, want refused", u)
		}
		if _, err := New(Options{EndpointURLs: map[string]string{"lambda": u}}); err == nil || !strings.Contains(err.Error(), "lambda") {
			t.Errorf("New(lambda %q) = %v, want an error naming lambda", u, err)
		}
	}
}

func TestEnvName(t *testing.T) {
	for svc, want := range map[string]string{"lambda": "AWS_ENDPOINT_URL_LAMBDA", "states": "AWS_ENDPOINT_URL_SFN", "logs": "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "iot-data": "AWS_ENDPOINT_URL_IOT_DATA"} {
		if got := EnvName(svc); got != want {
			t.Errorf("EnvName(%s) = %s, want %s", svc, got, want)
		}
	}
}

// TestSharedCredentialsReadOnce: credentials from the shared credentials file are read when the
// configuration loads, not per request: a file changed afterwards does not change the signer.
func TestSharedCredentialsReadOnce(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/credentials"
	write := func(key string) {
		if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = "+key+"\naws_secret_access_key = s\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("AKIDFROMFILE")
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "",
		"AWS_SHARED_CREDENTIALS_FILE": file, "AWS_CONFIG_FILE": dir + "/config-absent", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Signer("lambda", "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	sign := func() string {
		req := &upstream.Request{Method: "POST", Scheme: "http", Addr: "h:80", Host: "h", URI: "/x", Body: []byte("{}")}
		if err := s.Sign(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		return req.Header.Get("Authorization")
	}
	if a := sign(); !strings.Contains(a, "Credential=AKIDFROMFILE/") || !strings.Contains(a, "/us-east-1/lambda/aws4_request") {
		t.Fatalf("Authorization = %q, want the file's key scoped to us-east-1/lambda", a)
	}
	write("AKIDCHANGED")
	if a := sign(); !strings.Contains(a, "Credential=AKIDFROMFILE/") {
		t.Errorf("after the file changed, Authorization = %q, want the key loaded at first", a)
	}
}
