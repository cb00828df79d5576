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
	snap.Parts = nil
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
	snap.Parts = append(snap.Parts, model.SnapshotPart{Name: "a", Hash: hash("a"), Snapshot: api})
	for _, r := range snap.Resources {
		name := "r" + r.ID
		snap.Parts = append(snap.Parts, model.SnapshotPart{Name: name, Hash: hash(name), Snapshot: byRes[r.ID]})
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
