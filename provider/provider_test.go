package provider

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
)

// testAccProtoV6ProviderFactories runs the provider in-process for the real terraform CLI.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"gatewayd": providerserver.NewProtocol6WithError(New("test")()),
}

// testGatewayd is the real gatewayd the acceptance tests run against, started by TestMain on free
// loopback ports with a fresh data directory. Tests make their own APIs, so they can run in parallel.
var testGatewayd *daemon.Daemon

// testClient talks to testGatewayd behind Terraform's back: to check outcomes, make drift and delete
// objects outside Terraform.
var testClient *client.Client

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		return m.Run()
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if _, err := exec.LookPath("terraform"); err != nil {
			fmt.Fprintln(os.Stderr, "acceptance tests need the terraform CLI: put it on PATH or set TF_ACC_TERRAFORM_PATH to its path")
			return 1
		}
	}
	dir, err := os.MkdirTemp("", "gatewayd-acc-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	d, err := daemon.Start(ctx, daemon.Config{DataDir: dir, AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		TLSListen: "127.0.0.1:0", AdminToken: "acc-test-token", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting gatewayd:", err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = d.Shutdown(sctx)
	}()
	testGatewayd = d
	if testClient, err = client.New(d.AdminURL, d.Token, client.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv(EnvEndpoint, d.AdminURL)
	os.Setenv(EnvToken, d.Token)
	return m.Run()
}

func testAccPreCheck(t *testing.T) {
	t.Helper()
	if testGatewayd == nil {
		t.Fatal("gatewayd was not started: acceptance tests need TF_ACC=1")
	}
}

// captureAttr stores a resource attribute's value from state, for later steps' PreConfig and checks.
func captureAttr(addr, attr string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("resource %s not in state", addr)
		}
		v, ok := rs.Primary.Attributes[attr]
		if !ok {
			return fmt.Errorf("resource %s has no attribute %s", addr, attr)
		}
		*dst = v
		return nil
	}
}

// expectAction asserts the planned action of one resource before apply.
func expectAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

// emptyPlanAfterApply asserts that re-planning right after an apply changes nothing.
var emptyPlanAfterApply = resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}

// mustDo fails the test on a client error in PreConfig, where there is no error return.
func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// idRE matches gatewayd's object ids.
var idRE = regexp.MustCompile(`^[a-z0-9]{10}$`)
