package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// preApplyThenEmpty asserts checks on the plan before apply, and an empty plan right after it.
func preApplyThenEmpty(pre ...plancheck.PlanCheck) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: pre, PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// joinedAttrs returns the values of a resource's attributes in state joined with "/": the form of
// composite ids and import ids.
func joinedAttrs(s *terraform.State, addr string, attrs ...string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("resource %s not in state", addr)
	}
	vals := make([]string, len(attrs))
	for i, a := range attrs {
		v, ok := rs.Primary.Attributes[a]
		if !ok || v == "" {
			return "", fmt.Errorf("resource %s has no attribute %s", addr, a)
		}
		vals[i] = v
	}
	return strings.Join(vals, "/"), nil
}

// importIDOf builds an import ID from attributes in state.
func importIDOf(addr string, attrs ...string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) { return joinedAttrs(s, addr, attrs...) }
}

// checkIDJoins asserts that a resource's id is its attributes joined with "/".
func checkIDJoins(addr string, attrs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		want, err := joinedAttrs(s, addr, attrs...)
		if err != nil {
			return err
		}
		if got := s.RootModule().Resources[addr].Primary.ID; got != want {
			return fmt.Errorf("%s: id is %q, want %q", addr, got, want)
		}
		return nil
	}
}

func testAccResourceConfig(parentOfPets, petsPart string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "resource-test"
}

resource "gatewayd_resource" "v1" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "v1"
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = %[1]s
  path_part   = %[2]q
}

