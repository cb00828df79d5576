package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func testAccDocumentationConfig(apiDescription, stageVersion string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "acc-documentation"
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

resource "gatewayd_integration" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.pets.id
  http_method = gatewayd_method.get.http_method
  type        = "MOCK"
}

resource "gatewayd_documentation_part" "api" {
  rest_api_id = gatewayd_rest_api.test.id
  location {
    type = "API"
  }
  properties = jsonencode({ description = %[1]q })
}

resource "gatewayd_documentation_part" "list" {
  rest_api_id = gatewayd_rest_api.test.id
  location {
    type   = "METHOD"
    method = "GET"
    path   = "/pets"
  }
  properties = "{\"summary\": \"List pets\"}"
}

resource "gatewayd_documentation_version" "v1" {
  rest_api_id = gatewayd_rest_api.test.id
  version     = "1.0.0"
  description = "first"
  # Made after the parts: it keeps them as they are then.
  depends_on = [gatewayd_documentation_part.api, gatewayd_documentation_part.list]
}

resource "gatewayd_stage" "test" {
  rest_api_id           = gatewayd_rest_api.test.id
  stage_name            = "docs"
  auto_deploy           = true
  documentation_version = %[2]s
  depends_on            = [gatewayd_integration.get]
}
`, apiDescription, stageVersion)
}

// exportedDocumentation is x-amazon-apigateway-documentation of the stage's OpenAPI export.
type exportedDocumentation struct {
	Version string `json:"version"`
	Parts   []struct {
		Location   map[string]string `json:"location"`
		Properties map[string]string `json:"properties"`
	} `json:"documentationParts"`
}

// checkExportedDocumentation compares the export's documentation: its version and each part's
// location type with its properties.
func checkExportedDocumentation(apiID *string, wantVersion string, want map[string]map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		exp, err := testClient.ExportStage(context.Background(), *apiID, "docs", "oas30", "", nil)
		if err != nil {
			return err
		}
		var doc struct {
			Documentation *exportedDocumentation `json:"x-amazon-apigateway-documentation"`
		}
		if err := json.Unmarshal(exp.Body, &doc); err != nil {
			return err
		}
		if doc.Documentation == nil {
			return fmt.Errorf("the export has no x-amazon-apigateway-documentation: %s", exp.Body)
		}
		got := map[string]map[string]string{}
		for _, p := range doc.Documentation.Parts {
			got[p.Location["type"]] = p.Properties
		}
		if doc.Documentation.Version != wantVersion {
			return fmt.Errorf("exported documentation version %q, want %q", doc.Documentation.Version, wantVersion)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Errorf("exported documentation parts (-want +got):\n%s", diff)
		}
		return nil
	}
}

// TestAccDocumentationPart_ExportedWithVersion: parts and a version are stored, a stage naming the
// version exports the parts as they were when the version was made, a stage naming none exports the
// current parts; both import with the AWS provider's IDs.
func TestAccDocumentationPart_ExportedWithVersion(t *testing.T) {
	t.Parallel()
	var apiID string
	v1 := map[string]map[string]string{"API": {"description": "Pets API"}, "METHOD": {"summary": "List pets"}}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           testAccDocumentationConfig("Pets API", "gatewayd_documentation_version.v1.version"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					resource.TestCheckResourceAttr("gatewayd_stage.test", "documentation_version", "1.0.0"),
					resource.TestCheckResourceAttr("gatewayd_documentation_part.list", "location.0.path", "/pets"),
					checkExportedDocumentation(&apiID, "1.0.0", v1),
				),
			},
			{ResourceName: "gatewayd_documentation_part.list", ImportState: true, ImportStateVerify: true},
			{ResourceName: "gatewayd_documentation_version.v1", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return apiID + "/1.0.0", nil }},
			// A part changed after the version: the version's export keeps the old text...
			{
				Config:           testAccDocumentationConfig("Pets API, second edition", "gatewayd_documentation_version.v1.version"),
				ConfigPlanChecks: expectActionThenEmpty("gatewayd_documentation_part.api", plancheck.ResourceActionUpdate),
				Check:            checkExportedDocumentation(&apiID, "1.0.0", v1),
			},
			// ... and a stage without a version exports the parts as they are.
			{
				Config:           testAccDocumentationConfig("Pets API, second edition", `""`),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: checkExportedDocumentation(&apiID, "", map[string]map[string]string{
					"API": {"description": "Pets API, second edition"}, "METHOD": {"summary": "List pets"}}),
			},
		},
	})
}

// TestAccDocumentationPart_Invalid: API Gateway's rules hold at plan time (location fields per type,
// properties a JSON object), and a stage naming an unknown documentation version is refused.
func TestAccDocumentationPart_Invalid(t *testing.T) {
	t.Parallel()
	part := func(location, properties string) string {
		return fmt.Sprintf(`
resource "gatewayd_documentation_part" "test" {
  rest_api_id = "abcdefghij"
  location {
    %s
  }
  properties = %q
}
`, location, properties)
	}
	steps := []resource.TestStep{
		{Config: part(`type = "RESOURCE"`+"\n    method = \"GET\"", `{}`), ExpectError: wrappedRE(`location.method is not allowed with location type RESOURCE (it allows path)`)},
		{Config: part(`type = "QUERY_PARAMETER"`, `{}`), ExpectError: wrappedRE(`location.name is required with location type QUERY_PARAMETER`)},
		{Config: part(`type = "API"`+"\n    path = \"/pets\"", `{}`), ExpectError: wrappedRE(`location.path is not allowed with location type API (it allows no other field)`)},
		{Config: part(`type = "RESPONSE"`+"\n    status_code = \"2xx\"", `{}`), ExpectError: wrappedRE(`must be a status code (100 to 599) or *`)},
		{Config: part(`type = "SCHEMA"`, `{}`), ExpectError: wrappedRE(`value must be one of`)},
		{Config: part(`type = "API"`, `["not", "an", "object"]`), ExpectError: wrappedRE(`properties must be a JSON object`)},
	}
	for i := range steps {
		steps[i].PlanOnly = true
	}
	steps = append(steps, resource.TestStep{
		Config: `
resource "gatewayd_rest_api" "test" {
  name = "acc-documentation-invalid"
}

resource "gatewayd_stage" "test" {
  rest_api_id           = gatewayd_rest_api.test.id
  stage_name            = "docs"
  auto_deploy           = true
  documentation_version = "9.9.9"
}
`,
		ExpectError: wrappedRE(`documentation_version "9.9.9" is not a documentation version of rest api`),
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
