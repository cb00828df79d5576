package model

import (
	"strings"
	"testing"
)

// FuzzParseIdentitySources: the identity-source parser never panics, and what it accepts prints back
// (IdentitySource.String, joined with commas) to a string it parses to the same sources.
func FuzzParseIdentitySources(f *testing.F) {
	for _, s := range []string{
		"method.request.header.Authorization",
		"method.request.header.X-Tenant, method.request.querystring.key",
		"stageVariables.env,context.identity.sourceIp",
		"method.request.header.a,method.request.header.A",
		"", ",", " , ", "method.request.header.", "context..x", "method.request.querystring.a=b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		srcs, err := ParseIdentitySources(s)
		if err != nil {
			return
		}
		parts := make([]string, len(srcs))
		for i, src := range srcs {
			if src.Name == "" {
				t.Fatalf("ParseIdentitySources(%q) accepted an empty name: %+v", s, srcs)
			}
			parts[i] = src.String()
		}
		again, err := ParseIdentitySources(strings.Join(parts, ","))
		if err != nil {
			t.Fatalf("ParseIdentitySources(%q) = %v, but its printed form %q fails: %v", s, srcs, strings.Join(parts, ","), err)
		}
		if len(again) != len(srcs) {
			t.Fatalf("round trip of %q: %v, then %v", s, srcs, again)
		}
		for i := range srcs {
			if again[i] != srcs[i] {
				t.Fatalf("round trip of %q: %v, then %v", s, srcs, again)
			}
		}
	})
}
