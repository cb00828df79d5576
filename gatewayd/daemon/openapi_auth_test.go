package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// openAPIAuthDoc is GET /pets behind a TOKEN authorizer defined in the document, with a CORS header
// on the 401 from the document's gateway responses.
const openAPIAuthDoc = `openapi: 3.0.1
info: {title: guarded, version: "1"}
components:
  securitySchemes:
    tok:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: %s
        authorizerResultTtlInSeconds: 0
x-amazon-apigateway-gateway-responses:
  UNAUTHORIZED:
    responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'https://app.example'"}
paths:
  /pets:
    get:
      security: [{tok: []}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {application/json: '{"principal":"$context.authorizer.principalId"}'}
`

// TestOpenAPIImportedAuthorizerGuards: a TOKEN authorizer imported from an OpenAPI document through
// the admin API guards its method on the data plane: 401 without a token (with the imported gateway
// response's CORS header), 403 for a token the function denies, 200 for the one it allows.
func TestOpenAPIImportedAuthorizerGuards(t *testing.T) {
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		if name, ok := strings.CutPrefix(ev.String("authorizationToken"), "allow-"); ok {
			return authtest.Output(name, "Allow", ev.String("methodArn"), nil), ""
		}
		return authtest.Output("nobody", "Deny", ev.String("methodArn"), nil), ""
	})
	d, err := Start(context.Background(), Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		AdminToken: "tok", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	ctx := context.Background()
	c, err := client.New(d.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "placeholder"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ImportRestAPI(ctx, api.ID, []byte(fmt.Sprintf(openAPIAuthDoc, fn.URL)), client.ImportOptions{FailOnWarnings: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "guarded" {
		t.Errorf("imported API's name = %q", out.Name)
	}
	for _, tc := range []struct {
		name, token string
		status      int
		body, cors  string
	}{
		{"no token", "", 401, `{"message":"Unauthorized"}`, "https://app.example"},
		{"denied", "deny-bob", 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`, ""},
		{"allowed", "allow-ann", 200, `{"principal":"ann"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", d.DataURL+"/"+api.ID+"/prod/pets", nil)
			if tc.token != "" {
				req.Header.Set("Authorization", tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || string(b) != tc.body {
				t.Errorf("GET /pets = %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.cors {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.cors)
			}
		})
	}
	if n := fn.Calls(); n != 2 {
		t.Errorf("the function was called %d times, want 2 (no call without a token)", n)
	}
}
