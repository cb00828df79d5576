package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// petstoreBackend is a real HTTP backend of the pet store: it answers its version and the path.
func petstoreBackend(t *testing.T, version string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", version, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// testAccPetstoreBody is the AWS provider's examples/api-gateway-rest-api-openapi shape: a body built
// with jsonencode, its paths proxied with x-amazon-apigateway-integration.
func testAccPetstoreBody(backend string) string {
	return fmt.Sprintf(`jsonencode({
    openapi = "3.0.1"
    info = {
      title       = "PetStore"
      description = "Pets, from the document"
      version     = "1.0"
    }
    paths = {
      "/pets" = {
        get = {
          x-amazon-apigateway-integration = {
            httpMethod           = "GET"
            payloadFormatVersion = "1.0"
            type                 = "HTTP_PROXY"
            uri                  = "%[1]s/petstore/pets"
          }
        }
      }
      "/pets/{petId}" = {
        get = {
          parameters = [{ name = "petId", in = "path", required = true, schema = { type = "string" } }]
          x-amazon-apigateway-integration = {
            httpMethod        = "GET"
            type              = "HTTP_PROXY"
            uri               = "%[1]s/petstore/pets/{petId}"
            requestParameters = { "integration.request.path.petId" = "method.request.path.petId" }
          }
        }
      }
    }
  })`, backend)
}

// expectStatus calls the stage's invoke_url + path and checks the status (and the body when want is set).
func expectStatus(addr, path string, status int, want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources[addr].Primary.Attributes["invoke_url"] + path
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var b [4096]byte
		n, _ := resp.Body.Read(b[:])
		if resp.StatusCode != status || want != "" && string(b[:n]) != want {
			return fmt.Errorf("GET %s = %d %q, want %d %q", url, resp.StatusCode, b[:n], status, want)
		}
		return nil
	}
}

