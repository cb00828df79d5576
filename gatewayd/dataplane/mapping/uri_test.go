package mapping

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

var stageVarRef = regexp.MustCompile(`\$\{stageVariables\.([^}]*)\}`)

// FuzzURI: a URI the admin API accepts always compiles (with stage variables of the stand-in value
// the validation assumes), and the targets it builds are valid request URIs.
func FuzzURI(f *testing.F) {
	for _, s := range []string{"http://h/{proxy+}", "https://h:8443/a/{id}?x=1", "http://${stageVariables.h}/x", "${stageVariables.base}/p/{id}",
		"http://user:pass@h/", "http://h/{proxy", "http+://h/", "h{t}tp://h/", "http://h{x}:1/", "http://[::1]:80/a%20b",
		"arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", "arn:aws:apigateway:us-east-1:sqs:action/SendMessage&QueueUrl=x",
		"arn:aws:apigateway:us-east-1:s3:path/{bucket}/{key+}",
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if model.ValidateIntegrationURI(raw) != nil {
			return
		}
		vars := map[string]string{}
		for _, m := range stageVarRef.FindAllStringSubmatch(raw, -1) {
			vars[m[1]] = "1"
		}
		if strings.HasPrefix(raw, "${stageVariables.") {
			name := stageVarRef.FindStringSubmatch(raw)[1]
			if strings.Count(raw, "${stageVariables."+name+"}") > 1 {
				return // the same variable stands for a base URL and a plain value
			}
			vars[name] = "http://1"
		}
		u, err := CompileURI(raw, vars)
		if err != nil {
			t.Fatalf("ValidateIntegrationURI(%q) accepted it, but CompileURI failed: %v", raw, err)
		}
		target, err := u.Target(func(string) (string, bool) { return "v%20a", true }, "q=1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := url.ParseRequestURI(target); err != nil || !strings.HasPrefix(target, "/") {
			t.Fatalf("CompileURI(%q).Target = %q, not a request URI: %v", raw, target, err)
		}
	})
}

// BenchmarkTarget builds the target of the proxy row of make bench.
func BenchmarkTarget(b *testing.B) {
	u, err := CompileURI("http://127.0.0.1:8081/items/{id}", nil)
	if err != nil {
		b.Fatal(err)
	}
	param := func(string) (string, bool) { return "42", true }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Target(param, "x=1"); err != nil {
			b.Fatal(err)
		}
	}
}
