package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/awstest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/daemon"
)

// These tests apply AWS-shaped configurations (Lambda ARNs, service integrations) with the real
// terraform against a gatewayd of their own, whose AWS endpoints are a local stand-in that checks
// every SigV4 signature. Credentials reach gatewayd through the environment, as an operator gives them.

const testAccAWSRegion = "us-east-1"

// testAccAWSGatewayd starts an AWS stand-in and a gatewayd that calls it for Lambda
// (--aws-endpoint-url-lambda) and DynamoDB, with credentials from the environment.
func testAccAWSGatewayd(t *testing.T) (*awstest.Server, *daemon.Daemon) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests need TF_ACC=1") // as resource.Test skips
	}
	testAccPreCheck(t)
	emu := awstest.New(t, testAccAWSRegion, "AKIDACCTEST", "acc-test-secret")
	emu.SetEnv(t)
	ctx := context.Background()
	d, err := daemon.Start(ctx, daemon.Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		AdminToken: "acc-aws-token", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AWSEndpointURLs: map[string]string{"lambda": emu.URL, "dynamodb": emu.URL, "sts": emu.URL}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = d.Shutdown(sctx)
	})
	return emu, d
}

func testAccAWSProvider(d *daemon.Daemon) string {
	return fmt.Sprintf(`
provider "gatewayd" {
  endpoint = %q
  token    = %q
}
`, d.AdminURL, d.Token)
}

// TestAccIntegration_LambdaARN: a configuration as written for AWS, its uri the invoke_arn of an
// aws_lambda_function (here a variable of that shape), applies unchanged and serves the function
// through --aws-endpoint-url-lambda, each call signed; then plans quiet and imports.
func TestAccIntegration_LambdaARN(t *testing.T) {
	emu, d := testAccAWSGatewayd(t)
	emu.SetFunction("hello", func(ev []byte) ([]byte, string) {
		var e struct {
			Path string `json:"path"`
		}
		json.Unmarshal(ev, &e)
		return []byte(`{"statusCode": 200, "body": "hello from ` + e.Path + `"}`), ""
	})
	config := testAccAWSProvider(d) + testAccTemplateAPI("acc-lambda-arn", `
variable "invoke_arn" {
  default = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"
}

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
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.invoke_arn
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(s *terraform.State) error {
					status, _, body, err := stageCall(s, "GET", "/things", nil, nil)
					if err != nil {
						return err
					}
					if status != 200 || string(body) != "hello from /things" {
						return fmt.Errorf("GET /things = %d %q, want 200 from the function (emulator refused %q)", status, body, emu.Rejected())
					}
					if keys := emu.Signers("lambda"); len(keys) != 1 || keys[0] != "AKIDACCTEST" {
						return fmt.Errorf("lambda calls signed by %q, want one by the environment's key", keys)
					}
					return nil
				},
			},
			{
				ResourceName:      "gatewayd_integration.get",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

// TestAccIntegration_AWSDynamoDB: two type AWS integrations write an item to a DynamoDB-compatible
// server (PutItem) and read it back through a second method (GetItem).
func TestAccIntegration_AWSDynamoDB(t *testing.T) {
	emu, d := testAccAWSGatewayd(t)
	config := testAccAWSProvider(d) + testAccTemplateAPI("acc-dynamodb", `
resource "gatewayd_resource" "item" {
  rest_api_id = gatewayd_rest_api.test.id
  parent_id   = gatewayd_resource.things.id
  path_part   = "{id}"
}

resource "gatewayd_method" "put" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.things.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "gatewayd_integration" "put" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.things.id
  http_method             = gatewayd_method.put.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
  credentials             = "arn:aws:iam::123456789012:role/apigw-dynamodb"
  request_templates = {
    "application/json" = jsonencode({
      TableName = "things"
      Item = {
        id   = { S = "$input.path('$.id')" }
        name = { S = "$input.path('$.name')" }
      }
    })
  }
}

resource "gatewayd_method_response" "put" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.things.id
  http_method = gatewayd_method.put.http_method
  status_code = "201"
}

