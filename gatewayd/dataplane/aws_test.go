package dataplane_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/awstest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const (
	testRegion = "us-east-1"
	testKeyID  = "AKIDGATEWAYDTEST"
	testSecret = "gatewayd-test-secret"
	helloARN   = "arn:aws:lambda:us-east-1:123456789012:function:hello"
	helloURI   = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + helloARN + "/invocations"
)

// awsGateway starts an AWS stand-in that checks signatures, points gatewayd's AWS credentials (through
// the environment, as an operator would) and every service endpoint at it, and serves b.
func awsGateway(t *testing.T, b *apiBuilder, endpoints map[string]string) (*awstest.Server, string) {
	t.Helper()
	emu := awstest.New(t, testRegion, testKeyID, testSecret)
	emu.SetEnv(t)
	if endpoints == nil {
		endpoints = map[string]string{}
	}
	for _, svc := range []string{"lambda", "dynamodb", "states", "sqs", "sts"} {
		if _, ok := endpoints[svc]; !ok {
			endpoints[svc] = emu.URL
		}
	}
	aws, err := awsapi.New(awsapi.Options{Region: testRegion, EndpointURLs: endpoints})
	if err != nil {
		t.Fatal(err)
	}
	s := newServerOf(t, dataplane.Options{AWS: aws})
	base := serve(t, s)
	setStage(t, s, "prod", nil, b)
	return emu, base + "/" + b.snap.RestAPI.ID + "/prod"
}

// TestAWSLambdaARN: an AWS_PROXY integration whose uri is a Lambda ARN invokes that function at the
// Lambda endpoint, signed with the credentials of the environment; the emulator checks every signature.
func TestAWSLambdaARN(t *testing.T) {
	b := newAPI("lam1")
	b.method("/hello", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: helloURI})
	emu, stage := awsGateway(t, b, nil)
	emu.SetFunction("hello", func(ev []byte) ([]byte, string) {
		var e struct {
			Path string `json:"path"`
		}
		json.Unmarshal(ev, &e)
		return []byte(`{"statusCode": 201, "headers": {"X-Fn": "hello"}, "body": "hello from ` + e.Path + `"}`), ""
	})
	for range 2 {
		got := do(t, newRequest(t, "GET", stage+"/hello", nil))
		if got.Status != 201 || got.Body != "hello from /hello" || got.Header.Get("X-Fn") != "hello" {
			t.Fatalf("GET /hello = %d %q %v, want 201 from the function", got.Status, got.Body, got.Header)
		}
	}
	if keys := emu.Signers("lambda"); len(keys) != 2 || keys[0] != testKeyID {
		t.Errorf("lambda calls signed by %q, want two by %s", keys, testKeyID)
	}
	if r := emu.Rejected(); len(r) > 0 {
		t.Errorf("emulator refused %q", r)
	}
}

// TestAWSLambdaARN_BadSignature: an emulator that knows the key with another secret refuses the
// signature, and the method answers 502: the signature is really checked.
func TestAWSLambdaARN_BadSignature(t *testing.T) {
	other := awstest.New(t, testRegion, testKeyID, "another-secret")
	other.SetFunction("hello", func([]byte) ([]byte, string) { return []byte(`{"statusCode":200,"body":"x"}`), "" })
	b := newAPI("lam2")
	b.method("/hello", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: helloURI})
	_, stage := awsGateway(t, b, map[string]string{"lambda": other.URL})
	if got := do(t, newRequest(t, "GET", stage+"/hello", nil)); got.Status != 502 {
		t.Errorf("GET /hello = %d %q, want 502", got.Status, got.Body)
	}
	if r := other.Rejected(); len(r) != 1 || !strings.Contains(r[0], "signature we calculated does not match") {
		t.Errorf("emulator refused %q, want one signature mismatch", r)
	}
}

