package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// testAccMethodBase is an API with two resources, /pets and /pets/{petId}, for methods to hang from.
const testAccMethodBase = `
resource "gatewayd_rest_api" "test" {
  name = "method-test"
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_resource.pets.id
  path_part   = "{petId}"
}

resource "gatewayd_request_validator" "test" {
  rest_api_id                 = gatewayd_rest_api.test.id
  name                        = "params"
  validate_request_parameters = true
}
`

// testAccMethodConfig declares one method on resource (pets or pet); extra is added to its block.
func testAccMethodConfig(resourceName, httpMethod, extra string) string {
	return testAccMethodBase + fmt.Sprintf(`
resource "gatewayd_method" "test" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.%s.id
  http_method   = %q
  %s
}
`, resourceName, httpMethod, extra)
}

const testAccMethodFull = `
  authorization        = "NONE"
  api_key_required     = true
  operation_name       = "ListPets"
  request_validator_id = gatewayd_request_validator.test.id
  request_parameters = {
    "method.request.querystring.limit" = false
    "method.request.header.x-trace"    = true
  }
  request_models = {
    "application/json" = "Empty"
  }
`

var (
	emptyMap = knownvalue.MapExact(map[string]knownvalue.Check{})
	emptySet = knownvalue.SetExact([]knownvalue.Check{})
)

func TestAccMethod_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_method.test"
	var id string
	var mid client.MethodID
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read: every optional attribute gets its documented default.
			{
				Config:           testAccMethodConfig("pets", "GET", `authorization = "NONE"`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]{10}/[a-z0-9]{10}/GET$`))),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("resource_id"), "gatewayd_resource.pets", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("http_method"), knownvalue.StringExact("GET")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization"), knownvalue.StringExact("NONE")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorizer_id"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization_scopes"), emptySet),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_key_required"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("operation_name"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_parameters"), emptyMap),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_models"), emptyMap),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_validator_id"), knownvalue.StringExact("")),
				},
				Check: resource.ComposeTestCheckFunc(
					checkIDJoins(addr, "rest_api_id", "resource_id", "http_method"),
					captureAttr(addr, "id", &id),
					captureAttr(addr, "rest_api_id", &mid.RestAPIID),
					captureAttr(addr, "resource_id", &mid.ResourceID),
					captureAttr(addr, "http_method", &mid.HTTPMethod),
				),
			},
			// ImportState: the id is the import ID.
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			{ResourceName: addr, ImportState: true, ImportStateId: "a1b2c3d4e5/GET", ExpectError: regexp.MustCompile(`Invalid Import ID`)},
			// Update in place
			{
				Config:           testAccMethodConfig("pets", "GET", testAccMethodFull),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_key_required"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("operation_name"), knownvalue.StringExact("ListPets")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_validator_id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_parameters"), knownvalue.MapExact(map[string]knownvalue.Check{
						"method.request.querystring.limit": knownvalue.Bool(false),
						"method.request.header.x-trace":    knownvalue.Bool(true),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_models"), knownvalue.MapExact(map[string]knownvalue.Check{
						"application/json": knownvalue.StringExact("Empty"),
					})),
				},
				Check: resource.TestCheckResourceAttrPtr(addr, "id", &id),
			},
			// Drift made through the admin API shows in the plan and apply fixes it.
			{
				PreConfig: func() {
					m, err := testClient.GetMethod(context.Background(), mid)
					mustDo(t, err)
					m.APIKeyRequired = false
					m.RequestParameters = map[string]bool{"method.request.querystring.limit": true}
					_, err = testClient.PutMethod(context.Background(), mid, m)
					mustDo(t, err)
				},
				Config:           testAccMethodConfig("pets", "GET", testAccMethodFull),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "api_key_required", "true"),
					resource.TestCheckResourceAttr(addr, "request_parameters.%", "2"),
					resource.TestCheckResourceAttr(addr, "request_parameters.method.request.querystring.limit", "false"),
					resource.TestCheckResourceAttr(addr, "request_parameters.method.request.header.x-trace", "true"),
				),
			},
			// Deleted outside Terraform: state drops it quietly and the plan creates it again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteMethod(context.Background(), mid))
				},
				Config:           testAccMethodConfig("pets", "GET", testAccMethodFull),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)),
				Check:            resource.TestCheckResourceAttr(addr, "operation_name", "ListPets"),
			},
			// Removing the optional attributes sets them back to their defaults, in place.
			{
				Config:           testAccMethodConfig("pets", "GET", `authorization = "NONE"`),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("api_key_required"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("operation_name"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_parameters"), emptyMap),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("request_models"), emptyMap),
				},
				Check: func(_ *terraform.State) error {
					m, err := testClient.GetMethod(context.Background(), mid)
					if err != nil {
						return err
					}
					if m.APIKeyRequired || len(m.RequestParameters) != 0 || m.RequestValidatorID != "" {
						return fmt.Errorf("gatewayd still has the removed settings: %+v", m)
					}
					return nil
				},
			},
		},
	})
}

func TestAccMethod_Replace(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_method.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccMethodConfig("pets", "GET", `authorization = "NONE"`),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            checkIDJoins(addr, "rest_api_id", "resource_id", "http_method"),
			},
			// Another verb is another method.
			{
				Config:           testAccMethodConfig("pets", "POST", `authorization = "NONE"`),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]{10}/[a-z0-9]{10}/POST$`))),
				},
				Check: resource.ComposeTestCheckFunc(
					checkIDJoins(addr, "rest_api_id", "resource_id", "http_method"),
					testAccCheckMethodGone("gatewayd_method.test", "GET"),
				),
			},
			// So is the same verb on another resource.
			{
				Config:           testAccMethodConfig("pet", "POST", `authorization = "NONE"`),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(addr, tfjsonpath.New("resource_id"), "gatewayd_resource.pet", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: checkIDJoins(addr, "rest_api_id", "resource_id", "http_method"),
			},
		},
	})
}

