package provider

import (
	"context"
	"fmt"
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

// testAccMethodResponseBase is GET /pets, for responses to hang from.
const testAccMethodResponseBase = `
resource "gatewayd_rest_api" "test" {
  name = "method-response-test"
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.pets.id
  http_method   = "GET"
  authorization = "NONE"
}
`

func testAccMethodResponseConfig(status, extra string) string {
	return testAccMethodResponseBase + fmt.Sprintf(`
resource "gatewayd_method_response" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.pets.id
  http_method = gatewayd_method.get.http_method
  status_code = %q
  %s
}
`, status, extra)
}

const testAccMethodResponseFull = `
  response_parameters = {
    "method.response.header.X-Request-Id" = true
    "method.response.header.Retry-After"  = false
  }
  response_models = {
    "application/json" = "Error"
  }
`

func TestAccMethodResponse_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_method_response.test"
	var id string
	var mid client.MethodID
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccMethodResponseConfig("200", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]{10}/[a-z0-9]{10}/GET/200$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status_code"), knownvalue.StringExact("200")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_parameters"), emptyMap),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_models"), emptyMap),
				},
				Check: resource.ComposeTestCheckFunc(
					checkIDJoins(addr, "rest_api_id", "resource_id", "http_method", "status_code"),
					captureAttr(addr, "id", &id),
					captureAttr(addr, "rest_api_id", &mid.RestAPIID),
					captureAttr(addr, "resource_id", &mid.ResourceID),
					captureAttr(addr, "http_method", &mid.HTTPMethod),
				),
			},
			// ImportState: the id is the import ID.
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ResourceName: addr, ImportState: true, ImportStateId: "a1b2c3d4e5/f6g7h8i9j0/GET", ExpectError: regexp.MustCompile(`Invalid Import ID`)},
			// Update in place
			{
				Config:           testAccMethodResponseConfig("200", testAccMethodResponseFull),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{
						"method.response.header.X-Request-Id": knownvalue.Bool(true),
						"method.response.header.Retry-After":  knownvalue.Bool(false),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_models"), knownvalue.MapExact(map[string]knownvalue.Check{
						"application/json": knownvalue.StringExact("Error"),
					})),
				},
				Check: resource.TestCheckResourceAttrPtr(addr, "id", &id),
			},
			// Drift made through the admin API shows in the plan and apply fixes it.
			{
				PreConfig: func() {
					_, err := testClient.PutMethodResponse(context.Background(), mid, "200", model.MethodResponse{
						ResponseParameters: map[string]bool{"method.response.header.X-Other": true},
					})
					mustDo(t, err)
				},
				Config:           testAccMethodResponseConfig("200", testAccMethodResponseFull),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "response_parameters.%", "2"),
					resource.TestCheckResourceAttr(addr, "response_parameters.method.response.header.X-Request-Id", "true"),
					resource.TestCheckResourceAttr(addr, "response_models.application/json", "Error"),
				),
			},
			// Deleted outside Terraform: state drops it quietly and the plan creates it again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteMethodResponse(context.Background(), mid, "200"))
				},
				Config:           testAccMethodResponseConfig("200", testAccMethodResponseFull),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)),
				Check:            resource.TestCheckResourceAttr(addr, "response_models.application/json", "Error"),
			},
			// Deleting the method deletes its responses: both are created again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteMethod(context.Background(), mid))
				},
				Config: testAccMethodResponseConfig("200", testAccMethodResponseFull),
				ConfigPlanChecks: preApplyThenEmpty(
					plancheck.ExpectResourceAction("gatewayd_method.get", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				),
			},
			// Another status code is another response.
			{
				Config:           testAccMethodResponseConfig("404", ""),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]{10}/[a-z0-9]{10}/GET/404$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("response_parameters"), emptyMap),
				},
				Check: func(*terraform.State) error {
					if _, err := testClient.GetMethodResponse(context.Background(), mid, "200"); !client.IsNotFound(err) {
						return fmt.Errorf("method response 200 should be gone, got err %v", err)
					}
					return nil
				},
			},
		},
	})
}

// A response made outside Terraform is not adopted by a create: the user is told to import it.
func TestAccMethodResponse_AlreadyExists(t *testing.T) {
	t.Parallel()
	var mid client.MethodID
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccMethodResponseBase,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_method.get", "rest_api_id", &mid.RestAPIID),
					captureAttr("gatewayd_method.get", "resource_id", &mid.ResourceID),
					captureAttr("gatewayd_method.get", "http_method", &mid.HTTPMethod),
				),
			},
			{
				PreConfig: func() {
					_, err := testClient.PutMethodResponse(context.Background(), mid, "200", model.MethodResponse{})
					mustDo(t, err)
				},
				Config:      testAccMethodResponseConfig("200", ""),
				ExpectError: regexp.MustCompile(`(?s)Method Response Already Exists.*terraform import gatewayd_method_response`),
			},
		},
	})
}

func TestAccMethodResponse_InvalidConfig(t *testing.T) {
	t.Parallel()
	cfg := func(status, body string) string {
		return fmt.Sprintf(`
resource "gatewayd_method_response" "bad" {
  rest_api_id = "a1b2c3d4e5"
  resource_id = "f6g7h8i9j0"
  http_method = "GET"
  status_code = %q
  %s
}
`, status, body)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("600", ""), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*status_code`)},
			{Config: cfg("20", ""), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*status_code`)},
			{
				Config:      cfg("200", `response_parameters = { "X-Request-Id" = true }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*response_parameters`),
			},
			{
				Config:      cfg("200", `response_models = { "json" = "Empty" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*response_models`),
			},
		},
	})
}
