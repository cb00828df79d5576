package dataplane_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// partsOf cuts b's snapshot into parts as the control plane stores them, one per resource here:
// "a" for the API-wide objects and "r" + the resource id for the rest. hashes names each part's
// content; a part not in it gets the hash "h-" + its name.
func partsOf(b *apiBuilder, hashes map[string]string) *model.Snapshot {
	snap := b.snap
	snap.Groups = nil
	api := &model.Snapshot{RestAPI: snap.RestAPI}
	byRes := map[string]*model.Snapshot{}
	part := func(id string) *model.Snapshot {
		if byRes[id] == nil {
			byRes[id] = &model.Snapshot{}
		}
		return byRes[id]
	}
	for _, r := range snap.Resources {
		part(r.ID).Resources = append(part(r.ID).Resources, r)
	}
	for _, m := range snap.Methods {
		part(m.ResourceID).Methods = append(part(m.ResourceID).Methods, m)
	}
	for _, in := range snap.Integrations {
		part(in.ResourceID).Integrations = append(part(in.ResourceID).Integrations, in)
	}
	for _, ir := range snap.IntegrationResponses {
		part(ir.ResourceID).IntegrationResponses = append(part(ir.ResourceID).IntegrationResponses, ir)
	}
	hash := func(name string) string {
		if h, ok := hashes[name]; ok {
			return h
		}
		return "h-" + name
	}
	// One group per part, named by the part's hash as the control plane's groups are by their content.
	group := func(name string, s *model.Snapshot) *model.SnapshotGroup {
		return &model.SnapshotGroup{Name: name, Hash: "g-" + hash(name), Parts: []model.SnapshotPart{{Name: name, Hash: hash(name), Snapshot: s}}}
	}
	snap.Groups = append(snap.Groups, group("a", api))
	for _, r := range snap.Resources {
		snap.Groups = append(snap.Groups, group("r"+r.ID, byRes[r.ID]))
	}
	return &snap
}

// TestCompileReusesUnchangedParts: a stage compiled again from a snapshot cut into parts reuses what
// the parts whose hash did not change compiled to, and compiles again the parts that changed, or
// everything when the stage's settings or the API-wide part changed; a conflict between two routes
// marked in one compile does not stay on the endpoints kept for the next.
func TestCompileReusesUnchangedParts(t *testing.T) {
	s := newServer(t)
	get := func(path string) (int, string) {
		t.Helper()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/api1/prod"+path, nil))
		return w.Code, w.Body.String()
	}
	want := func(path string, status int, body string) {
		t.Helper()
		if code, got := get(path); code != status || !strings.Contains(got, body) {
			t.Errorf("GET %s = %d %q, want %d with %q", path, code, got, status, body)
		}
	}
	build := func(bodies map[string]string, params ...string) *apiBuilder {
		b := newAPI("api1")
		for _, p := range []string{"/a", "/b"} {
			in, resp := mock("200", bodies[p])
			b.method(p, "GET", in, resp)
		}
		for _, p := range params {
			in, resp := mock("200", "param "+p)
			b.method(p, "GET", in, resp)
		}
		return b
	}
	set := func(vars map[string]string, snap *model.Snapshot) {
		t.Helper()
		if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod", Variables: vars}, snap); err != nil {
			t.Fatal(err)
		}
	}

	set(nil, partsOf(build(map[string]string{"/a": "a1", "/b": "b1"}), nil))
	want("/a", 200, "a1")
	want("/b", 200, "b1")

	// /b changed (a new hash): compiled again; /a kept. A part whose content changed under the same
	// hash (which a content hash rules out) shows that /a's endpoint was reused, not compiled.
	set(nil, partsOf(build(map[string]string{"/a": "a-same-hash", "/b": "b2"}), map[string]string{"r" + "r_b": "h-b2"}))
	want("/a", 200, "a1")
	want("/b", 200, "b2")

	// The stage's variables are shared by every endpoint: everything is compiled again.
	set(map[string]string{"v": "1"}, partsOf(build(map[string]string{"/a": "a-same-hash", "/b": "b2"}), map[string]string{"r" + "r_b": "h-b2"}))
	want("/a", 200, "a-same-hash")

	// Two sibling parameters are one route: both answer 500. Once one is gone, the other serves.
	bodies := map[string]string{"/a": "a-same-hash", "/b": "b2"}
	hashes := map[string]string{"r" + "r_b": "h-b2"}
	set(map[string]string{"v": "1"}, partsOf(build(bodies, "/{x}", "/{y}"), hashes))
	want("/zzz", 500, "")
	set(map[string]string{"v": "1"}, partsOf(build(bodies, "/{x}"), hashes))
	want("/zzz", 200, "param /{x}")
	want("/b", 200, "b2")
}