// testAccCheckMethodGone asserts that gatewayd no longer has verb on the resource of the method at addr.
func testAccCheckMethodGone(addr, verb string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[addr].Primary.Attributes
		id := client.MethodID{RestAPIID: rs["rest_api_id"], ResourceID: rs["resource_id"], HTTPMethod: verb}
		_, err := testClient.GetMethod(context.Background(), id)
		if !client.IsNotFound(err) {
			return fmt.Errorf("method %s should be gone, got err %v", methodImportID(id), err)
		}
		return nil
	}
}

// testAccMethodAuthorizers are a TOKEN and a COGNITO_USER_POOLS authorizer for methods to name.
const testAccMethodAuthorizers = `
resource "gatewayd_authorizer" "token" {
  name           = "token"
  rest_api_id    = gatewayd_rest_api.test.id
  authorizer_uri = "http://127.0.0.1:3001/2015-03-31/functions/auth/invocations"
}

resource "gatewayd_authorizer" "cognito" {
  name          = "cognito"
  rest_api_id   = gatewayd_rest_api.test.id
  type          = "COGNITO_USER_POOLS"
  provider_arns = ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf"]
}
`

func TestAccMethod_Authorizer(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_method.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccMethodAuthorizers + testAccMethodConfig("pets", "ANY", `
  authorization = "CUSTOM"
  authorizer_id = gatewayd_authorizer.token.id
`),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization"), knownvalue.StringExact("CUSTOM")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorizer_id"), knownvalue.StringRegexp(idRE)),
				},
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true},
			// Authorization, authorizer and scopes change in place.
			{
				Config: testAccMethodAuthorizers + testAccMethodConfig("pets", "ANY", `
  authorization        = "JWT"
  authorizer_id        = gatewayd_authorizer.cognito.id
  authorization_scopes = ["pets/read", "pets/write"]
`),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization"), knownvalue.StringExact("JWT")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization_scopes"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("pets/read"), knownvalue.StringExact("pets/write"),
					})),
				},
			},
			{
				Config:           testAccMethodAuthorizers + testAccMethodConfig("pets", "ANY", `authorization = "AWS_IAM"`),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorizer_id"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("authorization_scopes"), emptySet),
				},
			},
			// References are checked: an authorizer that does not exist, or of the wrong kind, is refused.
			{
				Config: testAccMethodAuthorizers + testAccMethodConfig("pets", "ANY", `
  authorization = "CUSTOM"
  authorizer_id = "nope000000"
`),
				ExpectError: wrappedRE(`authorizer_id "nope000000" is not an authorizer`),
			},
			{
				Config: testAccMethodAuthorizers + testAccMethodConfig("pets", "ANY", `
  authorization = "CUSTOM"
  authorizer_id = gatewayd_authorizer.cognito.id
`),
				ExpectError: wrappedRE(`authorization CUSTOM cannot use authorizer`),
			},
		},
	})
}

