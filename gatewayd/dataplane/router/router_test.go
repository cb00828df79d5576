package router

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookup(t *testing.T) {
	tab := New[string]()
	for _, r := range []struct{ path, verb string }{
		{"/", "GET"},
		{"/pets", "GET"},
		{"/pets", "ANY"},
		{"/pets/{id}", "GET"},
		{"/pets/{id}/owners/{owner}", "GET"},
		{"/pets/mine", "GET"},
		{"/static/{proxy+}", "GET"},
		{"/a:b", "GET"},
	} {
		if err := tab.Add(r.path, r.verb, r.verb+" "+r.path); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		verb, path string
		want       string
		wantVals   []string
	}{
		{"GET", "/", "GET /", nil},
		{"GET", "/pets", "GET /pets", nil},
		{"POST", "/pets", "ANY /pets", nil},
		{"PROPFIND", "/pets", "ANY /pets", nil},
		{"GET", "/pets/mine", "GET /pets/mine", nil},
		{"GET", "/pets/7", "GET /pets/{id}", []string{"7"}},
		{"GET", "/pets/a%2Fb", "GET /pets/{id}", []string{"a%2Fb"}},
		{"GET", "/pets/7/owners/x", "GET /pets/{id}/owners/{owner}", []string{"7", "x"}},
		{"GET", "/static/css/site.css", "GET /static/{proxy+}", []string{"css/site.css"}},
		{"GET", "/a%3Ab", "GET /a:b", nil},
		{"POST", "/pets/7", "", nil},
		{"GET", "/static", "", nil},
		{"GET", "/pets//x", "", nil},
		{"GET", "/pets/", "GET /pets", nil},
	}
	for _, tc := range tests {
		t.Run(tc.verb+" "+tc.path, func(t *testing.T) {
			r, vals := tab.Lookup(tc.verb, tc.path, nil)
			got := ""
			if r != nil {
				got = r.Value
			}
			if got != tc.want || !cmp.Equal(vals, tc.wantVals) {
				t.Errorf("Lookup(%s, %s) = %q %q, want %q %q", tc.verb, tc.path, got, vals, tc.want, tc.wantVals)
			}
		})
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
	}{
		{"duplicate", []string{"/a", "/a"}},
		{"same shape", []string{"/a/{x}", "/a/{y}"}},
		{"same greedy shape", []string{"/a/{proxy+}", "/a/{other+}"}},
		{"greedy not last", []string{"/a/{p+}/b"}},
		{"relative", []string{"a"}},
		{"empty segment", []string{"/a//b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := New[int]()
			var err error
			for _, p := range tc.paths {
				if err = tab.Add(p, "GET", 0); err != nil {
					break
				}
			}
			if err == nil {
				t.Errorf("adding %q succeeded, want an error", tc.paths)
			}
		})
	}
}

// TestLookupResourceFirst: the most specific resource wins even when it lacks the verb, so a request can
// never reach a less specific sibling's method (a protected /secret GET beside an open /{proxy+} ANY).
func TestLookupResourceFirst(t *testing.T) {
	tab := New[string]()
	for _, r := range []struct{ path, verb string }{
		{"/secret", "GET"},
		{"/{proxy+}", "ANY"},
		{"/a/b", "GET"},
		{"/items/{id}", "GET"},
		{"/items/{other}/parts", "POST"},
	} {
		if err := tab.Add(r.path, r.verb, r.verb+" "+r.path); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		verb, path string
		want       string
		wantVals   []string
	}{
		{"GET", "/secret", "GET /secret", nil},
		{"PUT", "/secret", "", nil},
		{"HEAD", "/secret", "", nil},
		{"OPTIONS", "/secret", "", nil},
		{"PROPFIND", "/secret", "", nil},
		{"GET", "/secret/x", "ANY /{proxy+}", []string{"secret/x"}},
		// /a has no method: it is not a resource, and the path goes on to the proxy.
		{"GET", "/a", "ANY /{proxy+}", []string{"a"}},
		{"GET", "/a/c", "ANY /{proxy+}", []string{"a/c"}},
		{"POST", "/a/b", "", nil},
		// Sibling parameters share one node; each route names its own values.
		{"GET", "/items/7", "GET /items/{id}", []string{"7"}},
		{"POST", "/items/7/parts", "POST /items/{other}/parts", []string{"7"}},
	}
	for _, tc := range tests {
		t.Run(tc.verb+" "+tc.path, func(t *testing.T) {
			r, vals := tab.Lookup(tc.verb, tc.path, nil)
			got := ""
			var names []string
			if r != nil {
				got, names = r.Value, r.ParamNames
			}
			if got != tc.want || !cmp.Equal(vals, tc.wantVals) {
				t.Errorf("Lookup(%s, %s) = %q %q, want %q %q", tc.verb, tc.path, got, vals, tc.want, tc.wantVals)
			}
			if len(names) != len(vals) {
				t.Errorf("Lookup(%s, %s) named %q for values %q", tc.verb, tc.path, names, vals)
			}
		})
	}
}

func TestShape(t *testing.T) {
	for in, want := range map[string]string{
		"/":                  "/",
		"/pets/{id}":         "/pets/{}",
		"/a/{x}/b/{proxy+}":  "/a/{}/b/{+}",
		"/{+}":               "/{+}",
		"/literal{notparam}": "/literal{notparam}",
	} {
		if got := Shape(in); got != want {
			t.Errorf("Shape(%q) = %q, want %q", in, got, want)
		}
	}
}

// table builds n routes shaped like real APIs: /svcK/items/{id}/subM plus literals.
func table(b *testing.B, n int) *Table[int] {
	tab := New[int]()
	for i := range n {
		var p string
		switch i % 4 {
		case 0:
			p = fmt.Sprintf("/svc%d/items", i/4)
		case 1:
			p = fmt.Sprintf("/svc%d/items/{id}", i/4)
		case 2:
			p = fmt.Sprintf("/svc%d/items/{id}/details", i/4)
		case 3:
			p = fmt.Sprintf("/svc%d/files/{proxy+}", i/4)
		}
		if err := tab.Add(p, "GET", i); err != nil {
			b.Fatal(err)
		}
	}
	return tab
}

func benchmarkLookup(b *testing.B, n int) {
	tab := table(b, n)
	last := n/4 - 1 // the last service with all four routes
	paths := []string{
		fmt.Sprintf("/svc%d/items/12345/details", last),
		fmt.Sprintf("/svc%d/files/a/b/c.txt", last),
		"/svc0/items",
	}
	var buf [8]string
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r, _ := tab.Lookup("GET", paths[i%len(paths)], buf[:0])
		if r == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkLookup10(b *testing.B)    { benchmarkLookup(b, 10) }
func BenchmarkLookup10000(b *testing.B) { benchmarkLookup(b, 10000) }