// TestCompileWalksOnlyChangedGroups: with a snapshot's parts in nested groups, a compile reuses a
// group whose hash did not change whole, without looking inside; in a group that changed it reuses the
// subgroups and parts whose hashes did not; and the routes of a subgroup that is gone go with it.
func TestCompileWalksOnlyChangedGroups(t *testing.T) {
	s := newServer(t)
	want := func(path string, status int, body string) {
		t.Helper()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/api1/prod"+path, nil))
		if w.Code != status || !strings.Contains(w.Body.String(), body) {
			t.Errorf("GET %s = %d %q, want %d with %q", path, w.Code, w.Body.String(), status, body)
		}
	}
	// set serves /a, /b and /c with the given bodies, in groups: "a"; and "g" holding "s1" (the root,
	// /a, /b) and "s2" (/c), unless without2. hashes names parts and groups (default "h-" + name).
	set := func(bodies, hashes map[string]string, without2 bool) {
		t.Helper()
		b := newAPI("api1")
		for _, p := range []string{"/a", "/b", "/c"} {
			in, resp := mock("200", bodies[p])
			b.method(p, "GET", in, resp)
		}
		flat := partsOf(b, hashes)
		parts := map[string]model.SnapshotPart{}
		for _, g := range flat.Groups {
			parts[g.Name] = g.Parts[0]
		}
		hash := func(name string) string {
			if h, ok := hashes[name]; ok {
				return h
			}
			return "h-" + name
		}
		s1 := &model.SnapshotGroup{Name: "s1", Hash: hash("s1"), Parts: []model.SnapshotPart{parts["rr_a"], parts["rr_b"], parts["rroot"]}}
		g := &model.SnapshotGroup{Name: "g", Hash: hash("g"), Groups: []*model.SnapshotGroup{s1}}
		if !without2 {
			g.Groups = append(g.Groups, &model.SnapshotGroup{Name: "s2", Hash: hash("s2"), Parts: []model.SnapshotPart{parts["rr_c"]}})
		}
		flat.Groups = []*model.SnapshotGroup{{Name: "a", Hash: hash("ga"), Parts: []model.SnapshotPart{parts["a"]}}, g}
		if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, flat); err != nil {
			t.Fatal(err)
		}
	}
	set(map[string]string{"/a": "a1", "/b": "b1", "/c": "c1"}, nil, false)
	want("/a", 200, "a1")
	want("/b", 200, "b1")
	want("/c", 200, "c1")

	// /b changed, and with it s1 and g; /a changed under its old hash (which a content hash rules
	// out), so its endpoint is shown reused; /c changed under the old hashes of its part and of s2, so
	// that s2 is shown reused without a look at its parts.
	set(map[string]string{"/a": "a2", "/b": "b2", "/c": "c2"}, map[string]string{"rr_b": "h-b2", "s1": "h-s1-2", "g": "h-g-2"}, false)
	want("/a", 200, "a1")
	want("/b", 200, "b2")
	want("/c", 200, "c1")

	// s2 is gone: /c with it.
	set(map[string]string{"/a": "a2", "/b": "b2"}, map[string]string{"rr_b": "h-b2", "s1": "h-s1-2", "g": "h-g-3"}, true)
	want("/a", 200, "a1")
	want("/b", 200, "b2")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/api1/prod/c", nil))
	if w.Code == 200 {
		t.Errorf("GET /c after its subgroup is gone = 200 %q", w.Body.String())
	}
}
