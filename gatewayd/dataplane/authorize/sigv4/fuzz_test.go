package sigv4_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"golang.org/x/net/http/httpguts"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/sigv4"
)

// FuzzVerify: whatever the request (path, query, a header, body), a request signed by the AWS SDK's
// signer verifies, and the same request with one byte of its body, path or signature changed does not.
// It checks the canonicaliser: the request rebuilt from what the client sent must sign alike.
func FuzzVerify(f *testing.F) {
	f.Add("GET", "/api/prod/pets", "a=1&b=2", "X-Tenant", "acme", []byte(""))
	f.Add("POST", "/api/prod/pets/a%20b", "", "Content-Type", "application/json", []byte(`{"a":1}`))
	f.Add("PUT", "/api/prod/%E2%82%AC/x", "q=%2F&q=a+b&empty=", "X-Multi", "  a   b  ", []byte("body"))
	f.Fuzz(func(t *testing.T, method, path, rawQuery, hname, hvalue string, body []byte) {
		switch method {
		case "GET", "POST", "PUT", "DELETE", "PATCH":
		default:
			return
		}
		u, err := url.Parse("http://" + host + path)
		if err != nil || u.Host != host || u.Path == "" || u.Path[0] != '/' || u.RawQuery != "" || u.Fragment != "" {
			return
		}
		if _, err := url.ParseQuery(rawQuery); err != nil {
			return
		}
		u.RawQuery = rawQuery
		req, err := http.NewRequest(method, u.String(), nil)
		if err != nil {
			return
		}
		if hname != "" {
			ck := http.CanonicalHeaderKey(hname)
			if !httpguts.ValidHeaderFieldName(hname) || !httpguts.ValidHeaderFieldValue(hvalue) || ck == "Authorization" || ck == "Host" ||
				ck == "User-Agent" || ck == "Expect" || ck == "Transfer-Encoding" || ck == "X-Amzn-Trace-Id" || ck == "Content-Length" ||
				ck == "X-Amz-Date" || ck == "X-Amz-Content-Sha256" || ck == "X-Amz-Security-Token" {
				return
			}
			req.Header.Set(hname, hvalue)
		}
		creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash(body), "execute-api", region, now); err != nil {
			return
		}
		r := fromHTTP(req, body)
		v := &sigv4.Verifier{Region: region, Now: func() time.Time { return now }}
		if _, err := v.Verify(context.Background(), r, lookup); err != nil {
			t.Fatalf("a request signed by the SDK does not verify: %v\nrequest: %+v", err, r)
		}
		// Changed after signing: refused.
		bad := *r
		bad.Body = append(append([]byte(nil), body...), 'x')
		if _, err := (&sigv4.Verifier{Region: region, Now: func() time.Time { return now }}).Verify(context.Background(), &bad, lookup); err == nil {
			t.Fatalf("a changed body verified: %+v", bad)
		}
		bad = *r
		bad.Header = r.Header.Clone()
		auth := []byte(bad.Header.Get("Authorization"))
		last := len(auth) - 1
		auth[last] = "01"[(auth[last]-'0'+1)%2]
		if auth[last] == r.Header.Get("Authorization")[last] {
			auth[last] = 'f'
		}
		bad.Header.Set("Authorization", string(auth))
		if _, err := (&sigv4.Verifier{Region: region, Now: func() time.Time { return now }}).Verify(context.Background(), &bad, lookup); err == nil {
			t.Fatalf("a changed signature verified: %+v", bad)
		}
	})
}

// FuzzParse: the signature parser never panics on any Authorization header or query string, and what
// it accepts has a well-formed scope.
func FuzzParse(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIA/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature="+
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "20261201T120000Z", "")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F20261201%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261201T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Add("Bearer x", "", "")
	f.Fuzz(func(t *testing.T, auth, date, rawQuery string) {
		h := http.Header{}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		if date != "" {
			h.Set("X-Amz-Date", date)
		}
		q, _ := url.ParseQuery(rawQuery)
		sig, err := sigv4.Parse(h, q)
		if err != nil {
			return
		}
		if sig.AccessKeyID == "" || sig.Region == "" || sig.Service == "" || len(sig.Signature) != 64 || len(sig.SignedHeaders) == 0 {
			t.Fatalf("Parse accepted an incomplete signature: %+v", sig)
		}
	})
}
