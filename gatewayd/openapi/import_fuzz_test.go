package openapi

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzImport: an imported document is an admin's, but any bytes must end in a definition or an error,
// never a panic; and a definition has what the control plane relies on (a name, one pointer per
// authorizer and gateway response, authorizers with a name).
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"security":[{"tok":[]}]}}},` +
		`"components":{"securitySchemes":{"tok":{"type":"apiKey","name":"Authorization","in":"header",` +
		`"x-amazon-apigateway-authtype":"custom","x-amazon-apigateway-authorizer":{"type":"token",` +
		`"authorizerUri":"http://127.0.0.1:1/f","authorizerResultTtlInSeconds":0}}}},` +
		`"x-amazon-apigateway-gateway-responses":{"UNAUTHORIZED":{"statusCode":401,"responseParameters":` +
		`{"gatewayresponse.header.Access-Control-Allow-Origin":"'*'"}}},` +
		`"x-amazon-apigateway-policy":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",` +
		`"Action":"execute-api:Invoke","Resource":"*"}]}}`))
	f.Add([]byte("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		def, _, err := Import(data, Options{APIID: "api1"})
		if err != nil {
			return
		}
		if def.Name == "" {
			t.Fatal("imported a definition with no name")
		}
		for _, a := range def.Authorizers {
			if a.Name == "" {
				t.Fatal("imported an authorizer with no name")
			}
		}
	})
}