func TestAccRestAPI_OpenAPIPetstore(t *testing.T) {
	t.Parallel()
	v1, v2 := petstoreBackend(t, "v1"), petstoreBackend(t, "v2")
	config := func(backend string) string {
		return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  # Set beside body, it wins over the document's info.title.
  name = "petstore-from-config"
  body = %s
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "prod"
  auto_deploy = true
}
`, testAccPetstoreBody(backend))
	}
	const api, stage = "gatewayd_rest_api.test", "gatewayd_stage.test"
	var apiID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Applies, serves, plans quiet: name from the configuration, description from the document.
			{
				Config:           config(v1),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr(api, "id", &apiID),
					resource.TestCheckResourceAttr(api, "name", "petstore-from-config"),
					resource.TestCheckResourceAttr(api, "description", "Pets, from the document"),
					resource.TestCheckResourceAttr(api, "put_rest_api_mode", "overwrite"),
					expectStatus(stage, "/pets", 200, "v1 /petstore/pets"),
					expectStatus(stage, "/pets/7", 200, "v1 /petstore/pets/7"),
				),
			},
			// A change of the document redeploys the auto-deploy stage in the same apply, once.
			{
				Config: config(v2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(api, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(stage, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					expectStatus(stage, "/pets/8", 200, "v2 /petstore/pets/8"),
					func(*terraform.State) error {
						got, err := stageHistoryReasons(apiID, "prod")
						if err != nil {
							return err
						}
						// create (the stage is created on the first import's API), then one move for the import.
						if diff := cmp.Diff([]string{"create", "auto_deploy"}, got); diff != "" {
							return fmt.Errorf("stage history (-want +got):\n%s", diff)
						}
						return nil
					},
				),
			},
			// Import.
			{
				ResourceName:            api,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"body"},
			},
		},
	})
}

func TestAccRestAPI_OpenAPIModes(t *testing.T) {
	t.Parallel()
	backend := petstoreBackend(t, "v1")
	doc := func(paths string) string {
		return fmt.Sprintf(`jsonencode({
    openapi = "3.0.1"
    info    = { title = "modes", version = "1" }
    paths   = { %s }
  })`, paths)
	}
	pets := fmt.Sprintf(`"/pets" = { get = { x-amazon-apigateway-integration = { type = "HTTP_PROXY", httpMethod = "GET", uri = "%s/pets" } } }`, backend)
	pet := fmt.Sprintf(`"/pets/{id}" = { get = { x-amazon-apigateway-integration = { type = "HTTP_PROXY", httpMethod = "GET", uri = "%s/pets/{id}", requestParameters = { "integration.request.path.id" = "method.request.path.id" } } } }`, backend)
	toys := fmt.Sprintf(`"/toys" = { get = { x-amazon-apigateway-integration = { type = "HTTP_PROXY", httpMethod = "GET", uri = "%s/toys" } } }`, backend)
	config := func(mode, body string) string {
		return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name              = "modes"
  put_rest_api_mode = %q
  body              = %s
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "prod"
  auto_deploy = true
}
`, mode, body)
	}
	const stage = "gatewayd_stage.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config("overwrite", doc(pets+"\n"+pet)),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectStatus(stage, "/pets/1", 200, "v1 /pets/1"),
			},
			// overwrite: what the document no longer has is gone.
			{
				Config:           config("overwrite", doc(pets)),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectStatus(stage, "/pets", 200, "v1 /pets"),
					expectStatus(stage, "/pets/1", 403, ""),
				),
			},
			// merge: the document's definitions are added, the API's others stay.
			{
				Config:           config("merge", doc(toys)),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectStatus(stage, "/toys", 200, "v1 /toys"),
					expectStatus(stage, "/pets", 200, "v1 /pets"),
				),
			},
			// An error names the JSON pointer of what is wrong, at apply; nothing of the document is applied.
			{
				Config:      config("overwrite", doc(`"/bad" = { get = { x-amazon-apigateway-integration = { type = "HTTP_PROXY", httpMethod = "GET", uri = "ftp://nope" } } }`)),
				ExpectError: regexp.MustCompile(`/paths/~1bad/get/x-amazon-apigateway-integration/uri`),
			},
			// fail_on_warnings refuses a document the import would not take whole.
			{
				Config: `
resource "gatewayd_rest_api" "test" {
  name             = "modes"
  fail_on_warnings = true
  body = jsonencode({
    openapi = "3.0.1"
    info    = { title = "modes", version = "1" }
    x-amazon-apigateway-endpoint-configuration = { types = ["REGIONAL"] }
    paths   = {}
  })
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "prod"
  auto_deploy = true
}
`,
				ExpectError: regexp.MustCompile(`fail_on_warnings`),
			},
		},
	})
}