resource "gatewayd_integration_response" "put" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.things.id
  http_method = gatewayd_method.put.http_method
  status_code = gatewayd_method_response.put.status_code
  response_templates = {
    "application/json" = "{\"stored\": true}"
  }
  depends_on = [gatewayd_integration.put]
}

resource "gatewayd_method" "get" {
  rest_api_id   = gatewayd_rest_api.test.id
  resource_id   = gatewayd_resource.item.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "gatewayd_integration" "get" {
  rest_api_id             = gatewayd_rest_api.test.id
  resource_id             = gatewayd_resource.item.id
  http_method             = gatewayd_method.get.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem"
  request_templates = {
    "application/json" = "{\"TableName\": \"things\", \"Key\": {\"id\": {\"S\": \"$input.params('id')\"}}}"
  }
}

resource "gatewayd_method_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.item.id
  http_method = gatewayd_method.get.http_method
  status_code = "200"
}

resource "gatewayd_integration_response" "get" {
  rest_api_id = gatewayd_rest_api.test.id
  resource_id = gatewayd_resource.item.id
  http_method = gatewayd_method.get.http_method
  status_code = gatewayd_method_response.get.status_code
  response_templates = {
    "application/json" = "{\"id\": \"$input.path('$.Item.id.S')\", \"name\": \"$input.path('$.Item.name.S')\"}"
  }
  depends_on = [gatewayd_integration.get]
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: func(s *terraform.State) error {
					status, _, body, err := stageCall(s, "POST", "/things", map[string]string{"Content-Type": "application/json"}, []byte(`{"id": "7", "name": "Ada"}`))
					if err != nil {
						return err
					}
					if status != 201 || string(body) != `{"stored": true}` {
						return fmt.Errorf("POST /things = %d %q, want 201 (emulator refused %q)", status, body, emu.Rejected())
					}
					status, _, body, err = stageCall(s, "GET", "/things/7", nil, nil)
					if err != nil {
						return err
					}
					if status != 200 || string(body) != `{"id": "7", "name": "Ada"}` {
						return fmt.Errorf("GET /things/7 = %d %q, want the item back", status, body)
					}
					// The write was signed with the role's credentials (assumed through STS, here the
					// stand-in's), the read with gatewayd's own.
					keys := emu.Signers("dynamodb")
					if len(keys) != 2 || emu.RoleOf(keys[0]) != "arn:aws:iam::123456789012:role/apigw-dynamodb" || keys[1] != "AKIDACCTEST" {
						return fmt.Errorf("dynamodb calls signed by %q, want the role's key then the environment's", keys)
					}
					return nil
				},
			},
		},
	})
}

// TestAccIntegration_AWSInvalid: AWS-shaped mistakes fail at plan time, all in one run.
func TestAccIntegration_AWSInvalid(t *testing.T) {
	t.Parallel()
	bad := func(attrs string) string { return testAccIntegrationConfig("aaaaaaaaaa", "bbbbbbbbbb", "GET", attrs) }
	lambda := `"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"`
	cases := []struct{ attrs, want string }{
		{"  type = \"AWS\"\n  uri = \"http://backend.example.com\"\n  integration_http_method = \"POST\"", `an http(s) backend is an HTTP integration`},
		{"  type = \"AWS\"\n  uri = \"arn:aws:apigateway:us-east-1:ec2:action/RunInstances\"\n  integration_http_method = \"POST\"", `use the path form`},
		{"  type = \"HTTP\"\n  uri = " + lambda + "\n  integration_http_method = \"POST\"", `cannot call`},
		{"  type = \"AWS\"\n  uri = " + lambda + "\n  integration_http_method = \"GET\"", `must be POST when type is AWS with a Lambda function`},
		{"  type = \"AWS_PROXY\"\n  uri = " + lambda + "\n  integration_http_method = \"POST\"\n  credentials = \"arn:aws:iam::*:user/*\"", `caller's own credentials`},
		{"  type = \"HTTP\"\n  uri = \"http://backend.example.com\"\n  integration_http_method = \"GET\"\n  credentials = \"arn:aws:iam::123456789012:role/r\"", `is only used when gatewayd signs the call`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: bad(c.attrs), ExpectError: wrappedRE(c.want), PlanOnly: true})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
