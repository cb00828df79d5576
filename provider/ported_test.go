package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// The porting suite: every directory under examples/ported is the Example Usage of one aws_api_gateway_*
// documentation page of the AWS provider, renamed. TestAccPorted runs each one as a user would, with
// the real terraform CLI against the shared test gatewayd: init, apply, a plan that must be empty,
// calls to its stage, an import of every resource (import blocks in a fresh state: the plan must import
// each one without any change), and destroy. The directories declare the provider's source themselves,
// so the provider is attached under registry.terraform.io/gatewayd/gatewayd, as users get it.

const portedDir = "../examples/ported"

// portedCall is one request to an example's stage and what it must answer.
type portedCall struct {
	stage  string // the address of the resource whose invoke_url is called
	path   string
	status int
	body   string // a substring the body must contain; empty checks the status only
}

// portedServes is what each example with a stage serves. An example with a stage and no entry here
// fails, so that a new example says what it serves.
var portedServes = map[string][]portedCall{
	// A MOCK without an integration response answers 500, as in API Gateway ("No match for output mapping").
	"deployment":           {{"gatewayd_stage.example", "/example", 500, "Internal server error"}},
	"deployment_openapi":   {{"gatewayd_stage.example", "/path1", 200, "backend /ip-ranges.json"}},
	"stage":                {{"gatewayd_stage.example", "/path1", 200, "backend /ip-ranges.json"}},
	"method_settings":      {{"gatewayd_stage.example", "/path1", 200, "backend /ip-ranges.json"}},
	"usage_plan":           {{"gatewayd_stage.development", "/path1", 200, "backend /ip-ranges.json"}, {"gatewayd_stage.production", "/path1", 200, "backend /ip-ranges.json"}},
	"usage_plan_key":       {{"gatewayd_stage.foo", "/", 500, "Internal server error"}},
	"integration_lambda":   {{"gatewayd_stage.test", "/resource", 200, `"path":"/resource"`}},
	"base_path_mapping":    {{"gatewayd_stage.example", "/path1", 200, "backend /ip-ranges.json"}},
	"data_source_export":   {{"gatewayd_stage.example", "/path1", 200, "backend /ip-ranges.json"}},
	"integration_response": {{"gatewayd_stage.test", "/mydemoresource", 200, ""}},
}

// portedImportIgnore lists, per resource type, the attributes that cannot be read back on import (as
// the AWS provider documents for its own), so an import may plan to set them again.
var portedImportIgnore = map[string][]string{
	// Deployment: triggers are Terraform's own, as in the AWS provider.
	"gatewayd_deployment": {"triggers"},
	// REST API: an OpenAPI body is applied, not kept as written, as in the AWS provider ("Resource import
	// does not currently support the body attribute"); the import plans to apply it again.
	"gatewayd_rest_api": {"body", "put_rest_api_mode", "fail_on_warnings", "parameters"},
	// Domain name: endpoint_configuration is accepted for ported configurations and means nothing here
	// (every domain is served by the TLS listener), so it is not kept.
	"gatewayd_domain_name": {"endpoint_configuration"},
}

