package provider

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// testAccIntegrationMethods makes, behind Terraform's back, an API with a resource /pets carrying the
// given methods, so that these tests do not depend on gatewayd_method. The API is deleted at the end.
func testAccIntegrationMethods(t *testing.T, verbs ...string) (apiID, resID string) {
	t.Helper()
	if testClient == nil {
		t.Skip("acceptance test: set TF_ACC=1 to run it against a real gatewayd")
	}
	ctx := context.Background()
	api, err := testClient.CreateRestAPI(ctx, model.RestAPI{Name: t.Name()})
	mustDo(t, err)
	t.Cleanup(func() {
		if err := testClient.DeleteRestAPI(context.Background(), api.ID); err != nil && !client.IsNotFound(err) {
			t.Errorf("deleting rest api %s: %v", api.ID, err)
		}
	})
	res, err := testClient.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "pets"})
	mustDo(t, err)
	for _, verb := range verbs {
		_, err := testClient.PutMethod(ctx, client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: verb}, model.Method{Authorization: model.AuthNone})
		mustDo(t, err)
	}
	return api.ID, res.ID
}

// wrappedRE matches text in Terraform's error output, which wraps long lines at spaces.
func wrappedRE(text string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(text), " ", `\s+`))
}

// expectActionThenEmpty asserts the planned action before apply and an empty plan right after it.
func expectActionThenEmpty(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}

// testAccIntegrationOnServer checks what gatewayd itself holds, not what Terraform recorded.
func testAccIntegrationOnServer(id client.MethodID, check func(model.Integration) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		in, err := testClient.GetIntegration(context.Background(), id)
		if err != nil {
			return fmt.Errorf("reading integration %v: %w", id, err)
		}
		return check(in)
	}
}

func testAccIntegrationConfig(apiID, resID, verb, attrs string) string {
	return fmt.Sprintf(`
resource "gatewayd_integration" "test" {
  rest_api_id = %q
  resource_id = %q
  http_method = %q
%s
}
`, apiID, resID, verb, attrs)
}

const testAccIntegrationProxyAttrs = `
  type                    = "HTTP_PROXY"
  uri                     = "http://backend.example.com/pets/{id}"
  integration_http_method = "GET"
  timeout_milliseconds    = 5000
  request_parameters      = { "integration.request.path.id" = "method.request.path.id" }
  cache_key_parameters    = [%s]
`

