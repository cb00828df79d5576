package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// These tests apply mapping templates with the real terraform and check what real backends receive and
// what clients get back.

// stageCall sends a request to the stage in state and returns the answer.
func stageCall(s *terraform.State, method, path string, header map[string]string, body []byte) (int, http.Header, []byte, error) {
	url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + path
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// testAccTemplateAPI is an API with one resource /things and the given methods' configuration, served
// by an auto-deploy stage.
func testAccTemplateAPI(name, methods string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name               = %q
  binary_media_types = ["image/png"]
}

resource "gatewayd_resource" "things" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "things"
}
%s
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  variables   = { tier = "gold" }
}
`, name, methods)
}

// TestAccIntegration_RequestTemplateReshapesBody: a request template turns the client's JSON into the
// shape the backend wants; the backend checks it and answers 400 otherwise.
func TestAccIntegration_RequestTemplateReshapesBody(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &got); err != nil || got["customer"] != "Ann" || got["count"] != float64(2) ||
			got["tier"] != "gold" || got["first"] != "pen" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "unexpected body %s", body)
			return
		}
		io.WriteString(w, `{"accepted": true}`)
	}))
	t.Cleanup(backend.Close)
	methods := fmt.Sprintf(`
resource "gatewayd_method" "post" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.things.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "gatewayd_integration" "post" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.things.id
  http_method             = gatewayd_method.post.http_method
  type                    = "HTTP"
  integration_http_method = "POST"
  uri                     = "%s/orders"
  request_templates = {
    "application/json" = <<-EOT
      #set($o = $input.path('$'))
      {
        "customer": "$o.name",
        "count": $o.items.size(),
        "first": "$o.items[0].sku",
        "tier": "$stageVariables.tier"
      }
    EOT
  }
}

resource "gatewayd_integration_response" "post" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.things.id
  http_method = gatewayd_method.post.http_method
  status_code = "200"
  depends_on  = [gatewayd_integration.post]
}
`, backend.URL)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           testAccTemplateAPI("request-template", methods),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				status, _, body, err := stageCall(s, "POST", "/things", map[string]string{"Content-Type": "application/json"},
					[]byte(`{"name": "Ann", "items": [{"sku": "pen"}, {"sku": "ink"}]}`))
				if err != nil || status != 200 || string(body) != `{"accepted": true}` {
					return fmt.Errorf("POST /things = %d %s (%v), want the backend's 200", status, body, err)
				}
				return nil
			},
		}},
	})
}

// TestAccIntegrationResponse_TemplateBuildsXML: a response template builds XML from the backend's JSON.
func TestAccIntegrationResponse_TemplateBuildsXML(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"pets": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}]}`)
	}))
	t.Cleanup(backend.Close)
	methods := fmt.Sprintf(`
resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.things.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.things.id
  http_method             = gatewayd_method.get.http_method
  type                    = "HTTP"
  integration_http_method = "GET"
  uri                     = "%s/pets"
}

resource "gatewayd_integration_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.things.id
  http_method = gatewayd_method.get.http_method
  status_code = "200"
  response_templates = {
    "application/xml" = <<-EOT
      #set($root = $input.path('$'))
      <pets>
      #foreach($p in $root.pets)
        <pet id="$p.id">$p.name</pet>
      #end
      </pets>
    EOT
  }
  depends_on = [gatewayd_integration.get]
}
`, backend.URL)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           testAccTemplateAPI("response-template", methods),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				status, h, body, err := stageCall(s, "GET", "/things", map[string]string{"Accept": "application/xml"}, nil)
				want := "<pets>\n  <pet id=\"1\">Rex</pet>\n  <pet id=\"2\">Tom</pet>\n</pets>\n"
				if err != nil || status != 200 || string(body) != want || h.Get("Content-Type") != "application/xml" {
					return fmt.Errorf("GET /things = %d %s %q (%v), want 200 application/xml %q", status, h.Get("Content-Type"), body, err, want)
				}
				return nil
			},
		}},
	})
}