resource "gatewayd_resource" "pet" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_resource.pets.id
  path_part   = "{petId}"
}
`, parentOfPets, petsPart)
}

const atRoot = "gatewayd_rest_api.test.root_resource_id"

func TestAccResource_Basic(t *testing.T) {
	t.Parallel()
	const pets, pet, api = "gatewayd_resource.pets", "gatewayd_resource.pet", "gatewayd_rest_api.test"
	var apiID, rootID, petsID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccResourceConfig(atRoot, "pets"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("path_part"), knownvalue.StringExact("pets")),
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("path"), knownvalue.StringExact("/pets")),
					statecheck.ExpectKnownValue(pet, tfjsonpath.New("path"), knownvalue.StringExact("/pets/{petId}")),
					statecheck.CompareValuePairs(pets, tfjsonpath.New("parent_id"), api, tfjsonpath.New("root_resource_id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(pets, tfjsonpath.New("rest_api_id"), api, tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(pet, tfjsonpath.New("parent_id"), pets, tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(api, "id", &apiID),
					captureAttr(api, "root_resource_id", &rootID),
					captureAttr(pets, "id", &petsID),
				),
			},
			// ImportState
			{ResourceName: pets, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: importIDOf(pets, "rest_api_id", "id")},
			{ResourceName: pets, ImportState: true, ImportStateId: "only-one-part", ExpectError: regexp.MustCompile(`Invalid Import ID`)},
			// The root resource belongs to its API and cannot be imported on its own.
			{ResourceName: pets, ImportState: true, ImportStateIdFunc: importIDOf(api, "id", "root_resource_id"), ExpectError: regexp.MustCompile(`Cannot Manage Root Resource`)},
			// Update: renaming is in place, the path is unknown until applied and the child follows.
			{
				Config: testAccResourceConfig(atRoot, "dogs"),
				ConfigPlanChecks: preApplyThenEmpty(
					plancheck.ExpectResourceAction(pets, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(pets, tfjsonpath.New("path")),
					plancheck.ExpectKnownValue(pets, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					plancheck.ExpectResourceAction(pet, plancheck.ResourceActionNoop),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("path"), knownvalue.StringExact("/dogs")),
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("path_part"), knownvalue.StringExact("dogs")),
				},
				Check: resource.TestCheckResourceAttrPtr(pets, "id", &petsID),
			},
			{RefreshState: true, Check: resource.TestCheckResourceAttr(pet, "path", "/dogs/{petId}")},
			// Drift made through the admin API shows in the plan and apply fixes it.
			{
				PreConfig: func() {
					_, err := testClient.UpdateResource(context.Background(), apiID, petsID, model.Resource{ParentID: rootID, PathPart: "cats"})
					mustDo(t, err)
				},
				Config: testAccResourceConfig(atRoot, "dogs"),
				ConfigPlanChecks: preApplyThenEmpty(
					plancheck.ExpectResourceAction(pets, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(pets, tfjsonpath.New("path_part"), knownvalue.StringExact("dogs")),
				),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(pets, "path_part", "dogs"),
					resource.TestCheckResourceAttr(pets, "path", "/dogs"),
					resource.TestCheckResourceAttrPtr(pets, "id", &petsID),
				),
			},
			// Deleted outside Terraform (with its child): both are planned for creation again.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteResource(context.Background(), apiID, petsID))
				},
				Config: testAccResourceConfig(atRoot, "dogs"),
				ConfigPlanChecks: preApplyThenEmpty(
					plancheck.ExpectResourceAction(pets, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(pet, plancheck.ResourceActionCreate),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pet, tfjsonpath.New("path"), knownvalue.StringExact("/dogs/{petId}")),
				},
			},
		},
	})
}

func TestAccResource_Move(t *testing.T) {
	t.Parallel()
	const pets, pet = "gatewayd_resource.pets", "gatewayd_resource.pet"
	var petsID, petID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccResourceConfig(atRoot, "pets"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("path"), knownvalue.StringExact("/pets")),
				},
				Check: resource.ComposeTestCheckFunc(captureAttr(pets, "id", &petsID), captureAttr(pet, "id", &petID)),
			},
			// Moving under v1 is an update in place: same ids, new paths for the subtree.
			{
				Config: testAccResourceConfig("gatewayd_resource.v1.id", "pets"),
				ConfigPlanChecks: preApplyThenEmpty(
					plancheck.ExpectResourceAction(pets, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(pets, tfjsonpath.New("path")),
					plancheck.ExpectResourceAction(pet, plancheck.ResourceActionNoop),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pets, tfjsonpath.New("path"), knownvalue.StringExact("/v1/pets")),
					statecheck.CompareValuePairs(pets, tfjsonpath.New("parent_id"), "gatewayd_resource.v1", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(pets, "id", &petsID),
					resource.TestCheckResourceAttrPtr(pet, "id", &petID),
				),
			},
			// The child was not touched by Terraform; a refresh reads its new path.
			{RefreshState: true, Check: resource.TestCheckResourceAttr(pet, "path", "/v1/pets/{petId}")},
			// And back to the root.
			{
				Config:           testAccResourceConfig(atRoot, "pets"),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(pets, plancheck.ResourceActionUpdate)),
				Check:            resource.TestCheckResourceAttr(pets, "path", "/pets"),
			},
			{RefreshState: true, Check: resource.TestCheckResourceAttr(pet, "path", "/pets/{petId}")},
		},
	})
}

func testAccResourceReplaceConfig(api string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "a" {
  name = "resource-replace-a"
}

resource "gatewayd_rest_api" "b" {
  name = "resource-replace-b"
}

resource "gatewayd_resource" "test" {
  rest_api_id = gatewayd_rest_api.%[1]s.id
  parent_id   = gatewayd_rest_api.%[1]s.root_resource_id
  path_part   = "{proxy+}"
}
`, api)
}

func TestAccResource_Replace(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_resource.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccResourceReplaceConfig("a"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("path"), knownvalue.StringExact("/{proxy+}")),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("rest_api_id"), "gatewayd_rest_api.a", tfjsonpath.New("id"), compare.ValuesSame()),
				},
			},
			// A resource cannot change API: it is replaced.
			{
				Config:           testAccResourceReplaceConfig("b"),
				ConfigPlanChecks: preApplyThenEmpty(plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(addr, tfjsonpath.New("rest_api_id"), "gatewayd_rest_api.b", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("parent_id"), "gatewayd_rest_api.b", tfjsonpath.New("root_resource_id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("path"), knownvalue.StringExact("/{proxy+}")),
				},
			},
		},
	})
}

func TestAccResource_InvalidConfig(t *testing.T) {
	t.Parallel()
	cfg := func(part string) string {
		return fmt.Sprintf(`
resource "gatewayd_resource" "bad" {
  rest_api_id = "a1b2c3d4e5"
  parent_id   = "f6g7h8i9j0"
  path_part   = %q
}
`, part)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("pets/cats"), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*path_part`)},
			{Config: cfg("{petId"), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*path_part`)},
			{Config: cfg(""), PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Value Match.*path_part`)},
		},
	})
}
