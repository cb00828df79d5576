package dataplane_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// tokenDecider allows "allow-*" tokens on every method of the stage, allows "pets-only" on GET /pets
// only, denies "deny", fails "boom" with Unauthorized and answers "bad" with something unusable.
func tokenDecider(ev authtest.Event) (any, string) {
	arn := ev.String("methodArn")
	base := arn[:strings.Index(arn, "/")] // arn:aws:execute-api:REGION:ACCOUNT:API
	stage := strings.Split(arn, "/")[1]
	switch tok := ev.String("authorizationToken"); {
	case strings.HasPrefix(tok, "allow-"):
		return authtest.Output(strings.TrimPrefix(tok, "allow-"), "Allow", base+"/"+stage+"/*/*",
			map[string]any{"tenant": "t-" + strings.TrimPrefix(tok, "allow-"), "admin": true, "level": 3}), ""
	case tok == "pets-only":
		return authtest.Output("pets", "Allow", base+"/"+stage+"/GET/pets", nil), ""
	case tok == "deny":
		return authtest.Output("nobody", "Deny", base+"/*", nil), ""
	case tok == "boom":
		return nil, "Unauthorized"
	case tok == "crash":
		return nil, "something broke"
	case tok == "bad":
		return json.RawMessage(`{"principalId":"x","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"nested":{"a":1}}}`), ""
	}
	return authtest.Output("other", "Deny", "*", nil), ""
}

func authorizerAPI(fn *authtest.Function, ttl int) *apiBuilder {
	b := newAPI("api1")
	b.snap.Authorizers = []model.Authorizer{{ID: "tok", RestAPIID: "api1", Name: "tok", Type: model.AuthorizerToken,
		AuthorizerURI: fn.URL, IdentitySource: "method.request.header.Authorization",
		IdentityValidationExpression: `[a-z-]+`, AuthorizerResultTTLInSeconds: &ttl}}
	in, resp := mock("200", `{"principal":"$context.authorizer.principalId","tenant":"$context.authorizer.tenant","admin":"$context.authorizer.admin"}`)
	custom := model.Method{Authorization: model.AuthCustom, AuthorizerID: "tok"}
	b.methodWith(custom, "/pets", "GET", in, resp)
	b.methodWith(custom, "/other", "GET", in, resp)
	return b
}

