package awsapi

import (
	"strings"
	"testing"
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