func TestAccPorted(t *testing.T) {
	skipUnlessAcc(t)
	testAccPreCheck(t)
	tfPath := terraformPath(t)
	entries, err := os.ReadDir(portedDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	for name := range portedServes {
		if !slices.Contains(dirs, name) {
			t.Errorf("portedServes names %q, which is not a directory of %s", name, portedDir)
		}
	}
	// The test's own function (for aws_lambda_function.x.invoke_arn) answers as a Lambda proxy function
	// echoing the path; the backend stands for the examples' public URLs and answers "backend PATH".
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		body, _ := json.Marshal(map[string]any{"path": ev.String("path"), "method": ev.String("httpMethod")})
		return map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "application/json"}, "body": string(body)}, ""
	})
	backendURL := namedBackend(t, "backend")
	vars := map[string]string{
		"function_uri": fn.URL,
		"backend_url":  backendURL,
		// For a load balancer's ARN in a VPC link's target_arns: gatewayd takes host:port directly.
		"backend_address": strings.TrimPrefix(backendURL, "http://"),
	}
	// The account is the shared gatewayd's one: the account example sets only cloudwatch_role_arn (the
	// throttle stays the daemon's flags, so the directories running beside it are not limited) and, as
	// in the AWS provider, leaves it behind on destroy. Put the account back as it was once all ran.
	before, err := testClient.GetAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		after, err := testClient.UpdateAccount(context.Background(), model.Account{CloudwatchRoleARN: before.CloudwatchRoleARN,
			ThrottleRateLimit: before.ThrottleRateLimit, ThrottleBurstLimit: before.ThrottleBurstLimit})
		if err != nil {
			t.Errorf("restoring the account: %v", err)
		} else if after.CloudwatchRoleARN != before.CloudwatchRoleARN || after.ThrottleSettings != before.ThrottleSettings {
			t.Errorf("the account after restoring it = %+v, want %+v", after, before)
		}
	})
	// Terraform is CPU-heavy: a few directories at a time keep the suite fast on two cores.
	sem := make(chan struct{}, 4)
	for _, name := range dirs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			runPorted(t, tfPath, name, vars)
		})
	}
}

// runPorted applies one example and checks it end to end.
func runPorted(t *testing.T, tfPath, name string, allVars map[string]string) {
	calls, listed := portedServes[name]
	runExample(t, tfPath, filepath.Join(portedDir, name), allVars, calls, listed)
}

// runExample copies a root module (with its local modules) to a fresh directory and runs it: apply, an
// empty plan, the calls (an example with a stage must have some when callsListed is false), import of
// every resource, destroy.
func runExample(t *testing.T, tfPath, dir string, allVars map[string]string, calls []portedCall, callsListed bool) {
	ctx := context.Background()
	work := t.TempDir()
	var opts []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(work, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		if filepath.Dir(rel) == "." {
			for _, m := range variableRE.FindAllStringSubmatch(string(src), -1) {
				if v, ok := allVars[m[1]]; ok {
					opts = append(opts, m[1]+"="+v)
				}
			}
		}
		return os.WriteFile(filepath.Join(work, rel), src, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	tf, err := tfexec.NewTerraform(work, tfPath)
	if err != nil {
		t.Fatal(err)
	}
	reattach := tfexec.Reattach(servePortedProvider(t))
	applyOpts := []tfexec.ApplyOption{reattach}
	planOpts := []tfexec.PlanOption{reattach}
	destroyOpts := []tfexec.DestroyOption{reattach}
	for _, v := range opts {
		applyOpts = append(applyOpts, tfexec.Var(v))
		planOpts = append(planOpts, tfexec.Var(v))
		destroyOpts = append(destroyOpts, tfexec.Var(v))
	}
	if err := tf.Init(ctx, reattach); err != nil {
		t.Fatalf("init: %v", err)
	}
	applied := false
	t.Cleanup(func() {
		if applied {
			if err := tf.Destroy(ctx, destroyOpts...); err != nil {
				t.Errorf("destroy: %v", err)
			}
		}
	})
	applied = true
	if err := tf.Apply(ctx, applyOpts...); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if changed, err := tf.Plan(ctx, planOpts...); err != nil || changed {
		t.Fatalf("the plan after apply is not empty (changed %v, error %v)", changed, err)
	}
	state, err := tf.Show(ctx, reattach)
	if err != nil {
		t.Fatal(err)
	}
	checkPortedServes(t, dir, state, calls, callsListed)

	// Import: forget the state, adopt every resource through import blocks with the AWS provider's ID
	// forms, and require that the import plans no change beyond what cannot be read back.
	resources := portedResources(state)
	var imports strings.Builder
	for _, r := range resources {
		id, err := portedImportID(r)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&imports, "import {\n  to = %s\n  id = %q\n}\n\n", r.Address, id)
	}
	if err := os.Rename(filepath.Join(work, "terraform.tfstate"), filepath.Join(work, "applied.tfstate")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "imports.tf"), []byte(imports.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(work, "import.tfplan")
	if _, err := tf.Plan(ctx, append(planOpts, tfexec.Out(planFile))...); err != nil {
		t.Fatalf("import plan: %v", err)
	}
	plan, err := tf.ShowPlanFile(ctx, planFile, reattach)
	if err != nil {
		t.Fatal(err)
	}
	checkImportPlan(t, resources, plan)
	if err := tf.Apply(ctx, reattach, tfexec.DirOrPlan(planFile)); err != nil {
		t.Fatalf("applying the import: %v", err)
	}
	if err := tf.Destroy(ctx, destroyOpts...); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	applied = false
	for _, r := range resources {
		if r.Type != "gatewayd_rest_api" {
			continue
		}
		id, _ := r.AttributeValues["id"].(string)
		if _, err := testClient.GetRestAPI(ctx, id); !client.IsNotFound(err) {
			t.Errorf("%s (%s) still exists after destroy: %v", r.Address, id, err)
		}
	}
}

// skipUnlessAcc skips a test that drives terraform itself unless TF_ACC is set, as resource.Test does.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
}

var variableRE = regexp.MustCompile(`(?m)^variable "([a-z_]+)"`)

// servePortedProvider serves the provider in-process for terraform to attach to, as
// terraform-plugin-testing does, under the source address the examples declare.
func servePortedProvider(t *testing.T) tfexec.ReattachInfo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfgCh := make(chan *plugin.ReattachConfig, 1)
	closeCh := make(chan struct{})
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- tf6server.Serve("registry.terraform.io/gatewayd/gatewayd", providerserver.NewProtocol6(New("test")()),
			tf6server.WithDebug(ctx, cfgCh, closeCh),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithLoggingSink(t))
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-cfgCh:
	case err := <-serveErr:
		cancel()
		t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider did not start serving within 30 s")
	}
	t.Cleanup(func() {
		cancel()
		<-closeCh
	})
	return tfexec.ReattachInfo{"registry.terraform.io/gatewayd/gatewayd": tfexec.ReattachConfig{
		Protocol: string(cfg.Protocol), ProtocolVersion: cfg.ProtocolVersion, Pid: cfg.Pid, Test: cfg.Test,
		Addr: tfexec.ReattachConfigAddr{Network: cfg.Addr.Network(), String: cfg.Addr.String()},
	}}
}