func get(t *testing.T, url, token string) result {
	t.Helper()
	req := newRequest(t, "GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	return do(t, req)
}

// TestFunctionAuthorizer_Token: a TOKEN authorizer, as API Gateway calls it: its answer decides (200,
// 403 explicit deny, 401 for a missing token, for one failing the validation expression and for the
// function's "Unauthorized", 500 {"message":null} for an answer that is not usable), and its context
// reaches templates. Decisions are cached per token and evaluated against each request's method ARN.
func TestFunctionAuthorizer_Token(t *testing.T) {
	fn := authtest.NewFunction(t, tokenDecider)
	s := newServer(t)
	base := serve(t, s)
	setStage(t, s, "prod", nil, authorizerAPI(fn, 300))

	tests := []struct {
		name, path, token string
		status            int
		body              string
		calls             int64 // calls of the function this request makes
	}{
		{"allowed", "/pets", "allow-ann", 200, `{"principal":"ann","tenant":"t-ann","admin":"true"}`, 1},
		{"allowed from the cache", "/pets", "allow-ann", 200, `{"principal":"ann","tenant":"t-ann","admin":"true"}`, 0},
		{"cached wildcard policy serves another method", "/other", "allow-ann", 200, `{"principal":"ann","tenant":"t-ann","admin":"true"}`, 0},
		{"explicit deny", "/pets", "deny", 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`, 1},
		{"missing token", "/pets", "", 401, `{"message":"Unauthorized"}`, 0},
		{"token failing the validation expression", "/pets", "Bearer 123", 401, `{"message":"Unauthorized"}`, 0},
		{"function says Unauthorized", "/pets", "boom", 401, `{"message":"Unauthorized"}`, 1},
		{"function fails", "/pets", "crash", 500, `{"message":null}`, 1},
		{"nested context", "/pets", "bad", 500, `{"message":null}`, 1},
		{"policy for one method", "/pets", "pets-only", 200, `{"principal":"pets","tenant":"","admin":""}`, 1},
		{"cached policy evaluated against another method", "/other", "pets-only", 403, `{"message":"User is not authorized to access this resource"}`, 0},
	}
	for _, tc := range tests {
		before := fn.Calls()
		got := get(t, base+"/api1/prod"+tc.path, tc.token)
		if got.Status != tc.status || got.Body != tc.body {
			t.Errorf("%s: GET %s = %d %s, want %d %s", tc.name, tc.path, got.Status, got.Body, tc.status, tc.body)
		}
		if n := fn.Calls() - before; n != tc.calls {
			t.Errorf("%s: function called %d times, want %d", tc.name, n, tc.calls)
		}
		if tc.status == 500 && got.Header.Get("X-Amzn-Errortype") != "AuthorizerConfigurationException" {
			t.Errorf("%s: x-amzn-ErrorType = %q, want AuthorizerConfigurationException", tc.name, got.Header.Get("X-Amzn-Errortype"))
		}
	}
	ev := fn.Last()
	if ev.String("type") != "TOKEN" || !strings.HasPrefix(ev.String("methodArn"), "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/") {
		t.Errorf("last event = %v, want a TOKEN event with the method ARN", ev)
	}
}

// TestFunctionAuthorizer_TTLZero: with authorizer_result_ttl_in_seconds = 0 every request calls the
// function.
func TestFunctionAuthorizer_TTLZero(t *testing.T) {
	fn := authtest.NewFunction(t, tokenDecider)
	s := newServer(t)
	base := serve(t, s)
	setStage(t, s, "prod", nil, authorizerAPI(fn, 0))
	for range 5 {
		if got := get(t, base+"/api1/prod/pets", "allow-bob"); got.Status != 200 {
			t.Fatalf("GET = %d %s", got.Status, got.Body)
		}
	}
	if n := fn.Calls(); n != 5 {
		t.Errorf("function called %d times for 5 requests with TTL 0, want 5", n)
	}
}

// TestFunctionAuthorizer_Singleflight: concurrent requests with one uncached token make one call, and
// a redeploy that keeps the authorizer keeps its cache.
func TestFunctionAuthorizer_Singleflight(t *testing.T) {
	fn := authtest.NewFunction(t, tokenDecider)
	fn.SetDelay(200 * time.Millisecond)
	s := newServer(t)
	base := serve(t, s)
	setStage(t, s, "prod", nil, authorizerAPI(fn, 300))
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(func() *http.Request {
				r, _ := http.NewRequest("GET", base+"/api1/prod/pets", nil)
				r.Header.Set("Authorization", "allow-cy")
				return r
			}())
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Sprint("status ", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := fn.Calls(); n != 1 {
		t.Errorf("function called %d times for 20 concurrent requests of one token, want 1", n)
	}
	setStage(t, s, "prod", map[string]string{"unrelated": "change"}, authorizerAPI(fn, 300))
	if got := get(t, base+"/api1/prod/pets", "allow-cy"); got.Status != 200 || fn.Calls() != 1 {
		t.Errorf("after a redeploy: %d, %d calls; want 200 from the kept cache (1 call)", got.Status, fn.Calls())
	}
}

// TestFunctionAuthorizer_Request: a REQUEST authorizer on a header and a query string gets the proxy-
// style event; a missing source is 401 without a call; the principal and context reach a Lambda proxy
// function (requestContext.authorizer) and an HTTP backend through a parameter mapping
// (context.authorizer.tenant).
func TestFunctionAuthorizer_Request(t *testing.T) {
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		h, q := ev.Map("headers"), ev.Map("queryStringParameters")
		if h["X-Tenant"] == "acme" && q["key"] == "k1" {
			return authtest.Output("acme-user", "Allow", "*", map[string]any{"tenant": "acme"}), ""
		}
		return authtest.Output("x", "Deny", "*", nil), ""
	})
	var seen sync.Map
	lambda := newLambdaFunction(t, func(ev map[string]any) any {
		seen.Store("event", ev)
		return map[string]any{"statusCode": 200, "body": "ok"}
	})
	echo := echoBackend(t)
	ttl := 60
	b := newAPI("api1")
	b.snap.Authorizers = []model.Authorizer{{ID: "req", RestAPIID: "api1", Name: "req", Type: model.AuthorizerRequest,
		AuthorizerURI: fn.URL, IdentitySource: "method.request.header.X-Tenant, method.request.querystring.key",
		AuthorizerResultTTLInSeconds: &ttl}}
	custom := model.Method{Authorization: model.AuthCustom, AuthorizerID: "req"}
	b.methodWith(custom, "/fn", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: lambda})
	b.methodWith(custom, "/http", "GET", model.Integration{Type: model.IntegrationHTTP, URI: echo.URL + "/echo",
		RequestParameters: map[string]string{"integration.request.header.X-Tenant-From-Authorizer": "context.authorizer.tenant",
			"integration.request.header.X-Principal": "context.authorizer.principalId"}},
		model.IntegrationResponse{StatusCode: "200"})
	s := newServer(t)
	base := serve(t, s)
	setStage(t, s, "prod", nil, b)

	req := func(path, tenant string) result {
		r := newRequest(t, "GET", base+"/api1/prod"+path, nil)
		if tenant != "" {
			r.Header.Set("X-Tenant", tenant)
		}
		return do(t, r)
	}
	if got := req("/fn?key=k1", ""); got.Status != 401 || fn.Calls() != 0 {
		t.Errorf("missing header: %d %s after %d calls, want 401 without a call", got.Status, got.Body, fn.Calls())
	}
	if got := req("/fn", "acme"); got.Status != 401 || fn.Calls() != 0 {
		t.Errorf("missing query string: %d %s after %d calls, want 401 without a call", got.Status, got.Body, fn.Calls())
	}
	if got := req("/fn?key=k1", "acme"); got.Status != 200 {
		t.Fatalf("allowed: %d %s", got.Status, got.Body)
	}
	ev := fn.Last()
	if ev.String("type") != "REQUEST" || ev.String("httpMethod") != "GET" || ev.String("path") != "/fn" || ev.String("resource") != "/fn" ||
		ev.Map("requestContext")["stage"] != "prod" || ev.Map("stageVariables") != nil && len(ev.Map("stageVariables")) != 0 {
		t.Errorf("REQUEST event = %v", ev)
	}
	v, _ := seen.Load("event")
	rc := v.(map[string]any)["requestContext"].(map[string]any)
	az, _ := rc["authorizer"].(map[string]any)
	if az["principalId"] != "acme-user" || az["tenant"] != "acme" {
		t.Errorf("lambda requestContext.authorizer = %v, want principalId acme-user and tenant acme", rc["authorizer"])
	}
	if got := req("/fn?key=k2", "acme"); got.Status != 403 {
		t.Errorf("denied: %d %s", got.Status, got.Body)
	}
	got := req("/http?key=k1", "acme")
	if got.Status != 200 {
		t.Fatalf("http: %d %s", got.Status, got.Body)
	}
	e := decodeEcho(t, got.Body)
	if e.Header.Get("X-Tenant-From-Authorizer") != "acme" || e.Header.Get("X-Principal") != "acme-user" {
		t.Errorf("backend headers %v, want X-Tenant-From-Authorizer acme and X-Principal acme-user", e.Header)
	}
	if n := fn.Calls(); n != 2 {
		t.Errorf("function called %d times, want 2 (one per distinct identity)", n)
	}
}

// TestFunctionAuthorizer_KeyFromAuthorizer: with api_key_source AUTHORIZER the API key is the
// authorizer's usageIdentifierKey, not x-api-key.
func TestFunctionAuthorizer_KeyFromAuthorizer(t *testing.T) {
	const key = "key-from-the-authorizer-0123456789"
	fn := authtest.NewFunction(t, func(ev authtest.Event) (any, string) {
		out := authtest.Output("u", "Allow", "*", nil)
		if ev.String("authorizationToken") == "with-key" {
			out["usageIdentifierKey"] = key
		}
		return out, ""
	})
	b := authorizerAPI(fn, 300)
	b.snap.RestAPI.APIKeySource = "AUTHORIZER"
	for i := range b.snap.Methods {
		b.snap.Methods[i].APIKeyRequired = true
	}
	s := newServer(t)
	base := serve(t, s)
	setMetering(t, s, model.MeteringSnapshot{
		Keys:     []model.APIKeyHash{{ID: "k1", Name: "k1", Enabled: true, ValueHash: apikey.Hash(key)}},
		Plans:    []model.UsagePlan{{ID: "p1", Name: "p1", APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "prod"}}}},
		PlanKeys: []model.UsagePlanKey{{UsagePlanID: "p1", KeyID: "k1"}},
	})
	setStage(t, s, "prod", nil, b)
	if got := get(t, base+"/api1/prod/pets", "with-key"); got.Status != 200 {
		t.Errorf("usageIdentifierKey in a plan: %d %s, want 200", got.Status, got.Body)
	}
	r := newRequest(t, "GET", base+"/api1/prod/pets", nil)
	r.Header.Set("Authorization", "no-key")
	r.Header.Set("X-Api-Key", key)
	if got := do(t, r); got.Status != 403 || got.Body != `{"message":"Forbidden"}` {
		t.Errorf("x-api-key with api_key_source AUTHORIZER: %d %s, want 403 Forbidden", got.Status, got.Body)
	}
}

// newLambdaFunction serves a Lambda proxy function over the Invoke API and returns its Invoke URL.
func newLambdaFunction(t *testing.T, handle func(ev map[string]any) any) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(handle(ev))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/2015-03-31/functions/f/invocations"
}

// BenchmarkMockKeyJWTPath is BenchmarkMockPath with an API key in a usage plan and a COGNITO_USER_POOLS
// authorizer (an RS256 ID token of a local issuer, verified once and then served from the cache): what
// the key+JWT checks add to the pipeline.
func BenchmarkMockKeyJWTPath(b *testing.B) {
	const key = "bench-key-0123456789abcdef0123456789"
	iss := authtest.NewIssuer(b)
	s, err := dataplane.New(dataplane.Options{AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	api := newAPI("api1")
	api.snap.Authorizers = []model.Authorizer{{ID: "jwt", Name: "jwt", Type: model.AuthorizerCognito, ProviderARNs: []string{iss.URL},
		Audiences: []string{iss.ClientID}, IdentitySource: model.DefaultIdentitySource}}
	in, resp := mock("200", benchBody)
	api.methodWith(model.Method{Authorization: model.AuthCognito, AuthorizerID: "jwt", APIKeyRequired: true}, "/mock", "GET", in, resp)
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &api.snap); err != nil {
		b.Fatal(err)
	}
	if err := s.SetMetering(model.MeteringSnapshot{
		Keys: []model.APIKeyHash{{ID: "k1", Name: "k1", Enabled: true, ValueHash: apikey.Hash(key)}},
		Plans: []model.UsagePlan{{ID: "p1", Name: "p1", Throttle: &model.ThrottleSettings{RateLimit: 1e12, BurstLimit: 1 << 40},
			APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "prod"}}}},
		PlanKeys: []model.UsagePlanKey{{UsagePlanID: "p1", KeyID: "k1"}},
	}); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api1/prod/mock", nil)
	req.Header.Set("X-Api-Key", key)
	req.Header.Set("Authorization", "Bearer "+iss.IDToken(b, "ann", nil))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
