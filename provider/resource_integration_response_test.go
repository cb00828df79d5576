package provider

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
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

// testAccIntegrationResponseMethod makes, behind Terraform's back, a GET method with a MOCK integration
// for the integration responses to hang from.
func testAccIntegrationResponseMethod(t *testing.T) client.MethodID {
	t.Helper()
	apiID, resID := testAccIntegrationMethods(t, "GET")
	id := client.MethodID{RestAPIID: apiID, ResourceID: resID, HTTPMethod: "GET"}
	_, err := testClient.PutIntegration(context.Background(), id, model.Integration{Type: model.IntegrationMock})
	mustDo(t, err)
	return id
}

// testAccIntegrationResponseOnServer checks what gatewayd itself holds, not what Terraform recorded.
func testAccIntegrationResponseOnServer(id client.MethodID, status string, check func(model.IntegrationResponse) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		r, err := testClient.GetIntegrationResponse(context.Background(), id, status)
		if err != nil {
			return fmt.Errorf("reading integration response %s of %v: %w", status, id, err)
		}
		return check(r)
	}
}

func testAccIntegrationResponseConfig(id client.MethodID, status, attrs string) string {
	return fmt.Sprintf(`
resource "gatewayd_integration_response" "test" {
  rest_api_id = %q
  resource_id = %q
  http_method = %q
  status_code = %q
%s
}
`, id.RestAPIID, id.ResourceID, id.HTTPMethod, status, attrs)
}

const testAccIntegrationResponseAttrs = `
  selection_pattern = "4[0-9]{2}"
  response_parameters = {
    "method.response.header.X-Upstream"                  = "integration.response.header.X-Backend"
    "method.response.header.Access-Control-Allow-Origin" = "'*'"
  }
  response_templates = { "application/json" = "{\"error\": $input.json('$.message')}" }
  content_handling   = "CONVERT_TO_TEXT"
`

func TestAccIntegrationResponse_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_integration_response.test"
	id := testAccIntegrationResponseMethod(t)
	prefix := id.RestAPIID + "/" + id.ResourceID + "/GET/"
	const template = `{"error": $input.json('$.message')}`
	wantParams := map[string]string{
		"method.response.header.X-Upstream":                  "integration.response.header.X-Backend",
		"method.response.header.Access-Control-Allow-Origin": "'*'",
	}
	checkFull := func(r model.IntegrationResponse) error {
		if r.SelectionPattern != "4[0-9]{2}" || r.ContentHandling != "CONVERT_TO_TEXT" ||
			!reflect.DeepEqual(r.ResponseParameters, wantParams) ||
			!reflect.DeepEqual(r.ResponseTemplates, map[string]string{"application/json": template}) {
			return fmt.Errorf("gatewayd holds %+v", r)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read: only the key set, every default echoed back by gatewayd.
			{
				Config:           testAccIntegrationResponseConfig(id, "200", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(prefix+"200")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_code"), knownvalue.StringExact("200")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("selection_pattern"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_templates"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("content_handling"), knownvalue.StringExact("")),
				},
				Check: testAccIntegrationResponseOnServer(id, "200", func(r model.IntegrationResponse) error {
					if r.SelectionPattern != "" || len(r.ResponseParameters) != 0 || len(r.ResponseTemplates) != 0 {
						return fmt.Errorf("gatewayd holds %+v", r)
					}
					return nil
				}),
			},
			// ImportState
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Update in place
			{
				Config:           testAccIntegrationResponseConfig(id, "200", testAccIntegrationResponseAttrs),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(prefix+"200")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("selection_pattern"), knownvalue.StringExact("4[0-9]{2}")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{
						"method.response.header.X-Upstream":                  knownvalue.StringExact("integration.response.header.X-Backend"),
						"method.response.header.Access-Control-Allow-Origin": knownvalue.StringExact("'*'"),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_templates"), knownvalue.MapExact(map[string]knownvalue.Check{
						"application/json": knownvalue.StringExact(template),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("content_handling"), knownvalue.StringExact("CONVERT_TO_TEXT")),
				},
				Check: testAccIntegrationResponseOnServer(id, "200", checkFull),
			},
			// ImportState of the non-default values
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Another status code: replaced, the old response removed.
			{
				Config:           testAccIntegrationResponseConfig(id, "404", testAccIntegrationResponseAttrs),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionReplace),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(prefix+"404")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccIntegrationResponseOnServer(id, "404", checkFull),
					func(*terraform.State) error {
						if _, err := testClient.GetIntegrationResponse(context.Background(), id, "200"); !client.IsNotFound(err) {
							return fmt.Errorf("integration response 200 should be gone, got error %v", err)
						}
						return nil
					},
				),
			},
			// Drift made through the admin API shows in the plan and apply fixes it.
			{
				PreConfig: func() {
					r, err := testClient.GetIntegrationResponse(context.Background(), id, "404")
					mustDo(t, err)
					r.SelectionPattern, r.ContentHandling = "5[0-9]{2}", ""
					_, err = testClient.PutIntegrationResponse(context.Background(), id, "404", r)
					mustDo(t, err)
				},
				Config:           testAccIntegrationResponseConfig(id, "404", testAccIntegrationResponseAttrs),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "selection_pattern", "4[0-9]{2}"),
					testAccIntegrationResponseOnServer(id, "404", checkFull),
				),
			},
			// Deleted outside Terraform: state drops it quietly and the plan creates it again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteIntegrationResponse(context.Background(), id, "404"))
				},
				Config:           testAccIntegrationResponseConfig(id, "404", testAccIntegrationResponseAttrs),
				ConfigPlanChecks: expectActionThenEmpty(addr, plancheck.ResourceActionCreate),
				Check:            testAccIntegrationResponseOnServer(id, "404", checkFull),
			},
		},
	})
}