// TestAWSLambdaNonProxy: type AWS with a Lambda ARN: the request template makes the event, the payload
// is the integration's answer, and a function error selects the integration response whose
// selection_pattern matches its errorMessage (else the default one).
func TestAWSLambdaNonProxy(t *testing.T) {
	b := newAPI("lam3")
	b.method("/pets/{id}", "GET", model.Integration{Type: model.IntegrationAWS, URI: helloURI, IntegrationHTTPMethod: "POST",
		RequestTemplates: map[string]string{"application/json": `{"id": "$input.params('id')"}`}},
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"pet": $input.json('$.pet')}`}},
		model.IntegrationResponse{StatusCode: "404", SelectionPattern: "Not found:.*",
			ResponseTemplates: map[string]string{"application/json": `{"error": "$input.path('$.errorMessage')"}`}},
		model.IntegrationResponse{StatusCode: "400", SelectionPattern: ".*[Ii]nvalid.*"})
	emu, stage := awsGateway(t, b, nil)
	emu.SetFunction("hello", func(ev []byte) ([]byte, string) {
		var e struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(ev, &e); err != nil {
			return nil, "event is not JSON: " + string(ev)
		}
		switch e.ID {
		case "7":
			return nil, "Not found: pet 7"
		case "x":
			return nil, "invalid id x"
		case "boom":
			return nil, "something else"
		}
		return []byte(`{"pet": {"id": "` + e.ID + `", "name": "Rex"}}`), ""
	})
	tests := []struct {
		id     string
		status int
		body   string
	}{
		{"1", 200, `{"pet": {"id":"1","name":"Rex"}}`},
		{"7", 404, `{"error": "Not found: pet 7"}`},
		{"x", 400, `{"errorMessage":"invalid id x","errorType":"Error"}`},
		{"boom", 200, `{"pet": }`}, // an unmatched error takes the default response, as in API Gateway
	}
	for _, tc := range tests {
		got := do(t, newRequest(t, "GET", stage+"/pets/"+tc.id, nil))
		if got.Status != tc.status || strings.TrimSpace(got.Body) != tc.body {
			t.Errorf("GET /pets/%s = %d %q, want %d %q", tc.id, got.Status, got.Body, tc.status, tc.body)
		}
	}
	if ev := emu.Events("hello"); len(ev) != 4 || string(ev[0]) != `{"id": "1"}` {
		t.Errorf("function events = %q, want the template's output", ev)
	}
}

// TestAWSDynamoDB: a POST writes an item with PutItem and a GET reads it back with GetItem, both
// type AWS action integrations whose templates build the JSON protocol's body.
func TestAWSDynamoDB(t *testing.T) {
	b := newAPI("ddb1")
	b.method("/items", "POST", model.Integration{Type: model.IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
		IntegrationHTTPMethod: "POST",
		RequestTemplates:      map[string]string{"application/json": `{"TableName": "items", "Item": {"id": {"S": "$input.path('$.id')"}, "name": {"S": "$util.escapeJavaScript($input.path('$.name'))"}}}`}},
		model.IntegrationResponse{StatusCode: "201", ResponseTemplates: map[string]string{"application/json": `{"stored": true}`}},
		model.IntegrationResponse{StatusCode: "400", SelectionPattern: "4\\d\\d"})
	b.method("/items/{id}", "GET", model.Integration{Type: model.IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem",
		IntegrationHTTPMethod: "POST",
		RequestTemplates:      map[string]string{"application/json": `{"TableName": "items", "Key": {"id": {"S": "$input.params('id')"}}}`}},
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `#if($input.path('$.Item') == "")#set($context.responseOverride.status = 404){"message": "no item"}#else{"id": "$input.path('$.Item.id.S')", "name": "$input.path('$.Item.name.S')"}#end`}})
	emu, stage := awsGateway(t, b, nil)
	put := do(t, newRequest(t, "POST", stage+"/items", strings.NewReader(`{"id": "42", "name": "Ada \"L\""}`)))
	if put.Status != 201 || put.Body != `{"stored": true}` {
		t.Fatalf("POST /items = %d %q, want 201", put.Status, put.Body)
	}
	if items := emu.Items("items"); len(items) != 1 {
		t.Fatalf("table items = %v, want the one item", items)
	}
	got := do(t, newRequest(t, "GET", stage+"/items/42", nil))
	if got.Status != 200 || got.Body != `{"id": "42", "name": "Ada "L""}` {
		t.Errorf("GET /items/42 = %d %q, want the item back", got.Status, got.Body)
	}
	if got := do(t, newRequest(t, "GET", stage+"/items/43", nil)); got.Status != 404 {
		t.Errorf("GET /items/43 = %d %q, want 404", got.Status, got.Body)
	}
	if keys := emu.Signers("dynamodb"); len(keys) < 3 || slices.ContainsFunc(keys, func(k string) bool { return k != testKeyID }) {
		t.Errorf("dynamodb calls signed by %q, want each by %s", keys, testKeyID)
	}
}

