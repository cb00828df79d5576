package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
)

// asciiLower lowers ASCII letters only, as header names compare.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// neverReturned are the headers a function's answer never sets, in any case: those of one
// connection (RFC 9110, 7.6.1) and those the gateway sets itself.
var neverReturned = []string{"connection", "proxy-connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "x-gatewayd-request-id"}

// FuzzLambdaResponse checks lambdaResponse's promise on any bytes a function answers: it accepts
// exactly one JSON value (whitespace around it aside) that decodes to a proxy result with a
// statusCode in 100..599 and, when isBase64Encoded, a body in standard base64; anything else is a
// 502. What it accepts keeps the status; the body, decoded when isBase64Encoded; every header
// (multiValueHeaders, overridden by headers) under its canonical name, with its values, but for
// connection headers and those the gateway sets, in any case, which are never returned; and a
// Content-Type, application/json when the function gave none.
//
// It does not promise valid names or values: a CR, LF or NUL in them reaches clientHeaders, which
// drops the header (FuzzClientHeaders).
func FuzzLambdaResponse(f *testing.F) {
	for _, s := range []string{
		`{"statusCode":200,"body":"ok"}`,
		`{"statusCode":201,"headers":{"content-type":"text/plain","X-A":"1"},"multiValueHeaders":{"x-a":["2","3"],"X-B":["4"]},"body":"x"}`,
		`{"statusCode":200,"isBase64Encoded":true,"body":"aGVsbG8="}`,
		`{"statusCode":200,"isBase64Encoded":true,"body":"aGVsbG8"}`,
		`{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`,
		`{"statusCode":200,"isBase64Encoded":true,"body":"aGVs\nbG8="}`,
		`{"statusCode":200,"headers":{"X-A":"a\r\nSet-Cookie: x=1"}}`,
		`{"statusCode":200,"headers":{"X-A\r\nX-B":"1","X-C":"a\u0000b"}}`,
		`{"statusCode":200,"multiValueHeaders":{"X-A":["a\nb",null]}}`,
		`{"statusCode":200,"headers":{"Content-Length":"99","transfer-encoding":"chunked","CONNECTION":"close","Keep-Alive":"1","te":"x","Trailer":"X","Upgrade":"h2c","x-gatewayd-request-id":"forged"}}`,
		`{"statusCode":200,"multiValueHeaders":{"content-length":["1","2"],"Proxy-Connection":["x"]}}`,
		`{"statusCode":200,"headers":{"\u212aeep-Alive":"1"}}`,
		`{"statusCode":200,"headers":{"Content-Type":""}}`,
		`{"statusCode":200,"multiValueHeaders":{"Content-Type":[]}}`,
		`{"statusCode":200,"multiValueHeaders":{"Content-Type":null}}`,
		`{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":null}`,
		`{"statusCode":99}`, `{"statusCode":100}`, `{"statusCode":599}`, `{"statusCode":600}`, `{"statusCode":-1}`,
		`{"statusCode":200.0}`, `{"statusCode":"200"}`, `{"statusCode":null}`, `{"statusCode":1e2}`,
		`{"statusCode":99999999999999999999}`, `{}`, `{"body":"x"}`, `null`, `[]`, `200`, `"x"`, ``, ` `,
		`{"statusCode":200}{"statusCode":500}`, `{"statusCode":200} x`, `{"statusCode":200}}`, `{"statusCode":200}]`,
		`{"statusCode":200}` + "\n", `{"statusCode":200,"statusCode":404}`, `{"STATUSCODE":200}`,
		`{"statusCode":200,"headers":{"a":1}}`, `{"statusCode":200,"isBase64Encoded":"true"}`,
		`{"statusCode":200,"body":"\ud800"}`, "{\"statusCode\":200,\"body\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in := bytes.Clone(body)
		resp, err := lambdaResponse(body)
		if !bytes.Equal(body, in) {
			t.Fatalf("lambdaResponse(%q) modified its input", in)
		}

		// What a proxy result is, read independently: one JSON value, decoded as the result type.
		var res lambdaResult
		var decoded []byte
		valid := json.Unmarshal(body, &res) == nil && res.StatusCode != nil && *res.StatusCode >= 100 && *res.StatusCode <= 599
		if valid && res.IsBase64Encoded {
			var derr error
			decoded, derr = base64.StdEncoding.DecodeString(res.Body)
			valid = derr == nil
		}
		if err != nil {
			var ge *gwerror.Error
			if !errors.As(err, &ge) || ge.Status != http.StatusBadGateway {
				t.Fatalf("lambdaResponse(%q) = %v, want a 502 gwerror", body, err)
			}
			if valid {
				t.Fatalf("lambdaResponse(%q) refused a proxy result: %v", body, err)
			}
			return
		}
		if !valid {
			t.Fatalf("lambdaResponse(%q) accepted what is not a proxy result", body)
		}

		if resp.Status != *res.StatusCode {
			t.Fatalf("lambdaResponse(%q) = status %d", body, resp.Status)
		}
		if !res.IsBase64Encoded {
			decoded = []byte(res.Body)
		}
		if !bytes.Equal(resp.Body, decoded) {
			t.Fatalf("lambdaResponse(%q) = body %q, want %q", body, resp.Body, decoded)
		}

		// Every value a header may have: the function may name it in several cases, and which wins is
		// not promised.
		candidates := map[string][][]string{}
		for k, vv := range res.MultiValueHeaders {
			candidates[http.CanonicalHeaderKey(k)] = append(candidates[http.CanonicalHeaderKey(k)], vv)
		}
		fromHeaders := map[string]bool{}
		for k, v := range res.Headers {
			ck := http.CanonicalHeaderKey(k)
			if !fromHeaders[ck] {
				candidates[ck] = nil // headers overrides multiValueHeaders
				fromHeaders[ck] = true
			}
			candidates[ck] = append(candidates[ck], []string{v})
		}
		for k, vv := range resp.Header {
			if slices.Contains(neverReturned, asciiLower(k)) {
				t.Fatalf("lambdaResponse(%q) returned the header %q: %q", body, k, vv)
			}
			if http.CanonicalHeaderKey(k) != k {
				t.Fatalf("lambdaResponse(%q) returned the name %q, not canonical", body, k)
			}
			given := candidates[k]
			if k == "Content-Type" {
				// The function's when it has a first value, else the default.
				given = slices.DeleteFunc(slices.Clone(given), func(c []string) bool { return len(c) == 0 || c[0] == "" })
				if len(given) < len(candidates[k]) || len(candidates[k]) == 0 {
					given = append(given, []string{"application/json"})
				}
			}
			if !slices.ContainsFunc(given, func(c []string) bool { return slices.Equal(c, vv) && (c == nil) == (vv == nil) }) {
				t.Fatalf("lambdaResponse(%q) returned %s: %q, not one of %q", body, k, vv, candidates[k])
			}
		}
		for k := range candidates {
			if _, ok := resp.Header[k]; !ok && !slices.Contains(neverReturned, asciiLower(k)) {
				t.Fatalf("lambdaResponse(%q) left out the header %q", body, k)
			}
		}
		if resp.Header.Get("Content-Type") == "" {
			t.Fatalf("lambdaResponse(%q) returned no Content-Type", body)
		}
	})
}
