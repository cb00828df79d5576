package cache

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// req describes a request to a stage's method for the key tests.
type req struct {
	stage, verb, resource string
	pathNames, pathValues []string
	query                 string
	header                http.Header
}

func (r req) key(t *testing.T, specs []string) string {
	t.Helper()
	q, err := url.ParseQuery(r.query)
	if err != nil {
		t.Fatal(err)
	}
	params := AppendParams(nil, specs, Request{PathNames: r.pathNames, PathValues: r.pathValues, Query: q, Header: r.header})
	return Key(r.stage, r.verb, r.resource, params)
}

func TestKeySplits(t *testing.T) {
	pet := func(id, query string, h http.Header) req {
		return req{stage: "s1", verb: "GET", resource: "/pets/{petId}", pathNames: []string{"petId"}, pathValues: []string{id}, query: query, header: h}
	}
	tests := []struct {
		name      string
		specs     []string
		a, b      req
		wantSplit bool
	}{
		{name: "same request", a: pet("1", "", nil), b: pet("1", "", nil)},
		{name: "unlisted query string does not split", a: pet("1", "page=1", nil), b: pet("1", "page=2", nil)},
		{name: "unlisted query string vs none does not split", a: pet("1", "utm=x", nil), b: pet("1", "", nil)},
		{name: "listed query string splits", specs: []string{"method.request.querystring.page"}, a: pet("1", "page=1", nil), b: pet("1", "page=2", nil), wantSplit: true},
		{name: "listed query string, other one ignored", specs: []string{"method.request.querystring.page"}, a: pet("1", "page=1&utm=a", nil), b: pet("1", "utm=b&page=1", nil)},
		{name: "absent vs empty query string splits", specs: []string{"method.request.querystring.page"}, a: pet("1", "", nil), b: pet("1", "page=", nil), wantSplit: true},
		{name: "repeated query string splits", specs: []string{"method.request.querystring.a"}, a: pet("1", "a=1&a=2", nil), b: pet("1", "a=2", nil), wantSplit: true},
		{name: "unlisted header does not split", a: pet("1", "", http.Header{"Accept-Language": {"en"}}), b: pet("1", "", http.Header{"Accept-Language": {"fr"}})},
		{name: "listed header splits", specs: []string{"method.request.header.Accept-Language"}, a: pet("1", "", http.Header{"Accept-Language": {"en"}}), b: pet("1", "", http.Header{"Accept-Language": {"fr"}}), wantSplit: true},
		{name: "listed header name in any case", specs: []string{"method.request.header.accept-language"}, a: pet("1", "", http.Header{"Accept-Language": {"en"}}), b: pet("1", "", http.Header{"Accept-Language": {"fr"}}), wantSplit: true},
		{name: "unlisted path parameter does not split, as in API Gateway", a: pet("1", "", nil), b: pet("2", "", nil)},
		{name: "listed path parameter splits", specs: []string{"method.request.path.petId"}, a: pet("1", "", nil), b: pet("2", "", nil), wantSplit: true},
		{name: "stage splits", a: pet("1", "", nil), b: req{stage: "s2", verb: "GET", resource: "/pets/{petId}"}, wantSplit: true},
		{name: "verb splits", a: req{stage: "s", verb: "GET", resource: "/r"}, b: req{stage: "s", verb: "HEAD", resource: "/r"}, wantSplit: true},
		{name: "resource splits", a: req{stage: "s", verb: "GET", resource: "/a"}, b: req{stage: "s", verb: "GET", resource: "/b"}, wantSplit: true},
		{name: "no forged separator between parts", a: req{stage: "ab", verb: "GET", resource: "/r"}, b: req{stage: "a", verb: "bGET", resource: "/r"}, wantSplit: true},
		{
			name:  "no forged separator between values",
			specs: []string{"method.request.querystring.a", "method.request.querystring.b"},
			a:     req{stage: "s", verb: "GET", resource: "/r", query: "a=x%00&b=y"}, b: req{stage: "s", verb: "GET", resource: "/r", query: "a=x&b=%00y"},
			wantSplit: true,
		},
		{
			name:  "no forged separator between repeated values",
			specs: []string{"method.request.querystring.a"},
			a:     req{stage: "s", verb: "GET", resource: "/r", query: "a=x,y"}, b: req{stage: "s", verb: "GET", resource: "/r", query: "a=x&a=y"},
			wantSplit: true,
		},
		{
			name:  "no forged boundary between repeated values",
			specs: []string{"method.request.querystring.a"},
			a:     req{stage: "s", verb: "GET", resource: "/r", query: "a=ab&a=c"}, b: req{stage: "s", verb: "GET", resource: "/r", query: "a=a&a=bc"},
			wantSplit: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := tt.a.key(t, tt.specs), tt.b.key(t, tt.specs)
			if split := ka != kb; split != tt.wantSplit {
				t.Errorf("split = %v, want %v\n a: %q\n b: %q", split, tt.wantSplit, ka, kb)
			}
		})
	}
}

func TestAppendParams(t *testing.T) {
	specs := []string{
		"method.request.path.petId",
		"method.request.path.missing",
		"method.request.querystring.page",
		"method.request.querystring.none",
		"method.request.header.X-Tenant",
		"method.request.header.X-None",
		"context.something",
	}
	r := Request{
		PathNames:  []string{"owner", "petId"},
		PathValues: []string{"o1", "p7"},
		Query:      url.Values{"page": {"2", "3"}, "utm": {"x"}},
		Header:     http.Header{"X-Tenant": {"t1"}, "Accept": {"*/*"}},
	}
	want := []KeyParam{
		{Name: "method.request.path.petId", Values: []string{"p7"}},
		{Name: "method.request.path.missing"},
		{Name: "method.request.querystring.page", Values: []string{"2", "3"}},
		{Name: "method.request.querystring.none"},
		{Name: "method.request.header.X-Tenant", Values: []string{"t1"}},
		{Name: "method.request.header.X-None"},
		{Name: "context.something"},
	}
	if diff := cmp.Diff(want, AppendParams(nil, specs, r)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAppendKeyDoesNotAllocate(t *testing.T) {
	params := []KeyParam{{Name: "method.request.querystring.page", Values: []string{"2"}}}
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendKey(buf[:0], "stage", "GET", "/pets/{petId}", params)
	})
	if allocs != 0 {
		t.Errorf("AppendKey into a reused buffer: %v allocs, want 0", allocs)
	}
	if got, want := string(buf), Key("stage", "GET", "/pets/{petId}", params); got != want {
		t.Errorf("AppendKey and Key disagree: %q vs %q", got, want)
	}
}