// TestAWSStepFunctionsAndSQS: a Step Functions StartExecution (JSON protocol) and an SQS SendMessage in
// both URI forms (query protocol: Action and Version in a form body).
func TestAWSStepFunctionsAndSQS(t *testing.T) {
	b := newAPI("sfn1")
	b.method("/orders", "POST", model.Integration{Type: model.IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:states:action/StartExecution",
		IntegrationHTTPMethod: "POST",
		RequestTemplates:      map[string]string{"application/json": `{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:orders", "input": "$util.escapeJavaScript($input.json('$'))"}`}},
		model.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"execution": "$input.path('$.executionArn')"}`}},
		model.IntegrationResponse{StatusCode: "400", SelectionPattern: "4\\d\\d"})
	b.method("/queue", "POST", model.Integration{Type: model.IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
		IntegrationHTTPMethod: "POST",
		RequestTemplates:      map[string]string{"application/json": `QueueUrl=$util.urlEncode("https://sqs.us-east-1.amazonaws.com/123456789012/orders")&MessageBody=$util.urlEncode($input.body)`}},
		model.IntegrationResponse{StatusCode: "202", ResponseTemplates: map[string]string{"application/json": `{"queued": true}`}},
		model.IntegrationResponse{StatusCode: "400", SelectionPattern: "4\\d\\d"})
	b.method("/queue2", "POST", model.Integration{Type: model.IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:sqs:path/123456789012/audit",
		IntegrationHTTPMethod: "POST",
		RequestParameters:     map[string]string{"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
		RequestTemplates:      map[string]string{"application/json": `Action=SendMessage&Version=2012-11-05&MessageBody=$util.urlEncode($input.body)`}},
		model.IntegrationResponse{StatusCode: "202"},
		model.IntegrationResponse{StatusCode: "400", SelectionPattern: "4\\d\\d"})
	emu, stage := awsGateway(t, b, nil)

	got := do(t, newRequest(t, "POST", stage+"/orders", strings.NewReader(`{"order": 1}`)))
	if got.Status != 200 || got.Body != `{"execution": "arn:aws:states:us-east-1:123456789012:execution:orders:run-1"}` {
		t.Errorf("POST /orders = %d %q, want the execution's ARN", got.Status, got.Body)
	}
	if ex := emu.Executions(); len(ex) != 1 || ex[0]["input"] != `{"order":1}` {
		t.Errorf("executions = %v, want one with the request as input", ex)
	}
	for _, p := range []string{"/queue", "/queue2"} {
		if got := do(t, newRequest(t, "POST", stage+p, strings.NewReader(`{"a": "b&c"}`))); got.Status != 202 {
			t.Errorf("POST %s = %d %q, want 202", p, got.Status, got.Body)
		}
	}
	if m := emu.Messages("orders"); len(m) != 1 || m[0] != `{"a": "b&c"}` {
		t.Errorf("orders queue = %q, want the request body", m)
	}
	if m := emu.Messages("audit"); len(m) != 1 || m[0] != `{"a": "b&c"}` {
		t.Errorf("audit queue = %q, want the request body", m)
	}
	if r := emu.Rejected(); len(r) > 0 {
		t.Errorf("emulator refused %q", r)
	}
}

// TestAWSAssumeRole: an integration's credentials name a role: gatewayd assumes it through STS once,
// keeps the credentials cached, and signs with them (the emulator issued them for that role).
func TestAWSAssumeRole(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/apigw-invoke"
	b := newAPI("role1")
	b.method("/hello", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: helloURI, Credentials: role})
	emu, stage := awsGateway(t, b, nil)
	emu.SetFunction("hello", func([]byte) ([]byte, string) { return []byte(`{"statusCode":200,"body":"ok"}`), "" })
	for range 3 {
		if got := do(t, newRequest(t, "GET", stage+"/hello", nil)); got.Status != 200 {
			t.Fatalf("GET /hello = %d %q, want 200 (refused: %q)", got.Status, got.Body, emu.Rejected())
		}
	}
	if sts := emu.Signers("sts"); len(sts) != 1 || sts[0] != testKeyID {
		t.Errorf("STS calls signed by %q, want one AssumeRole with the environment's key", sts)
	}
	keys := emu.Signers("lambda")
	if len(keys) != 3 || keys[0] != keys[2] || emu.RoleOf(keys[0]) != role {
		t.Errorf("lambda calls signed by %q (role %q), want three by the key issued for %s", keys, emu.RoleOf(keys[0]), role)
	}
}

// TestAWSAuthorizerLambdaARN: a TOKEN authorizer whose authorizer_uri is a Lambda ARN is invoked
// signed, like an integration.
func TestAWSAuthorizerLambdaARN(t *testing.T) {
	b := newAPI("auth1")
	ttl := 0
	b.snap.Authorizers = []model.Authorizer{{ID: "tok", RestAPIID: "auth1", Name: "tok", Type: model.AuthorizerToken,
		AuthorizerURI:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
		IdentitySource: "method.request.header.Authorization", AuthorizerResultTTLInSeconds: &ttl}}
	in, resp := mock("200", `{"principal": "$context.authorizer.principalId"}`)
	b.methodWith(model.Method{Authorization: model.AuthCustom, AuthorizerID: "tok"}, "/pets", "GET", in, resp)
	emu, stage := awsGateway(t, b, nil)
	emu.SetFunction("auth", func(ev []byte) ([]byte, string) {
		var e struct {
			Token     string `json:"authorizationToken"`
			MethodArn string `json:"methodArn"`
		}
		json.Unmarshal(ev, &e)
		if e.Token != "allow" {
			return nil, "Unauthorized"
		}
		return []byte(`{"principalId": "ada", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "` + e.MethodArn + `"}]}}`), ""
	})
	if got := get(t, stage+"/pets", "allow"); got.Status != 200 || got.Body != `{"principal": "ada"}` {
		t.Errorf("GET /pets allowed = %d %q, want 200 for ada", got.Status, got.Body)
	}
	if got := get(t, stage+"/pets", "deny"); got.Status != 401 {
		t.Errorf("GET /pets refused = %d %q, want 401", got.Status, got.Body)
	}
	if keys := emu.Signers("lambda"); len(keys) != 2 {
		t.Errorf("authorizer calls = %q, want two signed calls", keys)
	}
}

// TestAWSEndpointFromEnv: with no option, AWS_ENDPOINT_URL_LAMBDA (the AWS SDKs' convention) names the
// Lambda endpoint.
func TestAWSEndpointFromEnv(t *testing.T) {
	emu := awstest.New(t, testRegion, testKeyID, testSecret)
	emu.SetEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", emu.URL+"/")
	aws, err := awsapi.New(awsapi.Options{Region: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := aws.Endpoint("lambda", "us-east-1", "aws")
	if err != nil || ep.URL() != emu.URL || !ep.Override {
		t.Errorf("Endpoint(lambda) = %+v, %v, want %s", ep, err, emu.URL)
	}
	u, _ := url.Parse(emu.URL)
	if ep.Addr != u.Host {
		t.Errorf("Endpoint(lambda).Addr = %q, want %q", ep.Addr, u.Host)
	}
	if ep, _ := aws.Endpoint("dynamodb", "eu-west-1", "aws"); ep.URL() != "https://dynamodb.eu-west-1.amazonaws.com" || ep.Override {
		t.Errorf("Endpoint(dynamodb) = %+v, want AWS's regional endpoint", ep)
	}
	if ep, _ := aws.Endpoint("lambda", "cn-north-1", "aws-cn"); ep.URL() != emu.URL {
		t.Errorf("Endpoint(lambda, cn) = %+v, want the override", ep)
	}
}

// TestAWSFailures: a function that does not exist answers 502; with no credentials anywhere in the
// default chain, a signed call cannot be made and the method answers 500, without calling anything.
func TestAWSFailures(t *testing.T) {
	b := newAPI("fail1")
	b.method("/missing", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: strings.Replace(helloURI, "hello", "nobody", 1)})
	b.method("/missing2", "POST", model.Integration{Type: model.IntegrationAWS, URI: strings.Replace(helloURI, "hello", "nobody", 1), IntegrationHTTPMethod: "POST"},
		model.IntegrationResponse{StatusCode: "200"})
	emu, stage := awsGateway(t, b, nil)
	for _, p := range []string{"GET /missing", "POST /missing2"} {
		verb, path, _ := strings.Cut(p, " ")
		if got := do(t, newRequest(t, verb, stage+path, nil)); got.Status != 502 {
			t.Errorf("%s = %d %q, want 502", p, got.Status, got.Body)
		}
	}
	if n := len(emu.Signers("lambda")); n != 2 {
		t.Errorf("lambda calls = %d, want 2", n)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	b2 := newAPI("fail2")
	b2.method("/hello", "GET", model.Integration{Type: model.IntegrationAWSProxy, URI: helloURI})
	aws, err := awsapi.New(awsapi.Options{Region: testRegion, EndpointURLs: map[string]string{"lambda": emu.URL}})
	if err != nil {
		t.Fatal(err)
	}
	s := newServerOf(t, dataplane.Options{AWS: aws})
	base := serve(t, s)
	setStage(t, s, "prod", nil, b2)
	if got := do(t, newRequest(t, "GET", base+"/fail2/prod/hello", nil)); got.Status != 500 {
		t.Errorf("GET /hello without credentials = %d %q, want 500", got.Status, got.Body)
	}
	if n := len(emu.Signers("lambda")) + len(emu.Rejected()); n != 2 {
		t.Errorf("calls reaching the emulator = %d, want none more", n-2)
	}
}
