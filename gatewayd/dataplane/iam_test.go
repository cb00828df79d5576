package dataplane_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const (
	aliceKey, aliceSecret = "AKIAALICE00000000001", "alice-secret-0123456789012345678901234567"
	bobKey, bobSecret     = "AKIABOB0000000000001", "bob-secret-01234567890123456789012345678"
)

func iamSnapshot() model.IAMSnapshot {
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:*:api1/prod/GET/*"}]}`
	return model.IAMSnapshot{
		Credentials: []model.IAMCredential{
			{AccessKeyID: aliceKey, Secret: aliceSecret, Active: true, UserName: "alice", UserARN: model.IAMUserARN("/", "alice"), UniqueID: "AIDAALICE"},
			{AccessKeyID: bobKey, Secret: bobSecret, Active: true, UserName: "bob", UserARN: model.IAMUserARN("/", "bob"), UniqueID: "AIDABOB"},
		},
		Policies: map[string][]model.IAMUserPolicy{"alice": {{UserName: "alice", Name: "invoke", Policy: allow}}},
	}
}

func iamAPI(policy string) *apiBuilder {
	b := newAPI("api1")
	b.snap.RestAPI.Policy = policy
	in, resp := mock("200", `$context.identity.user $context.identity.userArn $context.identity.accessKey`)
	b.methodWith(model.Method{Authorization: model.AuthIAM}, "/pets", "GET", in, resp)
	b.methodWith(model.Method{Authorization: model.AuthIAM}, "/pets", "POST", in, resp)
	return b
}

// sdkGet sends a request signed by the AWS SDK for Go v2's signer.
func sdkDo(t *testing.T, method, url, key, secret string, body string, at time.Time) result {
	t.Helper()
	req := newRequest(t, method, url, strings.NewReader(body))
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), "execute-api", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// TestIAM: AWS_IAM methods verify SigV4 signatures of gatewayd's IAM users: the AWS SDK's signer and
// curl --aws-sigv4 pass for a user whose policy allows; a wrong secret, a stale date and a user
// without permission get 403; the signer appears in $context.identity.
func TestIAM(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	if err := s.SetIAM(iamSnapshot()); err != nil {
		t.Fatal(err)
	}
	setStage(t, s, "prod", nil, iamAPI(""))
	url := base + "/api1/prod/pets"
	want := "AIDAALICE arn:aws:iam::000000000000:user/alice " + aliceKey
	if got := sdkDo(t, "GET", url, aliceKey, aliceSecret, "", time.Now()); got.Status != 200 || got.Body != want {
		t.Errorf("SDK-signed GET = %d %s, want 200 %s", got.Status, got.Body, want)
	}
	if got := sdkDo(t, "GET", url, aliceKey, "wrong-secret", "", time.Now()); got.Status != 403 ||
		!strings.Contains(got.Body, "The request signature we calculated does not match") {
		t.Errorf("wrong secret = %d %s", got.Status, got.Body)
	}
	if got := sdkDo(t, "GET", url, aliceKey, aliceSecret, "", time.Now().Add(-10*time.Minute)); got.Status != 403 ||
		!strings.Contains(got.Body, "Signature expired") {
		t.Errorf("stale date = %d %s", got.Status, got.Body)
	}
	if got := sdkDo(t, "GET", url, bobKey, bobSecret, "", time.Now()); got.Status != 403 ||
		got.Body != `{"message":"User: arn:aws:iam::000000000000:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/pets"}` {
		t.Errorf("user without permission = %d %s", got.Status, got.Body)
	}
	if got := sdkDo(t, "POST", url, aliceKey, aliceSecret, `{"a":1}`, time.Now()); got.Status != 403 {
		t.Errorf("POST outside alice's policy = %d %s, want 403", got.Status, got.Body)
	}
	// A presigned URL (query-string form, UNSIGNED-PAYLOAD as awscli/botocore sign it) is used as is.
	preq := newRequest(t, "GET", url+"?X-Amz-Expires=60", nil)
	signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret},
		preq, "UNSIGNED-PAYLOAD", "execute-api", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := do(t, newRequest(t, "GET", signedURL, nil)); got.Status != 200 || got.Body != want {
			t.Errorf("presigned URL = %d %s, want 200 %s", got.Status, got.Body, want)
		}
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	out, err := exec.Command("curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", aliceKey+":"+aliceSecret,
		"-w", " %{http_code}", url).CombinedOutput()
	if err != nil || string(out) != want+" 200" {
		t.Errorf("curl --aws-sigv4 = %q, %v; want %q", out, err, want+" 200")
	}
}

// TestResourcePolicy: an API's resource policy combines with each authorization as API Gateway's
// tables say: it denies a CIDR whatever the method's authorization, is required to allow a NONE
// method, and allows an IAM caller its own policy is silent on.
func TestResourcePolicy(t *testing.T) {
	s := newServer(t)
	base := serve(t, s)
	if err := s.SetIAM(iamSnapshot()); err != nil {
		t.Fatal(err)
	}
	denyLoopback := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
	  {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["127.0.0.0/8"]}}}]}`
	allowBob := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/POST/*"},
	  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/open","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	fn := authtest.NewFunction(t, tokenDecider)
	build := func(policy string) *apiBuilder {
		b := iamAPI(policy)
		in, resp := mock("200", "open")
		b.method("/open", "GET", in, resp)
		b.method("/closed", "GET", in, resp)
		ttl := 300
		b.snap.Authorizers = []model.Authorizer{{ID: "tok", Name: "tok", Type: model.AuthorizerToken, AuthorizerURI: fn.URL,
			IdentitySource: model.DefaultIdentitySource, AuthorizerResultTTLInSeconds: &ttl}}
		b.methodWith(model.Method{Authorization: model.AuthCustom, AuthorizerID: "tok"}, "/custom", "GET", in, resp)
		return b
	}
	setStage(t, s, "prod", nil, build(denyLoopback))
	if got := sdkDo(t, "GET", base+"/api1/prod/pets", aliceKey, aliceSecret, "", time.Now()); got.Status != 403 || !strings.Contains(got.Body, "with an explicit deny") {
		t.Errorf("IAM caller from a denied CIDR = %d %s", got.Status, got.Body)
	}
	if got := get(t, base+"/api1/prod/open", ""); got.Status != 403 {
		t.Errorf("NONE from a denied CIDR = %d %s", got.Status, got.Body)
	}
	calls := fn.Calls()
	if got := get(t, base+"/api1/prod/custom", "allow-ann"); got.Status != 403 || fn.Calls() != calls {
		t.Errorf("CUSTOM from a denied CIDR = %d %s (%d calls), want 403 before calling the function", got.Status, got.Body, fn.Calls()-calls)
	}

	setStage(t, s, "prod", nil, build(allowBob))
	if got := get(t, base+"/api1/prod/open", ""); got.Status != 200 {
		t.Errorf("NONE allowed by the policy = %d %s", got.Status, got.Body)
	}
	if got := get(t, base+"/api1/prod/closed", ""); got.Status != 403 {
		t.Errorf("NONE the policy is silent on = %d %s, want 403", got.Status, got.Body)
	}
	if got := sdkDo(t, "POST", base+"/api1/prod/pets", bobKey, bobSecret, "{}", time.Now()); got.Status != 200 {
		t.Errorf("IAM user allowed by the resource policy alone = %d %s", got.Status, got.Body)
	}
	if got := get(t, base+"/api1/prod/custom", "allow-ann"); got.Status != 200 {
		t.Errorf("CUSTOM allowed by its authorizer, resource policy silent = %d %s", got.Status, got.Body)
	}
}
