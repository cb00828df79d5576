package daemon

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/postgres/pgtest"
)

// TestCluster_AuthorizerDecisionsShared: two nodes on one PostgreSQL and one Redis, a method guarded
// by a TOKEN authorizer whose function counts its calls. Requests with one token through both nodes
// call the function once in all; another token once more; a denied token is denied on both nodes with
// one call. Once the authorizer is changed (a new deployment), the first request calls the function
// again, and the other node reads that new decision.
func TestCluster_AuthorizerDecisionsShared(t *testing.T) {
	pg := pgtest.Start(t)
	storeURL := pg.NewDatabase(t)
	rd := redistest.Start(t)
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		if name, ok := strings.CutPrefix(ev.String("authorizationToken"), "allow-"); ok {
			return authtest.Output(name, "Allow", ev.String("methodArn"), nil), ""
		}
		return authtest.Output("nobody", "Deny", ev.String("methodArn"), nil), ""
	})
	nodes, c := startNodes(t, 2, storeURL, rd.URL())
	ctx := context.Background()
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "guarded"})
	if err != nil {
		t.Fatal(err)
	}
	ttl := 300
	auth, err := c.CreateAuthorizer(ctx, api.ID, model.Authorizer{Name: "tok", Type: model.AuthorizerToken, AuthorizerURI: fn.URL,
		IdentitySource: model.DefaultIdentitySource, AuthorizerResultTTLInSeconds: &ttl})
	if err != nil {
		t.Fatal(err)
	}
	id := client.MethodID{RestAPIID: api.ID, ResourceID: api.RootResourceID, HTTPMethod: "GET"}
	if _, err := c.PutMethod(ctx, id, model.Method{Authorization: model.AuthCustom, AuthorizerID: auth.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
		ResponseTemplates: map[string]string{"application/json": `{"principal":"$context.authorizer.principalId"}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true}); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, nodes)

	get := func(t *testing.T, node int, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", nodes[node].DataURL+"/"+api.ID+"/prod", nil)
		req.Header.Set("Authorization", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// check sends the first request with token through node first, then 20 more over both nodes, 10
	// of them at once, and wants each answered status and calls of the function for all of them.
	check := func(t *testing.T, first int, token string, status int, calls int64) {
		t.Helper()
		before := fn.Calls()
		if got, body := get(t, first, token); got != status {
			t.Fatalf("first GET on node %d = %d %s, want %d", first+1, got, body, status)
		}
		var wg sync.WaitGroup
		for i := range 20 {
			do := func() {
				if got, body := get(t, i%2, token); got != status {
					t.Errorf("GET %d on node %d = %d %s, want %d", i, i%2+1, got, body, status)
				}
			}
			if i < 10 {
				do()
			} else {
				wg.Go(do)
			}
		}
		wg.Wait()
		if got := fn.Calls() - before; got != calls {
			t.Errorf("function calls for 21 requests over 2 nodes = %d, want %d", got, calls)
		}
	}
	t.Run("one token", func(t *testing.T) { check(t, 0, "allow-ann", 200, 1) })
	t.Run("another token", func(t *testing.T) { check(t, 1, "allow-bob", 200, 1) })
	t.Run("denied token", func(t *testing.T) { check(t, 1, "deny", 403, 1) })

	// A changed authorizer is a new deployment: its nodes do not read the old decisions.
	auth.IdentityValidationExpression = `[a-z-]+`
	if _, err := c.UpdateAuthorizer(ctx, api.ID, auth.ID, auth); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, nodes)
	t.Run("changed authorizer", func(t *testing.T) { check(t, 1, "allow-ann", 200, 1) })

	req, _ := http.NewRequest("GET", nodes[0].AdminURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "\ngatewayd_authorizer_redis_bypassed_total 0\n") {
		t.Errorf("node 1's /metrics has no gatewayd_authorizer_redis_bypassed_total 0")
	}
}