// TestAccRestAPI_OpenAPIExportRoundTrip: export -> import into a new API -> export gives the same
// document, but for servers (each stage's own URL).
func TestAccRestAPI_OpenAPIExportRoundTrip(t *testing.T) {
	t.Parallel()
	backend := petstoreBackend(t, "v1")
	config := fmt.Sprintf(`
resource "gatewayd_rest_api" "a" {
  name = "round-trip"
  body = %s
}

resource "gatewayd_stage" "a" {
  rest_api_id = gatewayd_rest_api.a.id
  stage_name  = "prod"
  auto_deploy = true
}

data "gatewayd_export" "a" {
  rest_api_id = gatewayd_stage.a.rest_api_id
  stage_name  = gatewayd_stage.a.stage_name
  export_type = "oas30"
  parameters  = { extensions = "apigateway" }
}

resource "gatewayd_rest_api" "b" {
  name             = "round-trip"
  body             = data.gatewayd_export.a.body
  fail_on_warnings = true
}

resource "gatewayd_stage" "b" {
  rest_api_id = gatewayd_rest_api.b.id
  stage_name  = "prod"
  auto_deploy = true
}

data "gatewayd_export" "b" {
  rest_api_id = gatewayd_stage.b.rest_api_id
  stage_name  = gatewayd_stage.b.stage_name
  export_type = "oas30"
  parameters  = { extensions = "apigateway" }
}

data "gatewayd_export" "yaml" {
  rest_api_id = gatewayd_stage.b.rest_api_id
  stage_name  = gatewayd_stage.b.stage_name
  export_type = "swagger"
  accepts     = "application/yaml"
}
`, testAccPetstoreBody(backend))
	withoutServers := func(body string) (string, error) {
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			return "", err
		}
		delete(v, "servers")
		out, err := json.MarshalIndent(v, "", "  ")
		return string(out), err
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: resource.ComposeTestCheckFunc(
				expectStatus("gatewayd_stage.b", "/pets/3", 200, "v1 /petstore/pets/3"),
				resource.TestMatchResourceAttr("data.gatewayd_export.yaml", "body", regexp.MustCompile(`(?m)^swagger: "2.0"$`)),
				resource.TestCheckResourceAttr("data.gatewayd_export.yaml", "content_type", "application/yaml"),
				func(s *terraform.State) error {
					a := s.RootModule().Resources["data.gatewayd_export.a"].Primary.Attributes["body"]
					b := s.RootModule().Resources["data.gatewayd_export.b"].Primary.Attributes["body"]
					wa, err := withoutServers(a)
					if err != nil {
						return err
					}
					wb, err := withoutServers(b)
					if err != nil {
						return err
					}
					if diff := cmp.Diff(wa, wb); diff != "" {
						return fmt.Errorf("export -> import -> export differs (-a +b):\n%s", diff)
					}
					if a == b {
						return fmt.Errorf("the exports of two APIs have the same servers")
					}
					// The data source reads what the admin API serves.
					st, err := testClient.GetStage(context.Background(), s.RootModule().Resources["gatewayd_stage.a"].Primary.Attributes["rest_api_id"], "prod")
					if err != nil {
						return err
					}
					exp, err := testClient.ExportStage(context.Background(), st.RestAPIID, "prod", "oas30", "", []string{"apigateway"})
					if err != nil || string(exp.Body) != a {
						return fmt.Errorf("the data source's body is not the admin API's export (err %v)", err)
					}
					return nil
				},
			),
		}},
	})
}

// testAccOpenAPIAuthorizerBody is GET /pets behind a TOKEN authorizer defined in the document, a MOCK
// echoing the principal, and a gateway response adding CORS headers to the 401.
func testAccOpenAPIAuthorizerBody(fnURL, origin string) string {
	return fmt.Sprintf(`jsonencode({
    openapi = "3.0.1"
    info    = { title = "guarded", version = "1" }
    components = {
      securitySchemes = {
        token = {
          type = "apiKey"
          name = "Authorization"
          in   = "header"
          x-amazon-apigateway-authtype = "custom"
          x-amazon-apigateway-authorizer = {
            type                         = "token"
            authorizerUri                = %[1]q
            identityValidationExpression = "allow-[a-z]+|deny-[a-z]+"
            authorizerResultTtlInSeconds = 300
          }
        }
      }
    }
    x-amazon-apigateway-gateway-responses = {
      UNAUTHORIZED = {
        responseParameters = {
          "gatewayresponse.header.Access-Control-Allow-Origin"  = "'%[2]s'"
          "gatewayresponse.header.Access-Control-Allow-Headers" = "'Authorization,Content-Type'"
        }
      }
    }
    paths = {
      "/pets" = {
        get = {
          security = [{ token = [] }]
          x-amazon-apigateway-integration = {
            type             = "mock"
            requestTemplates = { "application/json" = "{\"statusCode\": 200}" }
            responses = {
              default = {
                statusCode        = "200"
                responseTemplates = { "application/json" = "{\"principal\":\"$context.authorizer.principalId\",\"tenant\":\"$context.authorizer.tenant\"}" }
              }
            }
          }
        }
      }
    }
  })`, fnURL, origin)
}