// A method made outside Terraform is not adopted by a create: the user is told to import it.
func TestAccMethod_AlreadyExists(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_method.test"
	const legacy = "authorization  = \"NONE\"\n  operation_name = \"Legacy\""
	var mid client.MethodID
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccMethodBase,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &mid.RestAPIID),
					captureAttr("gatewayd_resource.pets", "id", &mid.ResourceID),
				),
			},
			{
				PreConfig: func() {
					mid.HTTPMethod = "GET"
					_, err := testClient.PutMethod(context.Background(), mid, model.Method{Authorization: "NONE", OperationName: "Legacy"})
					mustDo(t, err)
				},
				Config:      testAccMethodConfig("pets", "GET", `authorization = "NONE"`),
				ExpectError: regexp.MustCompile(`(?s)Method Already Exists.*terraform import gatewayd_method`),
			},
			// The existing method is untouched.
			{
				Config:           testAccMethodBase,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(*terraform.State) error {
					m, err := testClient.GetMethod(context.Background(), mid)
					if err != nil {
						return err
					}
					if m.OperationName != "Legacy" {
						return fmt.Errorf("existing method was changed: operation_name %q", m.OperationName)
					}
					return nil
				},
			},
			// Importing it, as the error says, brings it under management with nothing to change.
			{
				Config:             testAccMethodConfig("pets", "GET", legacy),
				ResourceName:       addr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return methodImportID(mid), nil },
			},
			{
				Config:           testAccMethodConfig("pets", "GET", legacy),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)),
				Check:            resource.TestCheckResourceAttr(addr, "operation_name", "Legacy"),
			},
		},
	})
}

func TestAccMethod_InvalidConfig(t *testing.T) {
	t.Parallel()
	cfg := func(httpMethod, body string) string {
		return fmt.Sprintf(`
resource "gatewayd_method" "bad" {
  rest_api_id = "a1b2c3d4e5"
  resource_id = "f6g7h8i9j0"
  http_method = %q
  %s
}
`, httpMethod, body)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("FETCH", `authorization = "NONE"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*http_method`)},
			{Config: cfg("get", `authorization = "NONE"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*http_method`)},
			{Config: cfg("GET", `authorization = "BASIC"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*authorization`)},
			{Config: cfg("GET", `authorization = "CUSTOM"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Missing Authorizer ID.*authorizer_id`)},
			{Config: cfg("GET", `authorization = "COGNITO_USER_POOLS"`), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Missing Authorizer ID.*authorizer_id`)},
			{Config: cfg("GET", "authorization = \"NONE\"\n  authorizer_id = \"auth1\""), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Unexpected Authorizer ID.*authorizer_id`)},
			{
				Config:      cfg("GET", "authorization = \"NONE\"\n  request_parameters = { \"querystring.limit\" = true }"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*request_parameters`),
			},
			{
				Config:      cfg("GET", "authorization = \"NONE\"\n  request_models = { \"json\" = \"Empty\" }"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*request_models`),
			},
		},
	})
}