// checkPortedServes calls the stages of an example and checks the answers.
func checkPortedServes(t *testing.T, name string, state *tfjson.State, calls []portedCall, listed bool) {
	t.Helper()
	byAddr := map[string]*tfjson.StateResource{}
	for _, r := range portedResources(state) {
		byAddr[r.Address] = r
		if (r.Type == "gatewayd_stage" || (r.Type == "gatewayd_deployment" && r.AttributeValues["stage_name"] != nil && r.AttributeValues["stage_name"] != "")) && !listed {
			t.Errorf("%s has a stage (%s) but portedServes does not say what it serves", name, r.Address)
		}
	}
	c := &http.Client{Timeout: 10 * time.Second}
	for _, call := range calls {
		r, ok := byAddr[call.stage]
		if !ok {
			t.Errorf("%s: no %s in state", name, call.stage)
			continue
		}
		base, _ := r.AttributeValues["invoke_url"].(string)
		if base == "" {
			t.Errorf("%s: %s has no invoke_url", name, call.stage)
			continue
		}
		resp, err := c.Get(strings.TrimSuffix(base, "/") + call.path)
		if err != nil {
			t.Errorf("GET %s%s: %v", base, call.path, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != call.status || !strings.Contains(string(body), call.body) {
			t.Errorf("GET %s%s = %d %s, want %d with %q", base, call.path, resp.StatusCode, body, call.status, call.body)
		}
	}
}

// portedResources lists the managed resources of a state, its modules' included.
func portedResources(state *tfjson.State) []*tfjson.StateResource {
	if state.Values == nil || state.Values.RootModule == nil {
		return nil
	}
	var out []*tfjson.StateResource
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		for _, r := range m.Resources {
			if r.Mode == tfjson.ManagedResourceMode {
				out = append(out, r)
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(state.Values.RootModule)
	return out
}

// portedImportID is the AWS provider's import ID of a resource, built from its state.
func portedImportID(r *tfjson.StateResource) (string, error) {
	a := func(name string) string { s, _ := r.AttributeValues[name].(string); return s }
	switch r.Type {
	case "gatewayd_rest_api", "gatewayd_api_key", "gatewayd_usage_plan", "gatewayd_domain_name", "gatewayd_certificate",
		"gatewayd_vpc_link", "gatewayd_client_certificate":
		return a("id"), nil
	case "gatewayd_account":
		return "api-gateway-account", nil
	case "gatewayd_documentation_part":
		return a("rest_api_id") + "/" + a("documentation_part_id"), nil
	case "gatewayd_documentation_version":
		return a("rest_api_id") + "/" + a("version"), nil
	case "gatewayd_rest_api_policy":
		return a("rest_api_id"), nil
	case "gatewayd_stage":
		return a("rest_api_id") + "/" + a("stage_name"), nil
	case "gatewayd_gateway_response":
		return a("rest_api_id") + "/" + a("response_type"), nil
	case "gatewayd_method_settings":
		return a("rest_api_id") + "/" + a("stage_name") + "/" + a("method_path"), nil
	case "gatewayd_usage_plan_key":
		return a("usage_plan_id") + "/" + a("key_id"), nil
	case "gatewayd_method":
		return a("rest_api_id") + "/" + a("resource_id") + "/" + a("http_method"), nil
	case "gatewayd_method_response":
		return a("rest_api_id") + "/" + a("resource_id") + "/" + a("http_method") + "/" + a("status_code"), nil
	case "gatewayd_authorizer", "gatewayd_deployment", "gatewayd_request_validator", "gatewayd_resource":
		return a("rest_api_id") + "/" + a("id"), nil
	case "gatewayd_model":
		return a("rest_api_id") + "/" + a("name"), nil
	case "gatewayd_integration":
		return a("rest_api_id") + "/" + a("resource_id") + "/" + a("http_method"), nil
	case "gatewayd_integration_response":
		return a("rest_api_id") + "/" + a("resource_id") + "/" + a("http_method") + "/" + a("status_code"), nil
	case "gatewayd_base_path_mapping":
		return a("domain_name") + "/" + a("base_path"), nil
	}
	return "", fmt.Errorf("%s: no import ID form known for %s; add it to portedImportID", r.Address, r.Type)
}

// checkImportPlan requires that the plan imports every resource and changes nothing else than the
// attributes portedImportIgnore lists.
func checkImportPlan(t *testing.T, resources []*tfjson.StateResource, plan *tfjson.Plan) {
	t.Helper()
	imported := map[string]bool{}
	for _, rc := range plan.ResourceChanges {
		if rc.Mode != tfjson.ManagedResourceMode {
			continue
		}
		if rc.Change.Importing == nil {
			t.Errorf("%s: planned %v without importing it", rc.Address, rc.Change.Actions)
			continue
		}
		imported[rc.Address] = true
		if rc.Change.Actions.NoOp() {
			continue
		}
		if !rc.Change.Actions.Update() {
			t.Errorf("%s: the import plans %v, want no change", rc.Address, rc.Change.Actions)
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		var changed []string
		for k, v := range after {
			if !reflect.DeepEqual(before[k], v) && !slices.Contains(portedImportIgnore[rc.Type], k) {
				changed = append(changed, k)
			}
		}
		sort.Strings(changed)
		if len(changed) > 0 {
			t.Errorf("%s: after import the plan changes %v (before %v, after %v)", rc.Address, changed, pick(before, changed), pick(after, changed))
		}
	}
	for _, r := range resources {
		if !imported[r.Address] {
			t.Errorf("%s was not imported", r.Address)
		}
	}
}

func pick(m map[string]any, keys []string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}
