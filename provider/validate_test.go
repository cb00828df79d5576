package provider

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// TestAccProvider_ValidateReportsAllErrors: one `terraform validate` reports every bad value of a
// configuration, several in one resource included, each once, before anything reaches gatewayd. The
// resources name literal IDs rather than each other: terraform does not validate a resource whose
// dependency failed validation.
func TestAccProvider_ValidateReportsAllErrors(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	t.Parallel()
	config := `terraform {
  required_providers {
    gatewayd = { source = "gatewayd/gatewayd" }
  }
}

resource "gatewayd_authorizer" "a" {
  name                             = "a"
  rest_api_id                      = "abcdefghij"
  authorizer_uri                   = "ftp://functions.example/auth"
  identity_source                  = "header.Authorization"
  identity_validation_expression   = "Bearer (["
  authorizer_result_ttl_in_seconds = 5000
}

resource "gatewayd_rest_api" "b" {
  name               = "b"
  api_key_source     = "QUERY"
  binary_media_types = ["image/png", "not a media type"]
}

resource "gatewayd_integration" "c" {
  rest_api_id          = "abcdefghij"
  resource_id          = "abcdefghij"
  http_method          = "GET"
  type                 = "HTTP_PROXYY"
  timeout_milliseconds = 10
}

resource "gatewayd_method_settings" "d" {
  rest_api_id = "abcdefghij"
  stage_name  = "live"
  method_path = "*/*"

  settings {
    logging_level = "DEBUG"
  }
}
`
	// Each bad value's line, which exactly one error diagnostic must point at.
	want := []string{
		`authorizer_uri                   = "ftp://functions.example/auth"`,
		`identity_source                  = "header.Authorization"`,
		`identity_validation_expression   = "Bearer (["`,
		`authorizer_result_ttl_in_seconds = 5000`,
		`api_key_source     = "QUERY"`,
		`binary_media_types = ["image/png", "not a media type"]`,
		`type                 = "HTTP_PROXYY"`,
		`timeout_milliseconds = 10`,
		`logging_level = "DEBUG"`,
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	reattach, err := json.Marshal(servePortedProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command(terraformPath(t), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(reattach))
		return cmd.Output()
	}
	if out, err := run("init", "-no-color", "-input=false"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	out, _ := run("validate", "-json", "-no-color")
	var res tfjson.ValidateOutput
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("terraform validate -json: %v\n%s", err, out)
	}
	if res.Valid {
		t.Fatalf("terraform validate found the configuration valid:\n%s", out)
	}
	count := map[string]int{}
	for _, d := range res.Diagnostics {
		if d.Severity != tfjson.DiagnosticSeverityError {
			continue
		}
		code := ""
		if d.Snippet != nil {
			code = strings.TrimSpace(d.Snippet.Code)
		}
		matched := false
		for _, w := range want {
			if strings.Contains(code, w) {
				count[w]++
				matched = true
			}
		}
		if !matched {
			t.Errorf("unexpected error %q: %s (at %q)", d.Summary, d.Detail, code)
		}
	}
	for _, w := range want {
		if count[w] != 1 {
			t.Errorf("%d errors point at %s, want 1", count[w], w)
		}
	}
	if t.Failed() {
		t.Logf("terraform validate -json:\n%s", out)
	}
}
