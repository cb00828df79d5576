package provider

import (
	"bufio"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func testAccCompressionConfig(size string) string {
	attr := ""
	if size != "" {
		attr = "minimum_compression_size = " + size
	}
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "acc-compression"
  %s
}

resource "gatewayd_resource" "things" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_rest_api.test.root_resource_id
  path_part   = "things"
}

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
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "gatewayd_method_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.things.id
  http_method = gatewayd_method.get.http_method
  status_code = "200"
}

resource "gatewayd_integration_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.things.id
  http_method = gatewayd_method.get.http_method
  status_code = gatewayd_method_response.get.status_code
  response_templates = {
    "application/json" = "{\"things\": \"%s\"}"
  }
  depends_on = [gatewayd_integration.get]
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
}
`, attr, strings.Repeat("thing ", 300))
}

// checkEncoding asks the stage for /things with curl --compressed, a real client, and checks the
// Content-Encoding it got and that it decoded the answer.
func checkEncoding(want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + "/things"
		out, err := exec.Command("curl", "-sS", "--compressed", "-D", "-", url).CombinedOutput()
		if err != nil {
			return fmt.Errorf("curl: %v\n%s", err, out)
		}
		head, body, _ := strings.Cut(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n\n")
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head+"\n\n")), nil)
		if err != nil {
			return fmt.Errorf("reading curl's headers %q: %v", head, err)
		}
		if got := resp.Header.Get("Content-Encoding"); got != want || !strings.HasPrefix(body, `{"things": "thing thing`) {
			return fmt.Errorf("curl --compressed: Content-Encoding %q, body %.40q; want %q and the decoded JSON", got, body, want)
		}
		return nil
	}
}

// TestAccRestAPI_MinimumCompressionSize: minimum_compression_size, as the AWS provider writes it,
// makes the stage's answers gzip-encoded for curl --compressed; -1 turns it off; both plan quiet and
// import.
func TestAccRestAPI_MinimumCompressionSize(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      testAccCompressionConfig("10485761"),
				ExpectError: wrappedRE(`between -1 (off) and 10485760`),
				PlanOnly:    true,
			},
			{
				Config:           testAccCompressionConfig("1024"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("gatewayd_rest_api.test", "minimum_compression_size", "1024"),
					checkEncoding("gzip"),
				),
			},
			{ResourceName: "gatewayd_rest_api.test", ImportState: true, ImportStateVerify: true},
			{
				Config:           testAccCompressionConfig("-1"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            checkEncoding(""),
			},
			{
				Config:           testAccCompressionConfig("0"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            checkEncoding("gzip"),
			},
			{
				// Left out, compression is off again.
				Config:           testAccCompressionConfig(""),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("gatewayd_rest_api.test", "minimum_compression_size", "-1"),
					checkEncoding(""),
				),
			},
		},
	})
}
