package router

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// fuzzRoutes is a tree with every kind of sibling: literals beside parameters beside greedy ones,
// resources without methods, ANY beside explicit verbs.
var fuzzRoutes = []struct{ path, verb string }{
	{"/", "GET"},
	{"/secret", "GET"},
	{"/{proxy+}", "ANY"},
	{"/a/b", "GET"},
	{"/a/{x}/c", "POST"},
	{"/a/{x}", "ANY"},
	{"/a/{x}/{rest+}", "GET"},
	{"/pets", "GET"},
	{"/pets", "ANY"},
	{"/pets/{id}", "GET"},
	{"/pets/mine", "DELETE"},
	{"/pets/{id}/owners/{owner}", "GET"},
	{"/static/{file+}", "GET"},
	{"/%", "GET"},
	{"/a:b", "PUT"},
}

// reference is a slow matcher written from the package documentation: among the templates whose
// segments match the path, the one whose segment kinds (literal < param < greedy) sort first is the
// resource; then the verb, else ANY.
func reference(verb, path string) (string, []string) {
	type cand struct {
		path  string
		kinds []int
		vals  []string
	}
	var cands []cand
	for _, r := range fuzzRoutes {
		var tsegs []string
		if r.path != "/" {
			tsegs = strings.Split(r.path[1:], "/")
		}
		kinds, vals, ok := refMatch(tsegs, path[1:])
		if ok {
			cands = append(cands, cand{r.path, kinds, vals})
		}
	}
	if len(cands) == 0 {
		return "", nil
	}
	best := slices.MinFunc(cands, func(a, b cand) int { return slices.Compare(a.kinds, b.kinds) })
	var anyRoute string
	for _, r := range fuzzRoutes {
		if Shape(r.path) != Shape(best.path) {
			continue
		}
		if r.verb == verb {
			return r.verb + " " + r.path, best.vals
		}
		if r.verb == "ANY" {
			anyRoute = r.verb + " " + r.path
		}
	}
	if anyRoute != "" {
		return anyRoute, best.vals
	}
	return "", nil
}

func refMatch(tsegs []string, rest string) (kinds []int, vals []string, ok bool) {
	if len(tsegs) == 0 {
		return nil, nil, rest == ""
	}
	if rest == "" {
		return nil, nil, false
	}
	seg, tail, _ := strings.Cut(rest, "/")
	kind, _ := segment(tsegs[0])
	var val []string
	switch kind {
	case greedySeg:
		return []int{greedySeg}, []string{rest}, true
	case paramSeg:
		if seg == "" {
			return nil, nil, false
		}
		val = []string{seg}
	default:
		key := seg
		if u, err := url.PathUnescape(seg); err == nil {
			key = u
		}
		if key != tsegs[0] {
			return nil, nil, false
		}
	}
	k, v, ok := refMatch(tsegs[1:], tail)
	if !ok {
		return nil, nil, false
	}
	return append([]int{kind}, k...), append(val, v...), true
}

// FuzzLookup: the trie agrees with the reference matcher on every normalized path and verb.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"/", "/secret", "/secret/x", "/a/b", "/a/q/c", "/a/q/c/d", "/a", "/pets/",
		"/pets/mine", "/pets/7/owners/x", "/static/", "/static/a/b/", "/%25", "/a%3Ab", "/x/../secret"} {
		for _, verb := range []string{"GET", "PUT", "DELETE", "HEAD", "PROPFIND"} {
			f.Add(verb, s)
		}
	}
	tab := New[string]()
	for _, r := range fuzzRoutes {
		if err := tab.Add(r.path, r.verb, r.verb+" "+r.path); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, verb, path string) {
		p, err := Normalize(path)
		if err != nil {
			return
		}
		r, vals := tab.Lookup(verb, p, nil)
		got := ""
		if r != nil {
			got = r.Value
			if len(r.ParamNames) != len(vals) {
				t.Fatalf("Lookup(%q, %q) named %q for values %q", verb, p, r.ParamNames, vals)
			}
		}
		want, wantVals := reference(verb, p)
		if got != want || !slices.Equal(vals, wantVals) {
			t.Fatalf("Lookup(%q, %q) = %q %q, reference %q %q", verb, p, got, vals, want, wantVals)
		}
	})
}
