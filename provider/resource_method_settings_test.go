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

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// testAccMethodSettingsConfig has the API, its auto-deploy stage and the settings, all made in one apply.
func testAccMethodSettingsConfig(backend, methodPath, settings string) string {
	return testAccReleaseAPI("method-settings", backend) + fmt.Sprintf(`
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}

resource "gatewayd_method_settings" "test" {
  rest_api_id = gatewayd_stage.test.rest_api_id
  stage_name  = gatewayd_stage.test.stage_name
  method_path = %q

  settings {
%s
  }
}
`, methodPath, settings)
}

func methodSettingsCheck(rate float64, burst int64, caching bool, ttl int64, requireAuth bool, strategy string) knownvalue.Check {
	return knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
		"throttling_rate_limit":                      knownvalue.Float64Exact(rate),
		"throttling_burst_limit":                     knownvalue.Int64Exact(burst),
		"caching_enabled":                            knownvalue.Bool(caching),
		"cache_ttl_in_seconds":                       knownvalue.Int64Exact(ttl),
		"require_authorization_for_cache_control":    knownvalue.Bool(requireAuth),
		"unauthorized_cache_control_header_strategy": knownvalue.StringExact(strategy),
		"metrics_enabled":                            knownvalue.Bool(false),
		"logging_level":                              knownvalue.StringExact("OFF"),
		"data_trace_enabled":                         knownvalue.Bool(false),
		"cache_data_encrypted":                       knownvalue.Bool(false),
	})})
}

