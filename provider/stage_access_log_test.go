package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const (
	accJSONFormat = `{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status" }`
	accCLFFormat  = `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`
)

func testAccStageAccessLogConfig(backend, logPath, format string) string {
	block := ""
	if format != "" {
		block = fmt.Sprintf(`
  access_log_settings {
    destination_arn = "file://%s"
    format          = %q
  }`, logPath, format)
	}
	return testAccReleaseAPI("access-log", backend) + fmt.Sprintf(`
resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
%s
}
`, block)
}

// requestLogged calls the stage and waits for the access log at path to hold a line with the
// request's id that satisfies check.
func requestLogged(path string, check func(line, requestID string) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["gatewayd_stage.test"]
		if !ok {
			return fmt.Errorf("gatewayd_stage.test not in state")
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(rs.Primary.Attributes["invoke_url"] + "/items/7")
		if err != nil {
			return err
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Gatewayd-Request-Id")
		if resp.StatusCode != 200 || id == "" {
			return fmt.Errorf("GET /items/7 = %d, request id %q", resp.StatusCode, id)
		}
		var lines []string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			b, _ := os.ReadFile(path)
			lines = strings.Split(strings.TrimSpace(string(b)), "\n")
			for _, l := range lines {
				if strings.Contains(l, id) {
					return check(l, id)
				}
			}
		}
		return fmt.Errorf("no line of request %s in %s after 5 s: %q", id, path, lines)
	}
}

// TestAccStage_AccessLog: access_log_settings write one line per request in the stage's format, the
// format changes with an apply, the block imports, and removing it stops the log.
func TestAccStage_AccessLog(t *testing.T) {
	t.Parallel()
	backend, _ := countingBackend(t, "A")
	logPath := filepath.Join(t.TempDir(), "access.log")
	const addr = "gatewayd_stage.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccStageAccessLogConfig(backend, logPath, accJSONFormat),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("access_log_settings").AtSliceIndex(0).AtMapKey("format"), knownvalue.StringExact(accJSONFormat)),
				},
				Check: requestLogged(logPath, func(line, id string) error {
					var got map[string]string
					if err := json.Unmarshal([]byte(line), &got); err != nil {
						return fmt.Errorf("line %q is not JSON: %w", line, err)
					}
					want := map[string]string{"requestId": id, "ip": "127.0.0.1", "httpMethod": "GET", "resourcePath": "/items/{id}", "status": "200"}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						return fmt.Errorf("line %s, want %v", line, want)
					}
					return nil
				}),
			},
			// ImportState
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"deployment_id"},
			},
			// Update and Read: the CLF preset.
			{
				Config:           testAccStageAccessLogConfig(backend, logPath, accCLFFormat),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: requestLogged(logPath, func(line, id string) error {
					re := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /items/\{id\} HTTP/1\.1" 200 \d+ ` + id + " " + id + `$`)
					if !re.MatchString(line) {
						return fmt.Errorf("line %q does not match %s", line, re)
					}
					return nil
				}),
			},
			// Removing the block stops the log.
			{
				Config:           testAccStageAccessLogConfig(backend, logPath, ""),
				ConfigPlanChecks: emptyPlanAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("access_log_settings"), knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}

// TestAccStage_AccessLogRefusedAtPlan: a format without $context.requestId, an unknown variable and a
// destination gatewayd cannot write fail at plan time, naming what is wrong.
func TestAccStage_AccessLogRefusedAtPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dest, format, want string }{
		{"stdout", "$context.status $context.httpMethod", `Invalid Access Log Format(.|\n)*must contain \$context\.requestId`},
		{"stdout", "$context.requestId $context.nonsense", `unknown variable \$context\.nonsense`},
		{"arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-x", "$context.requestId", `Invalid Access Log Destination(.|\n)*Kinesis Data\s+Firehose`},
	} {
		resource.Test(t, resource.TestCase{
			PreCheck:                 func() { testAccPreCheck(t) },
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				PlanOnly: true,
				Config: fmt.Sprintf(`
resource "gatewayd_stage" "test" {
  rest_api_id   = "abcdefghij"
  stage_name    = "live"
  deployment_id = "d"
  access_log_settings {
    destination_arn = %q
    format          = %q
  }
}
`, tc.dest, tc.format),
				ExpectError: regexp.MustCompile(tc.want),
			}},
		})
	}
}
