package router

import "testing"

// TestCloneLeavesTheOriginal: routes added to and removed from a clone change the clone only, as
// requests may be reading the original.
func TestCloneLeavesTheOriginal(t *testing.T) {
	orig := New[string]()
	for _, r := range [][2]string{{"/a", "GET"}, {"/a/{id}", "GET"}, {"/b/{proxy+}", "ANY"}} {
		if err := orig.Add(r[0], r[1], "orig "+r[0]); err != nil {
			t.Fatal(err)
		}
	}
	c := orig.Clone()
	if err := c.Remove("/a/{other}", "GET"); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("/a/{id}/x", "POST", "clone"); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("/c", "GET", "clone"); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove("/nope", "GET"); err == nil {
		t.Error("removing a route that is not there succeeded")
	}
	lookup := func(tb *Table[string], verb, path string) string {
		r, _ := tb.Lookup(verb, path, nil)
		if r == nil {
			return ""
		}
		return r.Value
	}
	for _, tc := range []struct{ verb, path, orig, clone string }{
		{"GET", "/a", "orig /a", "orig /a"},
		{"GET", "/a/1", "orig /a/{id}", ""},
		{"POST", "/a/1/x", "", "clone"},
		{"GET", "/c", "", "clone"},
		{"PUT", "/b/x/y", "orig /b/{proxy+}", "orig /b/{proxy+}"},
	} {
		if got := lookup(orig, tc.verb, tc.path); got != tc.orig {
			t.Errorf("original: %s %s = %q, want %q", tc.verb, tc.path, got, tc.orig)
		}
		if got := lookup(c, tc.verb, tc.path); got != tc.clone {
			t.Errorf("clone: %s %s = %q, want %q", tc.verb, tc.path, got, tc.clone)
		}
	}
	if orig.Len() != 3 || c.Len() != 4 {
		t.Errorf("Len = %d and %d, want 3 and 4", orig.Len(), c.Len())
	}
}
