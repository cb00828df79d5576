package iampolicy

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

const arn = "arn:aws:execute-api:us-east-1:000000000000:api1/prod/GET/pets/7"

func TestEvaluate(t *testing.T) {
	alice := "arn:aws:iam::000000000000:user/alice"
	ip := netip.MustParseAddr("192.0.2.10")
	tests := []struct {
		name, doc string
		kind      Kind
		req       Request
		want      Effect
	}{
		{"allow wildcard", `{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:api1/*/GET/*"}}`,
			Identity, Request{Action: "execute-api:Invoke", Resource: arn}, Allow},
		{"action case-insensitive", `{"Statement":{"Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}}`,
			Identity, Request{Action: "execute-api:Invoke", Resource: arn}, Allow},
		{"other method", `{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:api1/*/POST/*"}}`,
			Identity, Request{Action: "execute-api:Invoke", Resource: arn}, NoMatch},
		{"deny wins", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"execute-api:*","Resource":"` + arn + `"}]}`,
			Identity, Request{Action: "execute-api:Invoke", Resource: arn}, Deny},
		{"not resource", `{"Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/DELETE/*"}}`,
			Identity, Request{Action: "execute-api:Invoke", Resource: arn}, Allow},
		{"short form", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*"}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn}, Allow},
		{"cidr", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn, SourceIP: ip}, Deny},
		{"not cidr", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn, SourceIP: ip}, NoMatch},
		{"principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["` + alice + `"]},"Action":"execute-api:Invoke","Resource":"*"}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn, Principal: alice}, Allow},
		{"principal, anonymous caller", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"execute-api:Invoke","Resource":"*"}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn}, NoMatch},
		{"not principal", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"` + alice + `"},"Action":"execute-api:Invoke","Resource":"*"}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn, Principal: alice}, NoMatch},
		{"referer", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringLike":{"aws:Referer":"https://*.example.com/*"}}}}`,
			Resource, Request{Action: "execute-api:Invoke", Resource: arn, Referer: "https://app.example.com/x"}, Allow},
		{"lower-case effect from an authorizer", `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"allow","Resource":"` + arn + `"}]}`,
			AuthorizerOutput, Request{Action: "execute-api:Invoke", Resource: arn}, Allow},
	}
	for _, tc := range tests {
		p, err := Parse([]byte(tc.doc), Options{Kind: tc.kind, Region: "us-east-1", APIID: "api1", AccountID: "000000000000"})
		if err != nil {
			t.Errorf("%s: Parse: %v", tc.name, err)
			continue
		}
		if got := p.Evaluate(&tc.req); got != tc.want {
			t.Errorf("%s: Evaluate = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":                          `{`,
		"no statement":                      `{"Version":"2012-10-17"}`,
		"bad effect":                        `{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}`,
		"unknown condition":                 `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`,
		"unknown condition key":             `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}}`,
		"bad cidr":                          `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"300.0.0.0/8"}}}}`,
		"principal in identity":             `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
		"unknown field":                     `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Resources":"x"}}`,
		"action and not action":             `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"x","Resource":"*"}}`,
		"service principal":                 `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}}`,
		"resource policy without principal": `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
	} {
		kind := Identity
		if strings.Contains(name, "principal") && !strings.Contains(name, "identity") {
			kind = Resource
		}
		if _, err := Parse([]byte(doc), Options{Kind: kind}); err == nil {
			t.Errorf("%s: Parse accepted %s", name, doc)
		}
	}
}

// globRE is the reference Match is checked against: the same pattern as a regular expression.
func globRE(pattern string, fold bool) *regexp.Regexp {
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString("(?s:.*)")
		case '?':
			b.WriteString("(?s:.)")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// FuzzMatch: the wildcard matcher agrees with a regular expression of the same pattern. Only ASCII is
// compared ('?' is one byte in Match, one character in the reference).
func FuzzMatch(f *testing.F) {
	for _, c := range [][2]string{{"*", ""}, {"a*b?c", "axxbyc"}, {"arn:*:api1/*/GET/*", arn}, {"**?*", "ab"}, {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}} {
		f.Add(c[0], c[1], false)
	}
	f.Fuzz(func(t *testing.T, pattern, v string, fold bool) {
		for _, s := range []string{pattern, v} {
			for i := 0; i < len(s); i++ {
				if s[i] >= 0x80 {
					return
				}
			}
		}
		if len(pattern) > 64 || len(v) > 256 {
			return
		}
		want := globRE(pattern, fold).MatchString(v)
		if fold {
			// (?i) folds Unicode cases; Match folds ASCII letters only: compare on ASCII letters.
			want = globRE(strings.ToLower(pattern), false).MatchString(strings.ToLower(v))
		}
		if got := Match(pattern, v, fold); got != want {
			t.Fatalf("Match(%q, %q, %v) = %v, want %v", pattern, v, fold, got, want)
		}
	})
}

// FuzzParse: the policy parser never panics, and a policy it accepts evaluates any request without
// panicking, to one of its three effects.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"StringLikeIfExists":{"aws:UserAgent":"curl/*"}}}]}`,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["000000000000","arn:aws:iam::000000000000:user/a"]},"NotAction":"x:*","NotResource":["a","b"]}}`,
		`{"Statement":[]}`, `null`, `[]`, `{"Statement":{"Effect":"Allow"}}`,
	} {
		f.Add([]byte(s), uint8(Resource))
	}
	f.Fuzz(func(t *testing.T, doc []byte, kind uint8) {
		p, err := Parse(doc, Options{Kind: Kind(kind % 3), Region: "us-east-1", APIID: "api1", AccountID: "000000000000"})
		if err != nil {
			return
		}
		for _, r := range []Request{
			{Action: "execute-api:Invoke", Resource: arn},
			{Action: "execute-api:Invoke", Resource: arn, Principal: "arn:aws:iam::000000000000:user/a", SourceIP: netip.MustParseAddr("10.1.2.3"), UserAgent: "curl/8"},
			{},
		} {
			if e := p.Evaluate(&r); e != Allow && e != Deny && e != NoMatch {
				t.Fatalf("Evaluate = %v", e)
			}
		}
	})
}
