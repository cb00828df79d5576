package provider

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// testAccValidatedAPI is POST /pets, which requires an X-Tenant header and a page query string and a
// body matching the Pet model, proxied to backend.
func testAccValidatedAPI(backend string, validateBody bool) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "validated"
}

resource "gatewayd_resource" "pets" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "pets"
}

resource "gatewayd_model" "pet" {
  rest_api_id = gatewayd_rest_api.test.id
  name        = "Pet"
  schema = jsonencode({
    "$schema"  = "http://json-schema.org/draft-04/schema#"
    type       = "object"
    required   = ["type"]
    properties = { type = { enum = ["dog", "cat"] }, price = { type = "number", minimum = 0 } }
  })
}

resource "gatewayd_request_validator" "all" {
  rest_api_id                 = gatewayd_rest_api.test.id
  name                        = "all"
  validate_request_body       = %[2]t
  validate_request_parameters = true
}

resource "gatewayd_method" "post" {
  rest_api_id          = gatewayd_rest_api.test.id
  resource_id          = gatewayd_resource.pets.id
  http_method          = "POST"
  authorization        = "NONE"
  request_validator_id = gatewayd_request_validator.all.id
  request_models       = { "application/json" = gatewayd_model.pet.name }
  request_parameters = {
    "method.request.header.X-Tenant"   = true
    "method.request.querystring.page"  = true
    "method.request.querystring.debug" = false
  }
}

resource "gatewayd_integration" "post" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.pets.id
  http_method             = gatewayd_method.post.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "POST"
  uri                     = "%[1]s/pets"
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration.post]
}
`, backend, validateBody)
}

// expectValidation sends requests to the stage and checks each answer and whether the backend saw it.
func expectValidation(calls *atomic.Int64, cases []validationCase) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"]
		c := &http.Client{Timeout: 10 * time.Second}
		var errs []string
		for _, tc := range cases {
			req, _ := http.NewRequest("POST", url+"/pets"+tc.query, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.tenant {
				req.Header.Set("X-Tenant", "t1")
			}
			before := calls.Load()
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			reached := calls.Load() > before
			if resp.StatusCode != tc.status || (tc.want != "" && string(body) != tc.want) || reached != (tc.status == 200) {
				errs = append(errs, fmt.Sprintf("%s: %d %s (backend reached: %v), want %d %s", tc.name, resp.StatusCode, body, reached, tc.status, tc.want))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "\n"))
		}
		return nil
	}
}

type validationCase struct {
	name, query, body string
	tenant            bool
	status            int
	want              string
}

// TestAccRequestValidator_RequiredAndBody: with the real terraform, a method with a request validator
// refuses a request without a required header (400) and a body that fails its model (400), and the
// backend never sees them; turning body validation off lets the body through in the next apply.
func TestAccRequestValidator_RequiredAndBody(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, "created")
	}))
	t.Cleanup(backend.Close)
	const badBody = `{"type":"bird"}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccValidatedAPI(backend.URL, true),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: expectValidation(&calls, []validationCase{
					{"valid", "?page=1", `{"type":"dog","price":2}`, true, 200, "created"},
					{"required header missing", "?page=1", `{"type":"dog"}`, false, 400, `{"message":"Missing required request parameters: [X-Tenant]"}`},
					{"both missing", "", `{"type":"dog"}`, false, 400, `{"message":"Missing required request parameters: [page, X-Tenant]"}`},
					{"body fails its model", "?page=1", badBody, true, 400, `{"message":"Invalid request body"}`},
				}),
			},
			// ImportState
			{
				ResourceName:      "gatewayd_request_validator.all",
				ImportState:       true,
				ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources["gatewayd_request_validator.all"]
					return rs.Primary.Attributes["rest_api_id"] + "/" + rs.Primary.ID, nil
				},
			},
			{
				Config: testAccValidatedAPI(backend.URL, false),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("gatewayd_request_validator.all",
					tfjsonpath.New("validate_request_body"), knownvalue.Bool(false))},
				Check: expectValidation(&calls, []validationCase{
					{"body no longer checked", "?page=1", badBody, true, 200, "created"},
					{"header still required", "?page=1", badBody, false, 400, `{"message":"Missing required request parameters: [X-Tenant]"}`},
				}),
			},
		},
	})
}

func TestAccMethod_UnknownValidatorRefused(t *testing.T) {
	t.Parallel()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "gatewayd_rest_api" "test" {
  name = "unknown-validator"
}

resource "gatewayd_method" "test" {
  rest_api_id          = gatewayd_rest_api.test.id
  resource_id          = gatewayd_rest_api.test.root_resource_id
  http_method          = "GET"
  authorization        = "NONE"
  request_validator_id = "nope000000"
}
`,
			ExpectError: wrappedRE(`request_validator_id "nope000000" is not a request validator`),
		}},
	})
}