// A response that already exists is not taken over silently: the error says how to import it.
func TestAccIntegrationResponse_AlreadyExists(t *testing.T) {
	t.Parallel()
	id := testAccIntegrationResponseMethod(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					_, err := testClient.PutIntegrationResponse(context.Background(), id, "200", model.IntegrationResponse{})
					mustDo(t, err)
				},
				Config: testAccIntegrationResponseConfig(id, "200", ""),
				ExpectError: regexp.MustCompile(`(?s)Integration Response Already Exists.*terraform import gatewayd_integration_response.NAME\s+` +
					id.RestAPIID + "/" + id.ResourceID + "/GET/200"),
			},
		},
	})
}

func TestAccIntegrationResponse_InvalidConfig(t *testing.T) {
	t.Parallel()
	id := client.MethodID{RestAPIID: "aaaaaaaaaa", ResourceID: "bbbbbbbbbb", HTTPMethod: "GET"}
	cases := []struct {
		status, attrs, want string
	}{
		{"200", `  selection_pattern = "4[0-9"`, `Attribute selection_pattern must be a valid regular expression in RE2 syntax`},
		{"200", `  selection_pattern = "(?<=4)04"`, `Attribute selection_pattern must be a valid regular expression in RE2 syntax`},
		{"600", ``, `Attribute status_code must be an HTTP status code between 100 and 599, got: 600`},
		{"20", ``, `Attribute status_code must be an HTTP status code between 100 and 599, got: 20`},
		{"200", `  response_parameters = { "method.response.body" = "'x'" }`, `must look like method.response.header.NAME`},
		{"200", `  response_parameters = { "method.response.header.X" = "integration.request.header.X" }`, `must be integration.response.header.NAME`},
		{"200", `  response_templates = { "json" = "{}" }`, `must be a content type such as application/json`},
		{"200", `  content_handling = "CONVERT"`, `Attribute content_handling value must be one of`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      testAccIntegrationResponseConfig(id, c.status, c.attrs),
			ExpectError: wrappedRE(c.want),
			PlanOnly:    true,
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