// TestAccRestAPI_OpenAPIAuthorizer: with the real terraform, a body with a TOKEN authorizer and a
// gateway response guards its method through the stage (401 with the CORS headers without a token,
// 403 for a token the function denies, 200 for the one it allows), plans quiet after apply, and a
// change of the document's gateway response is served by the next apply.
func TestAccRestAPI_OpenAPIAuthorizer(t *testing.T) {
	t.Parallel()
	fn := tokenFunction(t)
	config := func(origin string) string {
		return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name             = "guarded"
  fail_on_warnings = true
  body             = %s
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}
`, testAccOpenAPIAuthorizerBody(fn.URL, origin))
	}
	var apiID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config("https://app.example"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					captureAttr("gatewayd_rest_api.test", "id", &apiID),
					expectCORS401("https://app.example"),
					expectCalls(fn, 2, []call{
						{"no token", "/pets", nil, 401, `{"message":"Unauthorized"}`},
						{"failing the validation expression", "/pets", bearer("Bearer x"), 401, `{"message":"Unauthorized"}`},
						{"denied", "/pets", bearer("deny-bob"), 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`},
						{"allowed", "/pets", bearer("allow-ann"), 200, `{"principal":"ann","tenant":"t-ann"}`},
					}),
					func(*terraform.State) error {
						// The authorizer is the document's, named after its scheme.
						as, err := testClient.ListAuthorizers(context.Background(), apiID)
						if err != nil {
							return err
						}
						if len(as) != 1 || as[0].Name != "token" || as[0].Type != "TOKEN" || as[0].IdentitySource != "method.request.header.Authorization" {
							return fmt.Errorf("authorizers = %+v, want the document's TOKEN authorizer named token", as)
						}
						return nil
					},
				),
			},
			// A change of the document's gateway response is served after the same apply.
			{
				Config:           config("https://other.example"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectCORS401("https://other.example"),
					expectCalls(fn, -1, []call{{"allowed", "/pets", bearer("allow-ann"), 200, `{"principal":"ann","tenant":"t-ann"}`}}),
				),
			},
		},
	})
}

// TestAccRestAPI_OpenAPIPolicy: with the real terraform, a body's x-amazon-apigateway-policy is the
// API's resource policy (a Deny on one method answers 403 through the stage), a change of it is served
// by the next apply with a quiet plan after, and the policy attribute set beside body wins.
func TestAccRestAPI_OpenAPIPolicy(t *testing.T) {
	t.Parallel()
	config := func(denied, attr string) string {
		return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name             = "policy"
  fail_on_warnings = true
  %[2]s
  body = jsonencode({
    openapi = "3.0.1"
    info    = { title = "policy", version = "1" }
    x-amazon-apigateway-policy = {
      Version = "2012-10-17"
      Statement = [
        { Effect = "Allow", Principal = "*", Action = "execute-api:Invoke", Resource = "execute-api:/*" },
        { Effect = "Deny", Principal = "*", Action = "execute-api:Invoke", Resource = "execute-api:/*/GET/%[1]s" },
      ]
    }
    paths = {
      "/public"  = { get = { x-amazon-apigateway-integration = { type = "mock", requestTemplates = { "application/json" = "{\"statusCode\": 200}" }, responses = { default = { statusCode = "200" } } } } }
      "/private" = { get = { x-amazon-apigateway-integration = { type = "mock", requestTemplates = { "application/json" = "{\"statusCode\": 200}" }, responses = { default = { statusCode = "200" } } } } }
    }
  })
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}
`, denied, attr)
	}
	const stage = "gatewayd_stage.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config("private", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestMatchResourceAttr("gatewayd_rest_api.test", "policy", regexp.MustCompile(`"Effect":"Deny"`)),
					expectStatus(stage, "/public", 200, ""),
					expectStatus(stage, "/private", 403, ""),
				),
			},
			// The document's policy changes: served after the same apply, the plan quiet after.
			{
				Config:           config("public", ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectStatus(stage, "/public", 403, ""),
					expectStatus(stage, "/private", 200, ""),
				),
			},
			// The attribute beside body wins over the document's policy.
			{
				Config: config("public", `policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "execute-api:Invoke", Resource = "execute-api:/*" }]
  })`),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					expectStatus(stage, "/public", 200, ""),
					expectStatus(stage, "/private", 200, ""),
				),
			},
			// It still wins when the body is imported again.
			{
				Config: config("private", `policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "execute-api:Invoke", Resource = "execute-api:/*" }]
  })`),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            expectStatus(stage, "/private", 200, ""),
			},
		},
	})
}