// TestAccMethodSettings_AWSFields: a settings block ported from aws_api_gateway_method_settings, with
// the fields gatewayd only stores, applies and plans clean.
func TestAccMethodSettings_AWSFields(t *testing.T) {
	t.Parallel()
	const addr = "gatewayd_method_settings.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccMethodSettingsConfig(namedBackend(t, "A"), "*/*", `
    metrics_enabled      = true
    logging_level        = "INFO"
    data_trace_enabled   = true
    cache_data_encrypted = true
    throttling_rate_limit  = 100
    throttling_burst_limit = 50`),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "settings.0.logging_level", "INFO"),
				resource.TestCheckResourceAttr(addr, "settings.0.metrics_enabled", "true"),
				resource.TestCheckResourceAttr(addr, "settings.0.throttling_burst_limit", "50"),
			),
		}},
	})
}

func TestAccMethodSettings_Basic(t *testing.T) {
	t.Parallel()
	backend := namedBackend(t, "A")
	const addr = "gatewayd_method_settings.test"
	const path = "items/{id}/GET"
	var apiID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read, in the same apply as the stage; unset attributes take their defaults.
			{
				Config:           testAccMethodSettingsConfig(backend, path, "    throttling_burst_limit = 5\n    throttling_rate_limit  = 10"),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("method_path"), knownvalue.StringExact(path)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("stage_name"), knownvalue.StringExact("live")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("settings"), methodSettingsCheck(10, 5, false, 300, true, "SUCCEED_WITH_RESPONSE_HEADER")),
				},
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					func(s *terraform.State) error {
						if got, want := s.RootModule().Resources[addr].Primary.ID, apiID+"/live/"+path; got != want {
							return fmt.Errorf("id = %q, want %q", got, want)
						}
						return nil
					},
					expectServed("gatewayd_stage.test", "/items/1", "A /items/1"),
				),
			},
			// ImportState with REST_API_ID/STAGE_NAME/METHOD_PATH, the path keeping its slashes.
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return apiID + "/live/" + path, nil },
			},
			{
				ResourceName:  addr,
				ImportState:   true,
				ImportStateId: "abcdefghij/live",
				ExpectError:   regexp.MustCompile(`(?s)Invalid Import ID.*REST_API_ID/STAGE_NAME/METHOD_PATH`),
			},
			// Update in place.
			{
				Config: testAccMethodSettingsConfig(backend, path, `    throttling_burst_limit = 50
    throttling_rate_limit  = 100.5
    caching_enabled        = true
    cache_ttl_in_seconds   = 60
    require_authorization_for_cache_control    = false
    unauthorized_cache_control_header_strategy = "FAIL_WITH_403"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("settings"), methodSettingsCheck(100.5, 50, true, 60, false, "FAIL_WITH_403")),
				},
			},
			// Drift through the admin API shows in the plan; apply restores it.
			{
				PreConfig: func() {
					s := model.DefaultMethodSetting()
					s.ThrottlingBurstLimit = 1
					_, err := testClient.PutMethodSettings(context.Background(), apiID, "live", path, s)
					mustDo(t, err)
				},
				Config: testAccMethodSettingsConfig(backend, path, `    throttling_burst_limit = 50
    throttling_rate_limit  = 100.5
    caching_enabled        = true
    cache_ttl_in_seconds   = 60
    require_authorization_for_cache_control    = false
    unauthorized_cache_control_header_strategy = "FAIL_WITH_403"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					got, err := testClient.GetMethodSettings(context.Background(), apiID, "live", path)
					if err != nil {
						return err
					}
					if got.Settings.ThrottlingBurstLimit != 50 || !got.Settings.CachingEnabled {
						return fmt.Errorf("settings after apply = %+v, want the configuration's", got.Settings)
					}
					return nil
				},
			},
			// Another method path replaces the settings; an empty block takes every default.
			{
				Config: testAccMethodSettingsConfig(backend, "*/*", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("settings"), methodSettingsCheck(-1, -1, false, 300, true, "SUCCEED_WITH_RESPONSE_HEADER")),
				},
				Check: func(*terraform.State) error {
					all, err := testClient.ListMethodSettings(context.Background(), apiID, "live")
					if err != nil {
						return err
					}
					if len(all) != 1 || all[0].MethodPath != "*/*" {
						return fmt.Errorf("method settings = %+v, want only */*", all)
					}
					return nil
				},
			},
			// Deleted outside Terraform: planned for creation.
			{
				PreConfig: func() {
					mustDo(t, testClient.DeleteMethodSettings(context.Background(), apiID, "live", "*/*"))
				},
				Config:           testAccMethodSettingsConfig(backend, "*/*", ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}

func TestAccMethodSettings_InvalidConfig(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		methodPath, block string
		want              *regexp.Regexp
	}{
		"leading slash":    {"/items/GET", "settings {}", regexp.MustCompile(`(?s)method_path.*without a leading\s+slash`)},
		"unknown verb":     {"items/FETCH", "settings {}", regexp.MustCompile(`(?s)method_path.*resource/path/VERB`)},
		"no verb":          {"items", "settings {}", regexp.MustCompile(`(?s)method_path`)},
		"ttl too long":     {"*/*", "settings {\n cache_ttl_in_seconds = 3601\n}", regexp.MustCompile(`(?s)cache_ttl_in_seconds.*between 0 and 3600`)},
		"bad strategy":     {"*/*", "settings {\n unauthorized_cache_control_header_strategy = \"BOGUS\"\n}", regexp.MustCompile(`(?s)unauthorized_cache_control_header_strategy`)},
		"negative rate":    {"*/*", "settings {\n throttling_rate_limit = -2\n}", regexp.MustCompile(`(?s)throttling_rate_limit`)},
		"negative burst":   {"*/*", "settings {\n throttling_burst_limit = -2\n}", regexp.MustCompile(`(?s)throttling_burst_limit`)},
		"missing settings": {"*/*", "", regexp.MustCompile(`(?s)Block settings must have a configuration value`)},
		"two settings":     {"*/*", "settings {}\nsettings {}", regexp.MustCompile(`(?s)settings list must contain at least 1 elements\s+and at most 1\s+elements, got: 2`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					PlanOnly: true,
					Config: fmt.Sprintf(`
resource "gatewayd_method_settings" "bad" {
  rest_api_id = "abcdefghij"
  stage_name  = "prod"
  method_path = %q
  %s
}
`, tc.methodPath, tc.block),
					ExpectError: tc.want,
				}},
			})
		})
	}
}