func TestAccIntegration_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_integration.test"
	apiID, resID := testAccIntegrationMethods(t, "GET", "POST")
	get := client.MethodID{RestAPIID: apiID, ResourceID: resID, HTTPMethod: "GET"}
	post := client.MethodID{RestAPIID: apiID, ResourceID: resID, HTTPMethod: "POST"}
	proxy := func(cacheKeys string) string {
		return testAccIntegrationConfig(apiID, resID, "GET", fmt.Sprintf(testAccIntegrationProxyAttrs, cacheKeys))
	}
	const stageURI = `https://${stageVariables.backend}/pets/{id}`
	stageVarConfig := testAccIntegrationConfig(apiID, resID, "GET", `
  type                    = "HTTP_PROXY"
  uri                     = "https://$${stageVariables.backend}/pets/{id}"
  integration_http_method = "GET"
`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read: only type set, every default echoed back by gatewayd.
			{
				Config:           testAccIntegrationConfig(apiID, resID, "GET", `  type = "MOCK"`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(apiID+"/"+resID+"/GET")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("MOCK")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("uri"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("integration_http_method"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("passthrough_behavior"), knownvalue.StringExact("WHEN_NO_MATCH")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("timeout_milliseconds"), knownvalue.Int64Exact(29000)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_templates"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cache_key_parameters"), knownvalue.SetExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cache_namespace"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("content_handling"), knownvalue.StringExact("")),
				},
				Check: testAccIntegrationOnServer(get, func(in model.Integration) error {
					if in.Type != "MOCK" || in.TimeoutMilliseconds != 29000 || in.PassthroughBehavior != "WHEN_NO_MATCH" {
						return fmt.Errorf("gatewayd holds type %q, timeout %d, passthrough %q; want MOCK, 29000, WHEN_NO_MATCH",
							in.Type, in.TimeoutMilliseconds, in.PassthroughBehavior)
					}
					return nil
				}),
			},
			// ImportState
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Update in place: MOCK to HTTP_PROXY with a URI, a timeout and cache keys.
			{
				Config:           proxy(`"method.request.path.id", "method.request.header.Accept"`),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(apiID+"/"+resID+"/GET")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("HTTP_PROXY")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("uri"), knownvalue.StringExact("http://backend.example.com/pets/{id}")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("integration_http_method"), knownvalue.StringExact("GET")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("timeout_milliseconds"), knownvalue.Int64Exact(5000)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{
						"integration.request.path.id": knownvalue.StringExact("method.request.path.id"),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cache_key_parameters"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("method.request.header.Accept"),
						knownvalue.StringExact("method.request.path.id"),
					})),
				},
				Check: testAccIntegrationOnServer(get, func(in model.Integration) error {
					want := []string{"method.request.header.Accept", "method.request.path.id"}
					if in.Type != "HTTP_PROXY" || in.URI != "http://backend.example.com/pets/{id}" || in.TimeoutMilliseconds != 5000 ||
						!reflect.DeepEqual(in.CacheKeyParameters, want) {
						return fmt.Errorf("gatewayd holds %+v", in)
					}
					return nil
				}),
			},
			// The same cache keys in another order are the same set: nothing to do.
			{
				Config: proxy(`"method.request.header.Accept", "method.request.path.id"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			// Update in place: a URI built from a stage variable; the defaults come back when unset.
			{
				Config:           stageVarConfig,
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("uri"), knownvalue.StringExact(stageURI)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("timeout_milliseconds"), knownvalue.Int64Exact(29000)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cache_key_parameters"), knownvalue.SetExact([]knownvalue.Check{})),
				},
				Check: testAccIntegrationOnServer(get, func(in model.Integration) error {
					if in.URI != stageURI || in.TimeoutMilliseconds != 29000 || len(in.CacheKeyParameters) != 0 {
						return fmt.Errorf("gatewayd holds %+v", in)
					}
					return nil
				}),
			},
			// ImportState of the non-default values
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Drift made through the admin API shows in the plan and apply fixes it.
			{
				PreConfig: func() {
					in, err := testClient.GetIntegration(context.Background(), get)
					mustDo(t, err)
					in.URI, in.TimeoutMilliseconds = "http://drift.example.com/", 100
					_, err = testClient.PutIntegration(context.Background(), get, in)
					mustDo(t, err)
				},
				Config:           stageVarConfig,
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "uri", stageURI),
					resource.TestCheckResourceAttr(addr, "timeout_milliseconds", "29000"),
					testAccIntegrationOnServer(get, func(in model.Integration) error {
						if in.URI != stageURI || in.TimeoutMilliseconds != 29000 {
							return fmt.Errorf("drift not repaired: gatewayd holds uri %q, timeout %d", in.URI, in.TimeoutMilliseconds)
						}
						return nil
					}),
				),
			},
			// Deleted outside Terraform: state drops it quietly and the plan creates it again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteIntegration(context.Background(), get))
				},
				Config:           stageVarConfig,
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionCreate),
				Check: testAccIntegrationOnServer(get, func(in model.Integration) error {
					if in.URI != stageURI {
						return fmt.Errorf("not recreated: gatewayd holds uri %q", in.URI)
					}
					return nil
				}),
			},
			// Another method: replaced, the old integration removed.
			{
				Config: testAccIntegrationConfig(apiID, resID, "POST", `
  type                    = "HTTP_PROXY"
  uri                     = "https://$${stageVariables.backend}/pets/{id}"
  integration_http_method = "GET"
`),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionReplace),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(apiID+"/"+resID+"/POST")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccIntegrationOnServer(post, func(in model.Integration) error {
						if in.URI != stageURI {
							return fmt.Errorf("POST integration holds uri %q", in.URI)
						}
						return nil
					}),
					func(*terraform.State) error {
						if _, err := testClient.GetIntegration(context.Background(), get); !client.IsNotFound(err) {
							return fmt.Errorf("GET integration should be gone, got error %v", err)
						}
						return nil
					},
				),
			},
		},
	})
}

// An integration that already exists is not taken over silently: the error says how to import it, and
// an import block then adopts it without changes.
func TestAccIntegration_AlreadyExists(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_integration.test"
	apiID, resID := testAccIntegrationMethods(t, "GET")
	config := testAccIntegrationConfig(apiID, resID, "GET", `  type = "MOCK"`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					_, err := testClient.PutIntegration(context.Background(),
						client.MethodID{RestAPIID: apiID, ResourceID: resID, HTTPMethod: "GET"}, model.Integration{Type: "MOCK"})
					mustDo(t, err)
				},
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Integration Already Exists.*terraform import gatewayd_integration.NAME\s+` + apiID + "/" + resID + "/GET"),
			},
			{
				Config: config + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", addr, apiID+"/"+resID+"/GET"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(apiID+"/"+resID+"/GET")),
				},
			},
		},
	})
}

