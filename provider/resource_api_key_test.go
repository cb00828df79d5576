package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

var rfc3339RE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

func testAccAPIKeyConfig(name, body string) string {
	return fmt.Sprintf(`
resource "gatewayd_api_key" "test" {
  name = %q
  %s
}
`, name, body)
}

func TestAccAPIKey_Basic(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_api_key.test"
	var id, value string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read: gatewayd generates the value, which the create answer alone carries.
			{
				Config:           testAccAPIKeyConfig("key-basic", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(idRE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:apigateway:us-east-1::/apikeys/[a-z0-9]{10}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("key-basic")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Managed by Terraform")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9]{40}$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("created_date"), knownvalue.StringRegexp(rfc3339RE)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("last_updated_date"), knownvalue.StringRegexp(rfc3339RE)),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr(addr, "id", &id),
					captureAttr(addr, "value", &value),
				),
			},
			// ImportState by ID: everything but the value, which gatewayd cannot return.
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"value"},
			},
			// Update in place; the value survives the reads and the update.
			{
				Config: testAccAPIKeyConfig("key-basic-renamed", `description = "second"
  enabled     = false
  tags        = { team = "billing" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("key-basic-renamed")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("enabled"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("billing")})),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttrPtr(addr, "value", &value),
				),
			},
			// Drift through the admin API shows in the plan; apply restores it.
			{
				PreConfig: func() {
					k, err := testClient.GetAPIKey(context.Background(), id)
					mustDo(t, err)
					k.Enabled, k.Description = true, "drifted"
					_, err = testClient.UpdateAPIKey(context.Background(), id, k)
					mustDo(t, err)
				},
				Config: testAccAPIKeyConfig("key-basic-renamed", `description = "second"
  enabled     = false
  tags        = { team = "billing" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "enabled", "false"),
					resource.TestCheckResourceAttr(addr, "description", "second"),
					resource.TestCheckResourceAttrPtr(addr, "value", &value),
				),
			},
			// Deleted outside Terraform: planned for creation.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteAPIKey(context.Background(), id))
				},
				Config:           testAccAPIKeyConfig("key-basic-renamed", ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}

func TestAccAPIKey_GivenValueReplaces(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_api_key.test"
	first := "first-" + acctest.RandString(30)
	second := "second-" + acctest.RandString(30)
	var id1 string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccAPIKeyConfig("key-given", fmt.Sprintf("value = %q", first)),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact(first)),
				},
				Check: captureAttr(addr, "id", &id1),
			},
			// Removing value from the configuration keeps the key and its value.
			{
				Config:           testAccAPIKeyConfig("key-given", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            resource.TestCheckResourceAttr(addr, "value", first),
			},
			// A different value replaces the key.
			{
				Config: testAccAPIKeyConfig("key-given", fmt.Sprintf("value = %q", second)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact(second)),
				},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[addr].Primary.ID; got == id1 {
						return fmt.Errorf("key %s was not replaced", id1)
					}
					if _, err := testClient.GetAPIKey(context.Background(), id1); err == nil {
						return fmt.Errorf("replaced key %s still exists", id1)
					}
					return nil
				},
			},
		},
	})
}

// An imported key has no value in state, and that shows no diff; configuring its own value afterwards is an
// in-place update that gatewayd checks against the key's hash, not a replacement.
func TestAccAPIKey_ImportLeavesValueUnknown(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_api_key.test"
	value := "imported-" + acctest.RandString(30)
	var id string
	config := func(body string) string { return testAccAPIKeyConfig("key-imported", body) }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					k, err := testClient.CreateAPIKey(context.Background(), model.APIKey{Name: "key-imported", Description: "Managed by Terraform", Enabled: true, Value: value})
					mustDo(t, err)
					id = k.ID
				},
				Config:             config(""),
				ResourceName:       addr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances, want 1", len(states))
					}
					if v := states[0].Attributes["value"]; v != "" {
						return fmt.Errorf("imported value = %q, want none", v)
					}
					return nil
				},
			},
			{
				Config:           config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.Null()),
				},
			},
			{
				Config: config(fmt.Sprintf("value = %q", value)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("value"), knownvalue.StringExact(value)),
				},
				Check: resource.TestCheckResourceAttrPtr(addr, "id", &id),
			},
		},
	})
}

func TestAccAPIKey_InvalidConfig(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		name, body string
		want       *regexp.Regexp
	}{
		"empty name":       {"", "", regexp.MustCompile(`(?s)name.*length`)},
		"short value":      {"k", `value = "short"`, regexp.MustCompile(`(?s)value.*length`)},
		"value with space": {"k", `value = "has a space in it, twenty chars"`, regexp.MustCompile(`(?s)value.*printable ASCII`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					PlanOnly:    true,
					Config:      testAccAPIKeyConfig(tc.name, tc.body),
					ExpectError: tc.want,
				}},
			})
		})
	}
}
