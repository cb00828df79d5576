package control_test

import (
	"net/http"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func TestAuthorizers(t *testing.T) {
	f := newFixture(t)
	api := f.api.ID
	const uri = "http://127.0.0.1:3001/2015-03-31/functions/auth/invocations"
	zero := 0
	tests := []struct {
		name string
		in   model.Authorizer
		want int
	}{
		{"no uri", model.Authorizer{Name: "a"}, http.StatusBadRequest},
		{"lambda arn", model.Authorizer{Name: "a", AuthorizerURI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations"}, http.StatusBadRequest},
		{"ttl too long", model.Authorizer{Name: "a", AuthorizerURI: uri, AuthorizerResultTTLInSeconds: new(3601)}, http.StatusBadRequest},
		{"token with two sources", model.Authorizer{Name: "a", AuthorizerURI: uri, IdentitySource: "method.request.header.A,method.request.header.B"}, http.StatusBadRequest},
		{"request cached without sources", model.Authorizer{Name: "a", Type: "REQUEST", AuthorizerURI: uri}, http.StatusBadRequest},
		{"request uncached without sources", model.Authorizer{Name: "a", Type: "REQUEST", AuthorizerURI: uri, AuthorizerResultTTLInSeconds: &zero}, 0},
		{"bad expression", model.Authorizer{Name: "a", AuthorizerURI: uri, IdentityValidationExpression: "("}, http.StatusBadRequest},
		{"cognito without providers", model.Authorizer{Name: "c", Type: "COGNITO_USER_POOLS"}, http.StatusBadRequest},
		{"issuer url without audiences", model.Authorizer{Name: "c", Type: "COGNITO_USER_POOLS", ProviderARNs: []string{"https://issuer.example"}}, http.StatusBadRequest},
		{"plain http issuer", model.Authorizer{Name: "c", Type: "COGNITO_USER_POOLS", ProviderARNs: []string{"http://issuer.example"}, Audiences: []string{"x"}}, http.StatusBadRequest},
		{"cognito pool", model.Authorizer{Name: "c", Type: "COGNITO_USER_POOLS", ProviderARNs: []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCd"}}, 0},
		{"token", model.Authorizer{Name: "t", AuthorizerURI: uri, AuthorizerCredentials: "arn:aws:iam::123456789012:role/invoke"}, 0},
	}
	var tokenID, cognitoID string
	for _, tc := range tests {
		got, err := f.svc.CreateAuthorizer(f.ctx, api, tc.in)
		if status(err) != tc.want {
			t.Fatalf("%s: CreateAuthorizer = %v, want status %d", tc.name, err, tc.want)
		}
		switch tc.name {
		case "token":
			tokenID = got.ID
			if got.Type != "TOKEN" || got.IdentitySource != model.DefaultIdentitySource || got.TTL() != 300 {
				t.Errorf("defaults: %+v", got)
			}
		case "cognito pool":
			cognitoID = got.ID
		}
	}
	res := f.resource(f.api.RootResourceID, "pets")
	id := control.MethodID{RestAPIID: api, ResourceID: res.ID, HTTPMethod: "GET"}
	for _, bad := range []model.Method{
		{Authorization: "CUSTOM", AuthorizerID: "nope000000"},
		{Authorization: "CUSTOM", AuthorizerID: cognitoID},
		{Authorization: "COGNITO_USER_POOLS", AuthorizerID: tokenID},
	} {
		if _, err := f.svc.PutMethod(f.ctx, id, bad, control.Precondition{}); status(err) != http.StatusUnprocessableEntity {
			t.Errorf("PutMethod(%+v) = %v, want 422", bad, err)
		}
	}
	if _, err := f.svc.PutMethod(f.ctx, id, model.Method{Authorization: "NONE", AuthorizationScopes: []string{"read"}}, control.Precondition{}); status(err) != http.StatusBadRequest {
		t.Errorf("scopes without Cognito: %v, want 400", err)
	}
	if _, err := f.svc.PutMethod(f.ctx, id, model.Method{Authorization: "CUSTOM", AuthorizerID: tokenID}, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteAuthorizer(f.ctx, api, tokenID, control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting an authorizer in use: %v, want 409", err)
	}
	cur := must(f.svc.GetAuthorizer(f.ctx, api, tokenID))(t)
	cur.Type, cur.AuthorizerURI, cur.ProviderARNs = "COGNITO_USER_POOLS", "", []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCd"}
	if _, err := f.svc.UpdateAuthorizer(f.ctx, api, tokenID, cur, control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("changing the type of an authorizer a CUSTOM method uses: %v, want 409", err)
	}
	snap := must(f.svc.GetDeploymentSnapshot(f.ctx, api, must(f.svc.CreateDeployment(f.ctx, api, model.Deployment{}, ""))(t).ID))(t)
	if len(snap.Authorizers) != 3 {
		t.Errorf("snapshot has %d authorizers, want 3", len(snap.Authorizers))
	}
	if err := f.svc.DeleteMethod(f.ctx, id, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteAuthorizer(f.ctx, api, tokenID, control.Precondition{}); err != nil {
		t.Errorf("deleting an unused authorizer: %v", err)
	}
}

func TestGatewayResponses(t *testing.T) {
	f := newFixture(t)
	api := f.api.ID
	for _, bad := range []struct {
		typ string
		in  model.GatewayResponse
	}{
		{"NOPE", model.GatewayResponse{}},
		{"UNAUTHORIZED", model.GatewayResponse{StatusCode: "99"}},
		{"UNAUTHORIZED", model.GatewayResponse{ResponseParameters: map[string]string{"method.response.header.X": "'a'"}}},
		{"UNAUTHORIZED", model.GatewayResponse{ResponseTemplates: map[string]string{"application/json": "#if("}}},
	} {
		if _, err := f.svc.PutGatewayResponse(f.ctx, api, bad.typ, bad.in, control.Precondition{}); status(err) != http.StatusBadRequest {
			t.Errorf("PutGatewayResponse(%s, %+v) = %v, want 400", bad.typ, bad.in, err)
		}
	}
	in := model.GatewayResponse{StatusCode: "401", ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}}
	got := must(f.svc.PutGatewayResponse(f.ctx, api, "UNAUTHORIZED", in, control.Precondition{}))(t)
	if got.ResponseType != "UNAUTHORIZED" || got.Version != 1 {
		t.Errorf("PutGatewayResponse = %+v", got)
	}
	if l := must(f.svc.ListGatewayResponses(f.ctx, api))(t); len(l) != 1 {
		t.Errorf("ListGatewayResponses = %v", l)
	}
	if err := f.svc.DeleteGatewayResponse(f.ctx, api, "UNAUTHORIZED", control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetGatewayResponse(f.ctx, api, "UNAUTHORIZED"); status(err) != http.StatusNotFound {
		t.Errorf("after delete: %v, want 404", err)
	}
}
