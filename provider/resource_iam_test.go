package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// testAccIAMAPI is GET /pets with AWS_IAM authorization, answering the caller's user ARN; alice may
// invoke the API, bob has no policy, and the API's resource policy denies the CIDR deny.
func testAccIAMAPI(suffix, deny string) string {
	return fmt.Sprintf(`
resource "gatewayd_rest_api" "test" {
  name = "iam"
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
  authorization = "AWS_IAM"
}

resource "gatewayd_integration" "get" {
  rest_api_id       = gatewayd_rest_api.test.id
  resource_id       = gatewayd_resource.pets.id
  http_method       = gatewayd_method.get.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "gatewayd_integration_response" "get" {
  rest_api_id        = gatewayd_rest_api.test.id
  resource_id        = gatewayd_resource.pets.id
  http_method        = gatewayd_method.get.http_method
  status_code        = "200"
  response_templates = { "application/json" = "$context.identity.userArn" }
  depends_on         = [gatewayd_integration.get]
}

resource "gatewayd_rest_api_policy" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "execute-api:Invoke"
      Resource  = "execute-api:/*"
      Condition = { IpAddress = { "aws:SourceIp" = [%[2]q] } }
    }]
  })
}

resource "gatewayd_stage" "test" {
  rest_api_id = gatewayd_rest_api.test.id
  stage_name  = "live"
  auto_deploy = true
  depends_on  = [gatewayd_integration_response.get, gatewayd_rest_api_policy.test]
}

resource "gatewayd_iam_user" "alice" {
  name = "alice-%[1]s"
}

resource "gatewayd_iam_access_key" "alice" {
  user = gatewayd_iam_user.alice.name
}

resource "gatewayd_iam_user_policy" "alice" {
  name = "invoke"
  user = gatewayd_iam_user.alice.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "execute-api:Invoke"
      Resource = "${gatewayd_rest_api.test.execution_arn}/live/GET/*"
    }]
  })
}

resource "gatewayd_iam_user" "bob" {
  name = "bob-%[1]s"
}

resource "gatewayd_iam_access_key" "bob" {
  user = gatewayd_iam_user.bob.name
}
`, suffix, deny)
}

// signedCall is one signed request and what it must get.
type signedCall struct {
	name   string
	user   string // alice or bob
	curl   bool   // sign with curl --aws-sigv4, else with the AWS SDK for Go v2
	secret func(real string) string
	at     time.Duration // signing time from now (SDK only)
	status int
	body   string // a prefix
}

func expectSigned(calls []signedCall) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		url := s.RootModule().Resources["gatewayd_stage.test"].Primary.Attributes["invoke_url"] + "/pets"
		var errs []string
		for _, c := range calls {
			key := s.RootModule().Resources["gatewayd_iam_access_key."+c.user].Primary.Attributes
			id, secret := key["id"], key["secret"]
			if c.secret != nil {
				secret = c.secret(secret)
			}
			var status int
			var body string
			if c.curl {
				out, err := exec.Command("curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", id+":"+secret,
					"-w", "\n%{http_code}", url).Output()
				if err != nil {
					return fmt.Errorf("%s: curl: %v", c.name, err)
				}
				b, code, _ := strings.Cut(string(out), "\n")
				body = b
				fmt.Sscan(code, &status)
			} else {
				req, _ := http.NewRequest("GET", url, nil)
				sum := sha256.Sum256(nil)
				if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
					hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now().Add(c.at)); err != nil {
					return err
				}
				resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
				if err != nil {
					return err
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				status, body = resp.StatusCode, string(b)
			}
			if status != c.status || !strings.HasPrefix(body, c.body) {
				errs = append(errs, fmt.Sprintf("%s: %d %s, want %d %s...", c.name, status, body, c.status, c.body))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "\n"))
		}
		return nil
	}
}

// TestAccIAM_SigV4: with the real terraform, an AWS_IAM method called by gatewayd IAM users: curl
// --aws-sigv4 and the AWS SDK for Go v2's signer get 200 for a user whose policy allows; a wrong
// secret, a stale date and a user without permission get 403; then the API's resource policy denies
// the callers' CIDR and even the allowed user gets 403.
func TestAccIAM_SigV4(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	suffix := acctest.RandString(8)
	aliceARN := "arn:aws:iam::000000000000:user/alice-" + suffix
	wrong := func(string) string { return "not-the-secret-0000000000000000000000000" }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			// Create and Read
			{
				Config:           testAccIAMAPI(suffix, "10.0.0.0/8"),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: expectSigned([]signedCall{
					{name: "curl --aws-sigv4", user: "alice", curl: true, status: 200, body: aliceARN},
					{name: "AWS SDK signer", user: "alice", status: 200, body: aliceARN},
					{name: "wrong secret (curl)", user: "alice", curl: true, secret: wrong, status: 403,
						body: `{"message":"The request signature we calculated does not match`},
					{name: "wrong secret (SDK)", user: "alice", secret: wrong, status: 403,
						body: `{"message":"The request signature we calculated does not match`},
					{name: "stale date", user: "alice", at: -10 * time.Minute, status: 403, body: `{"message":"Signature expired`},
					{name: "user without permission", user: "bob", status: 403,
						body: `{"message":"User: arn:aws:iam::000000000000:user/bob-` + suffix + ` is not authorized to perform: execute-api:Invoke`},
				}),
			},
			// ImportState
			{
				ResourceName:            "gatewayd_iam_access_key.alice",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
			},
			{
				ResourceName:      "gatewayd_iam_user_policy.alice",
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:      "gatewayd_rest_api_policy.test",
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:      "gatewayd_iam_user.alice",
				ImportState:       true,
				ImportStateVerify: true,
			},
			// Update and Read: the resource policy denies the loopback callers.
			{
				Config: testAccIAMAPI(suffix, "127.0.0.0/8"),
				Check: expectSigned([]signedCall{
					{name: "allowed user from a denied CIDR", user: "alice", status: 403,
						body: `{"message":"User: ` + aliceARN + ` is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:`},
				}),
			},
		},
	})
}
