package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/sigv4"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
)

const (
	akid   = "AKIAEXAMPLE000000001"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	region = "us-east-1"
	host   = "127.0.0.1:8080"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func lookup(id string) (string, bool) { return secret, id == akid }

func payloadHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signed builds a request and signs it with the AWS SDK's signer, as a client does.
func signed(t *testing.T, method, target string, body []byte, hdr http.Header, secretKey string, at time.Time) *sigv4.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+host+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vv := range hdr {
		req.Header[k] = vv
	}
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash(body), "execute-api", region, at); err != nil {
		t.Fatal(err)
	}
	return fromHTTP(req, body)
}

func fromHTTP(req *http.Request, body []byte) *sigv4.Request {
	h := req.Header.Clone()
	if req.ContentLength > 0 {
		h.Set("Content-Length", req.Header.Get("Content-Length"))
	}
	return &sigv4.Request{Method: req.Method, Path: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery, Host: req.Host, Header: h, Body: body}
}

// presigned builds a presigned URL with the SDK and the request a browser would send for it.
func presigned(t *testing.T, target string, expires time.Duration, unsigned bool) *sigv4.Request {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+host+target, nil)
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "300")
	if expires > 0 {
		q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	}
	req.URL.RawQuery = q.Encode()
	ph := payloadHash(nil)
	if unsigned {
		ph = "UNSIGNED-PAYLOAD"
	}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, ph, "execute-api", region, now)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	return &sigv4.Request{Method: "GET", Path: pu.EscapedPath(), RawQuery: pu.RawQuery, Host: host, Header: http.Header{}}
}

func verify(v *sigv4.Verifier, r *sigv4.Request) (int, string) {
	_, err := v.Verify(context.Background(), r, lookup)
	if err == nil {
		return 0, ""
	}
	var ge *gwerror.Error
	if !errors.As(err, &ge) {
		return -1, err.Error()
	}
	return ge.Status, ge.Message
}

func TestVerify(t *testing.T) {
	newV := func() *sigv4.Verifier { return &sigv4.Verifier{Region: region, Now: func() time.Time { return now }} }
	body := []byte(`{"name":"rex"}`)
	ct := http.Header{"Content-Type": {"application/json"}}
	tampered := signed(t, "POST", "/api/prod/pets", body, ct, secret, now)
	tampered.Body = []byte(`{"name":"max"}`)
	otherPath := signed(t, "GET", "/api/prod/pets", nil, nil, secret, now)
	otherPath.Path = "/api/prod/admin"
	tests := []struct {
		name   string
		req    *sigv4.Request
		status int
		msg    string
	}{
		{"signed GET", signed(t, "GET", "/api/prod/pets?b=2&a=1&a=0", nil, nil, secret, now), 0, ""},
		{"signed POST with a body", signed(t, "POST", "/api/prod/pets", body, ct, secret, now), 0, ""},
		{"escaped path", signed(t, "GET", "/api/prod/pets/a%20b", nil, nil, secret, now), 0, ""},
		{"wrong secret", signed(t, "GET", "/api/prod/pets", nil, nil, "not-the-secret", now), 403, "The request signature we calculated does not match"},
		{"body changed", tampered, 403, "The request signature we calculated does not match"},
		{"path changed", otherPath, 403, "The request signature we calculated does not match"},
		{"stale", signed(t, "GET", "/api/prod/pets", nil, nil, secret, now.Add(-6*time.Minute)), 403, "Signature expired: 20261201T115400Z is now earlier than 20261201T115500Z (20261201T120000Z - 5 min.)"},
		{"future", signed(t, "GET", "/api/prod/pets", nil, nil, secret, now.Add(6*time.Minute)), 403, "Signature not yet current"},
		{"unsigned", &sigv4.Request{Method: "GET", Path: "/api/prod/pets", Host: host, Header: http.Header{}}, 403, "Missing Authentication Token"},
		{"bearer", &sigv4.Request{Method: "GET", Path: "/", Host: host, Header: http.Header{"Authorization": {"Bearer x"}}}, 403, "Authorization header requires 'Credential' parameter"},
		{"presigned", presigned(t, "/api/prod/pets", 0, false), 0, ""},
		{"presigned, unsigned payload (botocore)", presigned(t, "/api/prod/pets?x=1", 0, true), 0, ""},
	}
	for _, tc := range tests {
		status, msg := verify(newV(), tc.req)
		if status != tc.status || !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("%s: Verify = %d %q, want %d %q", tc.name, status, msg, tc.status, tc.msg)
		}
	}

	v := newV()
	req := signed(t, "POST", "/api/prod/pets", body, ct, secret, now)
	if status, msg := verify(v, req); status != 0 {
		t.Fatalf("first use: %d %s", status, msg)
	}
	if status, _ := verify(v, req); status != 403 {
		t.Errorf("replay of a header-signed POST: %d, want 403", status)
	}
	get := signed(t, "GET", "/api/prod/pets", nil, nil, secret, now)
	for range 2 {
		if status, msg := verify(v, get); status != 0 {
			t.Errorf("the same GET twice in a second: %d %s, want both served (idempotent)", status, msg)
		}
	}
	link := presigned(t, "/api/prod/pets", 0, false)
	for range 2 {
		if status, msg := verify(v, link); status != 0 {
			t.Errorf("a presigned URL used again: %d %s, want it served until it expires", status, msg)
		}
	}
	late := &sigv4.Verifier{Region: region, Now: func() time.Time { return now.Add(301 * time.Second) }}
	if status, msg := verify(late, link); status != 403 || !strings.HasPrefix(msg, "Request has expired") {
		t.Errorf("expired presigned URL: %d %q", status, msg)
	}
	other := &sigv4.Verifier{Region: "eu-west-1", Now: func() time.Time { return now }}
	if status, msg := verify(other, signed(t, "GET", "/x", nil, nil, secret, now)); status != 403 || !strings.Contains(msg, "region") {
		t.Errorf("signed for another region: %d %q", status, msg)
	}
	unknown := signed(t, "GET", "/x", nil, nil, secret, now)
	unknown.Header.Set("Authorization", strings.Replace(unknown.Header.Get("Authorization"), akid, "AKIAUNKNOWN000000000", 1))
	if status, msg := verify(newV(), unknown); status != 403 || msg != "The security token included in the request is invalid." {
		t.Errorf("unknown access key: %d %q", status, msg)
	}
}
