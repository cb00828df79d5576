package apigw

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

func mustRender(t *testing.T, src string, in *Input) Output {
	t.Helper()
	tm, err := Parse("t", src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	out, err := Render(tm, in)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return out
}

func TestInputPath(t *testing.T) {
	body := `{"a": {"b": [1, 2.5, "x", true, null]}, "items": [{"id": 1, "price": 5}, {"id": 2, "price": 15}], "s": "str", "n": null}`
	tests := []struct{ src, want string }{
		{"$input.path('$.a.b[1]')", "2.5"},
		{"$input.path('a.b[2]')", "x"}, // Jayway reads a path without $ as $.a.b[2]
		{"$input.path('$.a.b').size()", "5"},
		{"$input.path('$.a.b')", `[1,2.5,"x",true,null]`},
		{"$input.path('$.a')", `{b=[1,2.5,"x",true,null]}`},
		{"[$input.path('$.missing')][$input.path('$.n')][$input.path('$.a.b[9]')]", "[][][]"},
		{"$input.path('$.items[*].id')", "[1,2]"},
		{"$input.path('$..id').size()", "2"},
		{"$input.path('$.items[?(@.price > 10)].id')", "[2]"},
		{"$input.path('$.nothing[*]')", "[]"},
		{"$input.json('$.a')", `{"b":[1,2.5,"x",true,null]}`},
		{"$input.json('$.s')", `"str"`},
		{"$input.json('$.items[0]')", `{"id":1,"price":5}`},
		{"[$input.json('$.missing')]", "[]"},
		{"#foreach($i in $input.path('$.items'))$i.id:$i.price #end", "1:5 2:15 "},
		{"$input.path('$').keySet()", "[a, items, s, n]"},
		{"#set($r = $input.path('$'))#set($r.added = 1)$input.path('$.added')", "1"}, // one parse per evaluation, shared
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			out := mustRender(t, tc.src, &Input{Body: []byte(body)})
			if got := string(out.Body); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestInputLenientJSON(t *testing.T) {
	// The permissive parser API Gateway's JSONPath uses takes the documentation's own trailing comma.
	out := mustRender(t, "$input.path('$.Age') $input.path('$.k')", &Input{Body: []byte("{\n \"id\": 1,\n \"Age\": 11,\n k: 'v',\n}")})
	if got := string(out.Body); got != "11 v" {
		t.Errorf("got %q", got)
	}
}

func TestInputBodyNotJSON(t *testing.T) {
	tm, err := Parse("t", "a $input.body b $input.json('$')")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Render(tm, &Input{Body: []byte("not json")})
	var be *BodyError
	if !errors.As(err, &be) || !strings.HasPrefix(err.Error(), "Could not parse request body into json: ") {
		t.Fatalf("Render = %v, want a *BodyError", err)
	}
	// $input.body alone never parses.
	out := mustRender(t, "$input.body", &Input{Body: []byte("not json")})
	if string(out.Body) != "not json" {
		t.Errorf("$input.body = %q", out.Body)
	}
}

func TestInputFormBody(t *testing.T) {
	// Slack's slash commands post forms; templates split $input.path('$') or pass $input.json('$') on.
	in := &Input{Body: []byte("token=abc&text=hello+world"), ContentType: "application/x-www-form-urlencoded"}
	out := mustRender(t, "#foreach($kv in $input.path('$').split('&'))$util.urlDecode($kv.split('=')[1])|#end $input.json('$') [$input.path('$.a')]", in)
	if got, want := string(out.Body), `abc|hello world| "token=abc&text=hello+world" []`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestInputParams(t *testing.T) {
	in := &Input{
		Path:   map[string]string{"id": "p"},
		Query:  map[string]string{"id": "q", "q": "1"},
		Header: map[string]string{"Id": "h", "X-Api-Key": "k"},
	}
	out := mustRender(t, "$input.params('id') $input.params('q') $input.params('x-api-key') [$input.params('none')] $input.params().header.get('X-Api-Key') $input.params().keySet()", in)
	if got, want := string(out.Body), "p 1 k [] k [path, querystring, header]"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestContext(t *testing.T) {
	in := &Input{Context: Context{
		RequestID: "r", ExtendedRequestID: "e", APIID: "api", AccountID: "111111111111", DeploymentID: "d",
		Stage: "testing", ResourceID: "res", ResourcePath: "/sqs", HTTPMethod: "POST", Path: "/testing/sqs",
		Protocol: "HTTP/1.1", DomainName: "api.example.com", DomainPrefix: "api",
		RequestTime: time.Date(2026, 12, 1, 9, 5, 3, 0, time.UTC),
		Identity:    Identity{SourceIP: "192.0.2.1", UserAgent: "curl"},
		Authorizer:  &Authorizer{PrincipalID: "user1", Claims: map[string]string{"sub": "abc"}, Context: map[string]string{"numKey": "1"}},
	}}
	out := mustRender(t, "$context.requestTime $context.requestTimeEpoch $context.identity.sourceIp [$context.identity] [$context.identity.apiKey] $context.authorizer.principalId $context.authorizer.claims.sub [$context.authorizer.claims] $context.authorizer.numKey", in)
	if got, want := string(out.Body), "01/Dec/2026:09:05:03 +0000 1796115903000 192.0.2.1 [] [] user1 abc [] 1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// The order in which AWS listed $context.keySet() (LocalStack's test_sqs_amz_json_protocol snapshot).
	aws := "[resourceId, resourcePath, httpMethod, extendedRequestId, requestTime, path, accountId, protocol, requestOverride, stage, domainPrefix, requestTimeEpoch, requestId, identity, domainName, deploymentId, responseOverride, apiId, authorizer]"
	in.Context.Authorizer = nil
	out = mustRender(t, "$context.keySet()", in)
	if got := string(out.Body); got != strings.TrimSuffix(aws, ", authorizer]")+"]" {
		t.Errorf("$context.keySet() = %s\nwant %s", got, aws)
	}
	out = mustRender(t, "$context.identity.keySet() $context.requestOverride.keySet() $context.responseOverride.keySet()", in)
	if got, want := string(out.Body), "[cognitoIdentityPoolId, accountId, cognitoIdentityId, caller, sourceIp, principalOrgId, accessKey, cognitoAuthenticationType, cognitoAuthenticationProvider, userArn, userAgent, user] [path, header, querystring] [header]"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestErrorContext(t *testing.T) {
	out := mustRender(t, `{"message":$context.error.messageString,"type":"$context.error.responseType"}`, &Input{Context: Context{Error: &ErrorVars{Message: "Missing Authentication Token", ResponseType: "MISSING_AUTHENTICATION_TOKEN"}}})
	if got, want := string(out.Body), `{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// A MOCK integration's request template can set overrides that its response template reads, as in
// LocalStack's AWS-validated test_integration_mock_with_response_override_in_request_template and
// test_integration_mock_with_vtl_map_assignation.
func TestOverridesAcrossTemplates(t *testing.T) {
	req := mustRender(t, `
#set($context.responseOverride.status = 444)
#set($context.responseOverride.header.foo = "bar")
#set($context.responseOverride.custom = "is also passed around")
#set($paramName = "foo")
#set($context.requestOverride.querystring[$paramName] = "bar")
#set($paramPutName = "putfoo")
$context.requestOverride.querystring.put($paramPutName, "putBar")
#set($context["requestOverride"].querystring["nestedfoo"] = "nestedFoo")
#set($context.requestOverride.path.body = "pathval")
{
  "statusCode": 200
}
`, &Input{})
	if st, ok := MockStatus(req.Body); !ok || st != 200 {
		t.Errorf("MockStatus = %d %v", st, ok)
	}
	want := Overrides{
		RequestQuery:   map[string][]string{"foo": {"bar"}, "putfoo": {"putBar"}, "nestedfoo": {"nestedFoo"}},
		RequestPath:    map[string]string{"body": "pathval"},
		ResponseStatus: 444,
		ResponseHeader: map[string][]string{"foo": {"bar"}},
	}
	if diff := cmp.Diff(want, req.Overrides, cmpopts.IgnoreUnexported(Overrides{})); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}
	resp := mustRender(t, `{"statusOverride": "$context.responseOverride.status", "fooHeader": "$context.responseOverride.header.foo", "custom": "$context.responseOverride.custom", "value": "$context.requestOverride.querystring["foo"]", "value2": "$context.requestOverride.querystring.putfoo"}`, &Input{Overrides: &req.Overrides})
	if got, want := string(resp.Body), `{"statusOverride": "444", "fooHeader": "bar", "custom": "is also passed around", "value": "bar", "value2": "putBar"}`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if resp.Overrides.ResponseStatus != 444 {
		t.Errorf("the response keeps the status override: %d", resp.Overrides.ResponseStatus)
	}
}

func TestOverridesAreFinal(t *testing.T) {
	for _, src := range []string{
		"#set($context.requestOverride.header.h = 'a')\n#set($context.requestOverride.header.h = 'b')",
		"#set($context.responseOverride.status = 400)\n#set($context.responseOverride.status = 500)",
		"#set($d = $context.requestOverride.querystring.put('q', 1))\n#set($context.requestOverride.querystring['q'] = 2)",
	} {
		tm, err := Parse("t", src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Render(tm, &Input{})
		var e *vtl.Error
		if !errors.As(err, &e) || e.Line != 2 || !strings.Contains(err.Error(), "overrides are final") {
			t.Errorf("Render(%q) = %v, want an error on line 2 saying overrides are final", src, err)
		}
	}
}

func TestMockStatus(t *testing.T) {
	tests := []struct {
		body   string
		status int
		ok     bool
	}{
		{`{"statusCode": 200}`, 200, true},
		{`{statusCode: 404}`, 404, true},
		{`{"statusCode": "500"}`, 500, true},
		{"\n{\n  \"statusCode\": 201,\n  \"other\": [1]\n}\n", 201, true},
		{`{'statusCode': 302}`, 302, true},
		{`{"statusCode": 200.0}`, 200, true},
		{`{"statusCode": 99}`, 0, false},
		{`{"statusCode": "abc"}`, 0, false},
		{`{"status": 200}`, 0, false},
		{`200`, 0, false},
		{``, 0, false},
		{`{"statusCode": 200`, 0, false},
	}
	for _, tc := range tests {
		st, ok := MockStatus([]byte(tc.body))
		if st != tc.status || ok != tc.ok {
			t.Errorf("MockStatus(%q) = %d, %v, want %d, %v", tc.body, st, ok, tc.status, tc.ok)
		}
	}
}

func TestUtil(t *testing.T) {
	tests := []struct{ src, want string }{
		{`$util.escapeJavaScript("a'b""c\d/e")`, `a\'b\"c\\d\/e`},
		{`$util.escapeJavaScript($input.path('$.s'))`, `tab\there\u00E9\u2028\uD83D\uDE00\u0001`},
		{`[$util.escapeJavaScript($nothing)]`, `[]`},
		{`$util.urlEncode("a b+c&d=é~*")`, `a+b%2Bc%26d%3D%C3%A9%7E*`},
		{`$util.urlDecode("a+b%2Bc%26%C3%A9")`, `a b+c&é`},
		{`$util.base64Encode("héllo")`, `aMOpbGxv`},
		{`$util.base64Decode("aMOpbGxv") $util.base64Decode("aMOpbGxv")`, `héllo héllo`},
		{`#set($o = $util.parseJson('{"k": [1, {"x": "y"}]}'))$o.k[1].x $o`, `y {k=[1,{"x":"y"}]}`},
		{`[$util.nope("x")]`, `[]`},
	}
	in := &Input{Body: []byte(`{"s": "tab\there\u00e9\u2028\ud83d\ude00\u0001"}`)}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			if got := string(mustRender(t, tc.src, in).Body); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, src := range []string{`$util.urlDecode("%zz")`, `$util.urlDecode("%4")`, `$util.base64Decode("***")`, `$util.parseJson("{")`} {
		tm, err := Parse("t", src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Render(tm, &Input{}); err == nil {
			t.Errorf("Render(%s) succeeded, want an error", src)
		}
	}
}

func TestParseJSON(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{`{"a": [1, -2.5e3, "x\u00e9\n", true, false, null], "b": {}}`, `{"a":[1,-2500.0,"xé\n",true,false,null],"b":{}}`, false},
		{`{'a': 'b', c: 1,}`, `{"a":"b","c":1}`, false},
		{`[1, 2,]`, `[1,2]`, false},
		{`12345678901234567890`, `1.2345678901234567E19`, false},
		{`"\ud83d\ude00"`, `"😀"`, false},
		{`{"a": 1} x`, ``, true},
		{`{"a" 1}`, ``, true},
		{`[`, ``, true},
		{strings.Repeat("[", 600) + strings.Repeat("]", 600), ``, true},
	}
	for _, tc := range tests {
		v, err := parseJSON(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("parseJSON(%.40q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil {
			if got := vtl.JSON(v); got != tc.want {
				t.Errorf("parseJSON(%q) = %s, want %s", tc.in, got, tc.want)
			}
		}
	}
}

func TestJSONPathFilterPanic(t *testing.T) {
	tm, err := Parse("t", "$input.path('$.a[?(@.b / 0 > 1)]')")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Render(tm, &Input{Body: []byte(`{"a": [{"b": 1}]}`)})
	t.Logf("Render = %v", err) // either a result or an error, never a panic
}
