package dataplane_test

import (
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestGatewayResponses: an API's gateway responses customize what the gateway answers itself: the
// type's own (CORS headers on a 401), else its class (DEFAULT_4XX with a status and a template), and the
// default stays API Gateway's where nothing is customized.
func TestGatewayResponses(t *testing.T) {
	fn := authtest.NewFunction(t, tokenDecider)
	b := authorizerAPI(fn, 300)
	b.snap.GatewayResponses = []model.GatewayResponse{
		{ResponseType: model.ResponseUnauthorized, ResponseParameters: map[string]string{
			"gatewayresponse.header.Access-Control-Allow-Origin":  "'https://app.example'",
			"gatewayresponse.header.Access-Control-Allow-Headers": "'Authorization'",
			"gatewayresponse.header.X-Request-Path":               "context.resourcePath",
		}},
		{ResponseType: model.ResponseDefault4XX, StatusCode: "418", ResponseParameters: map[string]string{
			"gatewayresponse.header.X-Stage": "stageVariables.name",
		}, ResponseTemplates: map[string]string{
			"application/json": `{"error":$context.error.messageString,"type":"$context.error.responseType","stage":"$context.stage"}`,
		}},
	}
	s := newServer(t)
	base := serve(t, s)
	setStage(t, s, "prod", map[string]string{"name": "production"}, b)

	got := get(t, base+"/api1/prod/pets", "")
	if got.Status != 401 || got.Body != `{"message":"Unauthorized"}` || got.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		got.Header.Get("Access-Control-Allow-Headers") != "Authorization" || got.Header.Get("X-Request-Path") != "/pets" {
		t.Errorf("401 = %d %s %v, want 401 with the CORS headers", got.Status, got.Body, got.Header)
	}
	got = get(t, base+"/api1/prod/pets", "deny")
	want := `{"error":"User is not authorized to access this resource with an explicit deny","type":"ACCESS_DENIED","stage":"prod"}`
	if got.Status != 418 || got.Body != want || got.Header.Get("X-Stage") != "production" {
		t.Errorf("403 under DEFAULT_4XX = %d %s %v, want 418 %s", got.Status, got.Body, got.Header, want)
	}
	got = get(t, base+"/api1/prod/nowhere", "")
	want = `{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","stage":"prod"}`
	if got.Status != 418 || got.Body != want {
		t.Errorf("unknown route = %d %s, want 418 %s", got.Status, got.Body, want)
	}
	got = get(t, base+"/api1/prod/pets", "crash")
	if got.Status != 500 || got.Body != `{"message":null}` {
		t.Errorf("5xx without customization = %d %s, want API Gateway's default", got.Status, got.Body)
	}
	got = get(t, base+"/nope/prod/pets", "")
	if got.Status != 403 || got.Body != missingToken {
		t.Errorf("unknown api = %d %s, want the default %s", got.Status, got.Body, missingToken)
	}
}