// A URI known only after apply is not checked at plan time.
func TestAccIntegration_UnknownURI(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
resource "terraform_data" "backend" {
  input = "http://backend.example.com"
}

resource "gatewayd_integration" "test" {
  rest_api_id             = "aaaaaaaaaa"
  resource_id             = "bbbbbbbbbb"
  http_method             = "GET"
  type                    = "HTTP"
  uri                     = terraform_data.backend.output
  integration_http_method = "GET"
}
`,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

func TestAccIntegration_InvalidConfig(t *testing.T) {
	t.Parallel()
	bad := func(attrs string) string { return testAccIntegrationConfig("aaaaaaaaaa", "bbbbbbbbbb", "GET", attrs) }
	cases := []struct {
		attrs string
		want  string
	}{
		{`  type = "MOCK"` + "\n  timeout_milliseconds = 10", `Attribute timeout_milliseconds value must be between 50 and 29000, got: 10`},
		{`  type = "LAMBDA"`, `Attribute type value must be one of`},
		{`  type = "HTTP"` + "\n  integration_http_method = \"GET\"", `Attribute uri is required when type is HTTP`},
		{`  type = "HTTP_PROXY"` + "\n  uri = \"http://backend.example.com\"", `Attribute integration_http_method is required when type is HTTP_PROXY`},
		{`  type = "AWS_PROXY"` + "\n  uri = \"http://fn.example.com\"\n  integration_http_method = \"GET\"", `Attribute integration_http_method must be POST when type is AWS_PROXY`},
		{`  type = "HTTP"` + "\n  uri = \"ftp://backend.example.com\"\n  integration_http_method = \"GET\"", `Attribute uri must be an absolute http:// or https:// URL`},
		{`  type = "HTTP"` + "\n  uri = \"backend.example.com/pets\"\n  integration_http_method = \"GET\"", `Attribute uri must be an absolute http:// or https:// URL`},
		// URIs gatewayd once accepted and then failed every request with: the same rule refuses them now.
		{`  type = "HTTP"` + "\n  uri = \"http://user:pass@backend.example.com/\"\n  integration_http_method = \"GET\"", `Attribute uri must not hold credentials`},
		{`  type = "HTTP"` + "\n  uri = \"http://backend.example.com/{proxy\"\n  integration_http_method = \"GET\"", `Attribute uri has an unclosed placeholder`},
		{`  type = "HTTP"` + "\n  uri = \"http://h{x}:1/\"\n  integration_http_method = \"GET\"", `Attribute uri has an invalid host`},
		{`  type = "MOCK"` + "\n  request_parameters = { \"method.request.path.id\" = \"method.request.path.id\" }", `integration.request.{path|querystring|header}.NAME`},
		{`  type = "MOCK"` + "\n  request_parameters = { \"integration.request.path.id\" = \"path.id\" }", `must be method.request.{path|querystring|header}.NAME`},
		{`  type = "MOCK"` + "\n  cache_key_parameters = [\"id\"]", `must look like method.request.{path|querystring|header}.NAME, got: id`},
		{`  type = "MOCK"` + "\n  passthrough_behavior = \"ALWAYS\"", `Attribute passthrough_behavior value must be one of`},
		{`  type = "MOCK"` + "\n  content_handling = \"CONVERT_TO_JSON\"", `Attribute content_handling value must be one of`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      bad(c.attrs),
			ExpectError: wrappedRE(c.want),
			PlanOnly:    true,
		})
	}
	// gatewayd echoes verbs in upper case, so a lower-case one would plan a replacement on every run.
	steps = append(steps, resource.TestStep{
		Config:      testAccIntegrationConfig("aaaaaaaaaa", "bbbbbbbbbb", "get", `  type = "MOCK"`),
		ExpectError: regexp.MustCompile(`Attribute http_method value must be one of`),
		PlanOnly:    true,
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