// TestAccIntegration_MockChoosesStatusAndNever415: a MOCK's request template chooses 200 or 404 from a
// query parameter with #if; under passthrough_behavior NEVER another content type gets 415.
func TestAccIntegration_MockChoosesStatusAndNever415(t *testing.T) {
	t.Parallel()
	const methods = `
resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.things.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id          = gatewayd_rest_api.test.id
  resource_id          = gatewayd_resource.things.id
  http_method          = gatewayd_method.get.http_method
  type                 = "MOCK"
  passthrough_behavior = "NEVER"
  request_templates = {
    "application/json" = <<-EOT
      #if($input.params('id') == "7")
      {"statusCode": 200}
      #else
      {statusCode: 404}
      #end
    EOT
  }
}

resource "gatewayd_integration_response" "found" {
  rest_api_id        = gatewayd_rest_api.test.id
  resource_id        = gatewayd_resource.things.id
  http_method        = gatewayd_method.get.http_method
  status_code        = "200"
  response_templates = { "application/json" = "{\"id\": \"$input.params('id')\"}" }
  depends_on         = [gatewayd_integration.get]
}

resource "gatewayd_integration_response" "missing" {
  rest_api_id        = gatewayd_rest_api.test.id
  resource_id        = gatewayd_resource.things.id
  http_method        = gatewayd_method.get.http_method
  status_code        = "404"
  selection_pattern  = "404"
  response_templates = { "application/json" = "{\"message\": \"no thing $input.params('id')\"}" }
  depends_on         = [gatewayd_integration.get]
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           testAccTemplateAPI("mock-template", methods),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				for _, tc := range []struct {
					path, ct string
					status   int
					body     string
				}{
					{"/things?id=7", "", 200, `{"id": "7"}`},
					{"/things?id=8", "", 404, `{"message": "no thing 8"}`},
					{"/things?id=7", "text/plain", 415, `{"message":"Unsupported Media Type"}`},
				} {
					status, _, body, err := stageCall(s, "GET", tc.path, map[string]string{"Content-Type": tc.ct}, nil)
					if err != nil || status != tc.status || string(body) != tc.body {
						return fmt.Errorf("GET %s (Content-Type %q) = %d %s (%v), want %d %s", tc.path, tc.ct, status, body, err, tc.status, tc.body)
					}
				}
				return nil
			},
		}},
	})
}

// TestAccIntegration_BinaryThroughFunction: a PNG goes to a Lambda-proxy function base64-encoded and
// comes back as the same bytes.
func TestAccIntegration_BinaryThroughFunction(t *testing.T) {
	t.Parallel()
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Body            string `json:"body"`
			IsBase64Encoded bool   `json:"isBase64Encoded"`
		}
		json.NewDecoder(r.Body).Decode(&ev)
		if !ev.IsBase64Encoded {
			io.WriteString(w, `{"statusCode": 400, "body": "the image did not come base64-encoded"}`)
			return
		}
		// Answer the image back, flipped: proof that the function decoded it.
		raw, _ := base64.StdEncoding.DecodeString(ev.Body)
		for i, j := 0, len(raw)-1; i < j; i, j = i+1, j-1 {
			raw[i], raw[j] = raw[j], raw[i]
		}
		json.NewEncoder(w).Encode(map[string]any{"statusCode": 200, "isBase64Encoded": true,
			"headers": map[string]string{"Content-Type": "image/png"}, "body": base64.StdEncoding.EncodeToString(raw)})
	}))
	t.Cleanup(fn.Close)
	methods := fmt.Sprintf(`
resource "gatewayd_method" "post" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.things.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "gatewayd_integration" "post" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.things.id
  http_method             = gatewayd_method.post.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "%s/2015-03-31/functions/flip/invocations"
}
`, fn.URL)
	img := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 0xff, 0xfe}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:           testAccTemplateAPI("binary-function", methods),
			ConfigPlanChecks: emptyPlanAfterApply,
			Check: func(s *terraform.State) error {
				status, h, body, err := stageCall(s, "POST", "/things", map[string]string{"Content-Type": "image/png", "Accept": "image/png"}, img)
				want := bytes.Clone(img)
				for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
					want[i], want[j] = want[j], want[i]
				}
				if err != nil || status != 200 || !bytes.Equal(body, want) || h.Get("Content-Type") != "image/png" {
					return fmt.Errorf("POST /things = %d %s %q (%v), want 200 image/png %q", status, h.Get("Content-Type"), body, err, want)
				}
				return nil
			},
		}},
	})
}

func TestAccIntegration_TemplateSyntaxErrorAtPlan(t *testing.T) {
	t.Parallel()
	config := testAccTemplateAPI("bad-template", `
resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.things.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id       = gatewayd_rest_api.test.id
  resource_id       = gatewayd_resource.things.id
  http_method       = gatewayd_method.get.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\n  #if($x)\n  \"a\": 1\n}" }
}
`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			PlanOnly:    true,
			ExpectError: wrappedRE("Invalid Mapping Template"),
		}},
	})
}
