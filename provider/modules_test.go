package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccModules_SharedModule: a root module calling a local shared module that declares the provider's
// source applies, plans quiet, serves, imports (module addresses) and destroys.
func TestAccModules_SharedModule(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	t.Parallel()
	vars := map[string]string{"backend_url": namedBackend(t, "pets")}
	calls := []portedCall{{"module.pets.gatewayd_stage.live", "/pets", 200, "pets /pets"}}
	runExample(t, terraformPath(t), "../examples/modules", vars, calls, true)
}

// TestAccModules_MissingSourceNamesHashicorp: a shared module that uses gatewayd_* without its own
// required_providers entry makes terraform init look for hashicorp/gatewayd and fail. The modules guide
// quotes this error; the test keeps the quote true to the terraform in use. It runs init against an
// empty filesystem mirror, so it needs no network.
func TestAccModules_MissingSourceNamesHashicorp(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	t.Parallel()
	dir := t.TempDir()
	mirror := filepath.Join(dir, "mirror")
	files := map[string]string{
		"main.tf":      "terraform {\n  required_providers {\n    gatewayd = { source = \"gatewayd/gatewayd\" }\n  }\n}\n\nmodule \"api\" {\n  source = \"./api\"\n}\n",
		"api/main.tf":  "resource \"gatewayd_rest_api\" \"this\" {\n  name = \"x\"\n}\n",
		"cli.tfrc":     "provider_installation {\n  filesystem_mirror {\n    path = \"" + filepath.ToSlash(mirror) + "\"\n  }\n}\n",
		"mirror/.keep": "",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(terraformPath(t), "init", "-no-color", "-input=false")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+filepath.Join(dir, "cli.tfrc"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("terraform init succeeded, want a failure naming hashicorp/gatewayd:\n%s", out)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Failed to query available provider packages",
		"Could not retrieve the list of available versions for provider hashicorp/gatewayd",
		"provider registry.terraform.io/hashicorp/gatewayd was not found",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("terraform init's error lacks %q:\n%s", want, out)
		}
	}
}

// terraformPath is the terraform CLI the acceptance tests run.
func terraformPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
