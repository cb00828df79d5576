package function

import (
	"strings"
	"testing"
)

// FuzzDecodeDecision: what Redis hands back is bytes another process could have written.
// decodeDecision never panics, accepts nothing larger than MaxEntryBytes, and a decision it accepts
// encodes back to an entry that decodes to the same decision (the encoding is canonical).
func FuzzDecodeDecision(f *testing.F) {
	policy := `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:*:*:api1/*/GET/pets"}]}`
	f.Add(`1{"principalId":"ann","policyDocument":` + policy + `,"context":{"tenant":"t","level":"3"},"usageIdentifierKey":"k"}`)
	f.Add(`1{"principalId":"ann","policyDocument":` + policy + `,"context":{"a":{"b":1}}}`)
	f.Add(`1{"principalId":"ann","policyDocument":null}`)
	f.Add(`1{"principalId":"ann","policyDocument":` + strings.Replace(policy, "Deny", "Maybe", 1) + `}`)
	f.Add(`2{"principalId":"ann","policyDocument":` + policy + `}`)
	f.Add(`1{}{}`)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := decodeDecision(s)
		if err != nil {
			return
		}
		if len(s) > MaxEntryBytes {
			t.Fatalf("accepted an entry of %d bytes", len(s))
		}
		if d.Policy == nil || d.Authorizer() == nil {
			t.Fatalf("accepted a decision without policy or $context.authorizer: %+v", d)
		}
		enc, ok := encodeDecision(d)
		if !ok { // only a decision that grew past MaxEntryBytes (JSON escapes) may not
			if len(d.policyDoc) == 0 {
				t.Fatalf("accepted decision has no policy document to store: %+v", d)
			}
			return
		}
		again, err := decodeDecision(enc)
		if err != nil {
			t.Fatalf("re-encoded decision does not decode: %v", err)
		}
		if enc2, _ := encodeDecision(again); enc2 != enc {
			t.Fatalf("round trip:\n%s\n%s", enc, enc2)
		}
	})
}
