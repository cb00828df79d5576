package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
)

// These tests release through Terraform and check what the data plane serves: the AWS provider's worst
// pain points (a change that needs two applies or a hand-made trigger to reach the stage; "active
// stages point to this deployment" when a deployment is replaced) must not exist here.

// namedBackend is a real HTTP backend that answers its name.
func namedBackend(t *testing.T, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// testAccReleaseAPI is an API with GET /items/{id} proxied to uri.
func testAccReleaseAPI(name, uri string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = %[1]q
}

resource "gatewayd_resource" "items" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "items"
}

resource "gatewayd_resource" "item" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_resource.items.id
  path_part   = "{id}"
}

resource "gatewayd_method" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.item.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "test" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.item.id
  http_method             = gatewayd_method.test.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "GET"
  uri                     = "%[2]s/items/{id}"
}
`, name, uri)
}

// expectServed calls the stage's invoke_url and checks the answer.
func expectServed(addr, path, want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		url := rs.Primary.Attributes["invoke_url"] + path
		c := &http.Client{Timeout: 10 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(body) != want {
			return fmt.Errorf("GET %s = %d %q, want 200 %q", url, resp.StatusCode, body, want)
		}
		return nil
	}
}

func TestAccStage_AutoDeployReleasesInOneApply(t *testing.T) {
	t.Parallel()
	backendA, backendB := namedBackend(t, "A"), namedBackend(t, "B")
	config := func(uri string) string {
		return testAccReleaseAPI("auto-deploy", uri) + `
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}
`
	}
	const stage = "gatewayd_stage.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config(backendA),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectServed(stage, "/items/7", "A /items/7"),
			},
			// One apply: the integration changes and the stage serves it, with no deployment resource,
			// no trigger and no change planned for the stage itself.
			{
				Config: config(backendB),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("gatewayd_integration.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(stage, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectServed(stage, "/items/7", "B /items/7"),
			},
			// Reapplying the earlier configuration rolls the stage back in one apply.
			{
				Config:           config(backendA),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectServed(stage, "/items/8", "A /items/8"),
			},
		},
	})
}

func TestAccDeployment_ReplaceInUseWithTriggers(t *testing.T) {
	t.Parallel()
	backendA, backendB := namedBackend(t, "A"), namedBackend(t, "B")
	// The AWS provider's pattern, unchanged: a hand-written trigger hash and no create_before_destroy.
	config := func(uri string) string {
		return testAccReleaseAPI("triggers", uri) + `
resource "gatewayd_deployment" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  triggers = {
    redeploy = sha1(jsonencode([gatewayd_method.test, gatewayd_integration.test]))
  }
}

resource "gatewayd_stage" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  stage_name    = "prod"
  deployment_id = gatewayd_deployment.test.id
}
`
	}
	const stage, dep = "gatewayd_stage.test", "gatewayd_deployment.test"
	var apiID, firstDep string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config(backendA),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					captureAttr(dep, "id", &firstDep),
					expectServed(stage, "/items/1", "A /items/1"),
				),
			},
			// The deployment the stage serves is destroyed before its replacement exists, and the apply
			// still succeeds: the old one is retired, then removed when the stage moves.
			{
				Config: config(backendB),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(dep, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction(stage, plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					expectServed(stage, "/items/1", "B /items/1"),
					func(*terraform.State) error {
						if _, err := testClient.GetDeployment(context.Background(), apiID, firstDep); !client.IsNotFound(err) {
							return fmt.Errorf("replaced deployment %s still exists (err %v)", firstDep, err)
						}
						deps, err := testClient.ListDeployments(context.Background(), apiID)
						if err != nil || len(deps) != 1 {
							return fmt.Errorf("want exactly 1 deployment left, got %d (err %v)", len(deps), err)
						}
						return nil
					},
				),
			},
			// Reapplying the earlier configuration rolls back in one apply.
			{
				Config:           config(backendA),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectServed(stage, "/items/2", "A /items/2"),
					func(*terraform.State) error {
						got, err := stageHistoryReasons(apiID, "prod")
						if err != nil {
							return err
						}
						if diff := cmp.Diff([]string{"create", "update", "update"}, got); diff != "" {
							return fmt.Errorf("stage history reasons (-want +got):\n%s", diff)
						}
						return nil
					},
				),
			},
		},
	})
}
