package control

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Deployment snapshots with structural sharing (issue 17). A deployment froze a copy of its whole API,
// so that every auto-deployed write read, encoded and wrote the API, and the data plane decoded it
// again: a write cost grew with the API. Now the API's configuration is cut into parts: "a" holds the
// RestAPI and its API-wide objects (models, request validators, authorizers, gateway responses); "r"
// + the first two characters of a resource id holds the resources whose id starts with them, with
// their methods, integrations and responses (their keys start with the resource id). Each part is
// stored once under the hash of its content (KindSnapshotPart). Parts are named in groups (a group:
// the parts whose names share their first two characters, at most 36), each group stored the same
// way, and a snapshot is a root naming its groups: a tree two levels deep, so that a change rewrites
// one part, one group and the root, each small, whatever the API's size.
//
// The API's current root, the head, is kept up to date by every write in its own transaction (only
// the parts it touched are encoded again), and a deployment copies the head: its snapshot stays
// immutable and complete (parts and groups are never changed, only added and swept), and two
// deployments share everything they have in common. The head exists once the API was first deployed
// (built then in full); an API never deployed pays nothing. Records no root reaches are swept once as
// many were written as the head names, so a sweep's cost is shared by as many writes. A snapshot
// stored whole by an older gatewayd is read as before.

const (
	// partsHeadKey is the head's key among the parts; part and group keys are hex hashes.
	partsHeadKey = "!head"
	// rootMagic starts a root and groupMagic a group; a whole snapshot is JSON and starts with "{".
	rootMagic  = "gatewayd-snapshot-root/1\n"
	groupMagic = "gatewayd-snapshot-group/1\n"
	apiPart    = "a"
	// sweepEvery is the least number of records written between sweeps.
	sweepEvery = 64
)

// resourceKinds are the kinds whose keys start with a resource id; apiKinds those of the "a" part.
var (
	resourceKinds = []store.Kind{store.KindResource, store.KindMethod, store.KindIntegration, store.KindMethodResponse, store.KindIntegrationResponse}
	apiKinds      = []store.Kind{store.KindModel, store.KindRequestValidator, store.KindAuthorizer, store.KindGatewayResponse}
)

// partOf returns the part a record of kind at key belongs to, or "" when it is in none.
func partOf(kind store.Kind, key string) string {
	if slices.Contains(resourceKinds, kind) {
		if len(key) < 2 {
			return "r" + key
		}
		return "r" + key[:2]
	}
	if slices.Contains(apiKinds, kind) {
		return apiPart
	}
	return ""
}

// root names the groups of a snapshot; sinceSweep counts the records written since the last sweep
// and parts the parts the groups name (in the head).
type root struct {
	groups            map[string]string
	sinceSweep, parts int
}

func (r *root) encode() []byte {
	var b bytes.Buffer
	b.Grow(len(rootMagic) + 32 + len(r.groups)*36)
	b.WriteString(rootMagic)
	b.WriteString(strconv.Itoa(r.sinceSweep) + " " + strconv.Itoa(r.parts) + "\n")
	for _, g := range slices.Sorted(maps.Keys(r.groups)) {
		b.WriteString(g + " " + r.groups[g] + "\n")
	}
	return b.Bytes()
}

func isRoot(data []byte) bool { return bytes.HasPrefix(data, []byte(rootMagic)) }

func decodeRoot(data []byte) (*root, error) {
	rest, ok := bytes.CutPrefix(data, []byte(rootMagic))
	if !ok {
		return nil, errors.New("not a snapshot root")
	}
	lines := strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n")
	r := &root{groups: make(map[string]string, len(lines)-1)}
	if _, err := fmt.Sscan(lines[0], &r.sinceSweep, &r.parts); err != nil {
		return nil, fmt.Errorf("snapshot root: bad counters %q", lines[0])
	}
	for _, l := range lines[1:] {
		g, h, ok := strings.Cut(l, " ")
		if !ok {
			return nil, fmt.Errorf("snapshot root: bad line %q", l)
		}
		r.groups[g] = h
	}
	return r, nil
}

// entry is a part as a group names it.
type entry struct{ name, hash string }

func encodeGroup(parts map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString(groupMagic)
	for _, n := range slices.Sorted(maps.Keys(parts)) {
		b.WriteString(n + " " + parts[n] + "\n")
	}
	return b.Bytes()
}

func decodeGroup(data []byte) ([]entry, error) {
	rest, ok := bytes.CutPrefix(data, []byte(groupMagic))
	if !ok {
		return nil, errors.New("not a snapshot group")
	}
	var out []entry
	for l := range strings.SplitSeq(strings.TrimSuffix(string(rest), "\n"), "\n") {
		n, h, ok := strings.Cut(l, " ")
		if !ok {
			return nil, fmt.Errorf("snapshot group: bad line %q", l)
		}
		out = append(out, entry{n, h})
	}
	return out, nil
}

// groupOf names the group of a part: "a", or "r" and the first character of its resource ids.
func groupOf(part string) string { return part[:min(2, len(part))] }

func readGroup(tx store.Tx, apiID, hash string) ([]entry, error) {
	rec, err := tx.Get(store.KindSnapshotPart, apiID, hash)
	if err != nil {
		return nil, fmt.Errorf("reading snapshot group %s: %w", hash, err)
	}
	return decodeGroup(rec.Data)
}

// touch notes that a write changed the record of kind at key in scope.
func (t *txn) touch(kind store.Kind, scope, key string) {
	if kind == store.KindRestAPI && scope == "" {
		t.dirtyPart(key, apiPart)
		return
	}
	if p := partOf(kind, key); p != "" && scope != "" {
		t.dirtyPart(scope, p)
	}
}

// touchPrefix notes a DeletePrefix; a prefix shorter than a part's name makes every part dirty.
func (t *txn) touchPrefix(kind store.Kind, scope, prefix string) {
	if scope == "" {
		return
	}
	switch {
	case slices.Contains(apiKinds, kind):
		t.dirtyPart(scope, apiPart)
	case slices.Contains(resourceKinds, kind) && len(prefix) >= 2:
		t.dirtyPart(scope, "r"+prefix[:2])
	case slices.Contains(resourceKinds, kind):
		t.dirtyPart(scope, "*")
	}
}

// touchScope forgets the parts of a deleted API: its head went with it.
func (t *txn) touchScope(scope string) { delete(t.dirty, scope) }

func (t *txn) dirtyPart(apiID, part string) {
	if t.dirty == nil {
		t.dirty = map[string]map[string]bool{}
	}
	if t.dirty[apiID] == nil {
		t.dirty[apiID] = map[string]bool{}
	}
	t.dirty[apiID][part] = true
}

// flushParts brings the heads of the APIs this write changed up to date, at the end of the write.
func (t *txn) flushParts() error {
	for _, apiID := range slices.Sorted(maps.Keys(t.dirty)) {
		if err := t.flushAPI(apiID); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) flushAPI(apiID string) error {
	dirty := t.dirty[apiID]
	delete(t.dirty, apiID)
	rec, err := t.Tx.Get(store.KindSnapshotPart, apiID, partsHeadKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil // never deployed: the head is built in full by the first deployment
	}
	if err != nil {
		return err
	}
	head, err := decodeRoot(rec.Data)
	if err != nil {
		return err
	}
	if dirty["*"] {
		return t.buildHead(apiID)
	}
	groups := map[string]map[string]string{} // the groups changed: part name -> hash
	for _, p := range slices.Sorted(maps.Keys(dirty)) {
		g := groupOf(p)
		parts := groups[g]
		if parts == nil {
			parts = map[string]string{}
			if h := head.groups[g]; h != "" {
				entries, err := readGroup(t.Tx, apiID, h)
				if err != nil {
					return err
				}
				for _, e := range entries {
					parts[e.name] = e.hash
				}
			}
			head.parts -= len(parts)
			groups[g] = parts
		}
		part, err := readPart(t.Tx, apiID, p)
		if err != nil {
			return err
		}
		if part == nil {
			delete(parts, p)
			continue
		}
		data, err := json.Marshal(part)
		if err != nil {
			return fmt.Errorf("encoding snapshot part %s: %w", p, err)
		}
		if parts[p], err = t.putShared(apiID, head, data); err != nil {
			return err
		}
	}
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		parts := groups[g]
		head.parts += len(parts)
		if len(parts) == 0 {
			delete(head.groups, g)
			continue
		}
		if head.groups[g], err = t.putShared(apiID, head, encodeGroup(parts)); err != nil {
			return err
		}
	}
	return t.saveHead(apiID, head)
}

// putShared stores data under its hash, unless it is stored already, and returns the hash.
func (t *txn) putShared(apiID string, head *root, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:16])
	if _, err := t.Tx.Put(store.KindSnapshotPart, apiID, hash, data, store.ExpectAbsent); errors.Is(err, store.ErrExists) {
		return hash, nil
	} else if err != nil {
		return "", err
	}
	head.sinceSweep++
	return hash, nil
}

// saveHead writes head, after sweeping the records no root reaches when as many were written since
// the last sweep as head names (at least sweepEvery).
func (t *txn) saveHead(apiID string, head *root) error {
	if head.sinceSweep >= max(sweepEvery, head.parts+len(head.groups)) {
		if err := t.sweepParts(apiID, head); err != nil {
			return err
		}
		head.sinceSweep = 0
	}
	_, err := t.Tx.Put(store.KindSnapshotPart, apiID, partsHeadKey, head.encode(), store.AnyVersion)
	return err
}

// readPart reads one part of the API's current configuration; nil when it holds nothing.
func readPart(tx store.Tx, apiID, name string) (*model.Snapshot, error) {
	snap := &model.Snapshot{}
	var err error
	if name == apiPart {
		if snap.RestAPI, err = getAPI(tx, apiID); err != nil {
			return nil, err
		}
		if snap.Models, err = listJSON(tx, store.KindModel, apiID, "", setModelVersion); err != nil {
			return nil, err
		}
		if snap.RequestValidators, err = listJSON(tx, store.KindRequestValidator, apiID, "", setRequestValidatorVersion); err != nil {
			return nil, err
		}
		if snap.Authorizers, err = listJSON(tx, store.KindAuthorizer, apiID, "", setAuthorizerVersion); err != nil {
			return nil, err
		}
		if snap.GatewayResponses, err = listJSON(tx, store.KindGatewayResponse, apiID, "", setGatewayResponseVersion); err != nil {
			return nil, err
		}
		return snap, nil
	}
	prefix := strings.TrimPrefix(name, "r")
	if snap.Resources, err = listJSON(tx, store.KindResource, apiID, prefix, setResourceVersion); err != nil {
		return nil, err
	}
	if snap.Methods, err = listJSON(tx, store.KindMethod, apiID, prefix, setMethodVersion); err != nil {
		return nil, err
	}
	if snap.Integrations, err = listJSON(tx, store.KindIntegration, apiID, prefix, setIntegrationVersion); err != nil {
		return nil, err
	}
	if snap.MethodResponses, err = listJSON(tx, store.KindMethodResponse, apiID, prefix, setMethodResponseVersion); err != nil {
		return nil, err
	}
	if snap.IntegrationResponses, err = listJSON(tx, store.KindIntegrationResponse, apiID, prefix, setIntegrationResponseVersion); err != nil {
		return nil, err
	}
	if len(snap.Resources)+len(snap.Methods)+len(snap.Integrations)+len(snap.MethodResponses)+len(snap.IntegrationResponses) == 0 {
		return nil, nil
	}
	return snap, nil
}

// buildHead cuts the API's whole current configuration into parts and writes the head.
func (t *txn) buildHead(apiID string) error {
	snap, err := snapshot(t.Tx, apiID)
	if err != nil {
		return err
	}
	byPart := map[string]*model.Snapshot{apiPart: {RestAPI: snap.RestAPI, Models: snap.Models,
		RequestValidators: snap.RequestValidators, Authorizers: snap.Authorizers, GatewayResponses: snap.GatewayResponses}}
	part := func(id string) *model.Snapshot {
		n := partOf(store.KindResource, id)
		if byPart[n] == nil {
			byPart[n] = &model.Snapshot{}
		}
		return byPart[n]
	}
	for _, x := range snap.Resources {
		p := part(x.ID)
		p.Resources = append(p.Resources, x)
	}
	for _, x := range snap.Methods {
		p := part(x.ResourceID)
		p.Methods = append(p.Methods, x)
	}
	for _, x := range snap.Integrations {
		p := part(x.ResourceID)
		p.Integrations = append(p.Integrations, x)
	}
	for _, x := range snap.MethodResponses {
		p := part(x.ResourceID)
		p.MethodResponses = append(p.MethodResponses, x)
	}
	for _, x := range snap.IntegrationResponses {
		p := part(x.ResourceID)
		p.IntegrationResponses = append(p.IntegrationResponses, x)
	}
	head := &root{groups: map[string]string{}, parts: len(byPart)}
	if rec, err := t.Tx.Get(store.KindSnapshotPart, apiID, partsHeadKey); err == nil {
		if old, err := decodeRoot(rec.Data); err == nil {
			head.sinceSweep = old.sinceSweep
		}
	}
	groups := map[string]map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(byPart)) {
		data, err := json.Marshal(byPart[name])
		if err != nil {
			return fmt.Errorf("encoding snapshot part %s: %w", name, err)
		}
		g := groupOf(name)
		if groups[g] == nil {
			groups[g] = map[string]string{}
		}
		if groups[g][name], err = t.putShared(apiID, head, data); err != nil {
			return err
		}
	}
	for g, parts := range groups {
		if head.groups[g], err = t.putShared(apiID, head, encodeGroup(parts)); err != nil {
			return err
		}
	}
	return t.saveHead(apiID, head)
}

// headRoot returns the API's head, encoded, brought up to date with this write's changes (built
// when the API has none yet).
func (t *txn) headRoot(apiID string) ([]byte, error) {
	if err := t.flushParts(); err != nil {
		return nil, err
	}
	rec, err := t.Tx.Get(store.KindSnapshotPart, apiID, partsHeadKey)
	if errors.Is(err, store.ErrNotFound) {
		if err := t.buildHead(apiID); err != nil {
			return nil, err
		}
		rec, err = t.Tx.Get(store.KindSnapshotPart, apiID, partsHeadKey)
	}
	if err != nil {
		return nil, err
	}
	return rec.Data, nil
}

// sweepParts deletes the API's parts and groups that neither head nor any deployment's snapshot
// reaches.
func (t *txn) sweepParts(apiID string, head *root) error {
	named := map[string]bool{}
	reach := func(r *root) error {
		for _, gh := range r.groups {
			if named[gh] {
				continue // a group is named by its hash: its parts are counted already
			}
			named[gh] = true
			entries, err := readGroup(t.Tx, apiID, gh)
			if err != nil {
				return err
			}
			for _, e := range entries {
				named[e.hash] = true
			}
		}
		return nil
	}
	if err := reach(head); err != nil {
		return err
	}
	snaps, err := t.Tx.List(store.KindSnapshot, apiID, "")
	if err != nil {
		return err
	}
	for _, r := range snaps {
		if !isRoot(r.Data) {
			continue
		}
		dr, err := decodeRoot(r.Data)
		if err != nil {
			return fmt.Errorf("snapshot of deployment %s: %w", r.Key, err)
		}
		if err := reach(dr); err != nil {
			return fmt.Errorf("snapshot of deployment %s: %w", r.Key, err)
		}
	}
	parts, err := t.Tx.List(store.KindSnapshotPart, apiID, "")
	if err != nil {
		return err
	}
	for _, r := range parts {
		if r.Key != partsHeadKey && !named[r.Key] {
			if err := t.Tx.Delete(store.KindSnapshotPart, apiID, r.Key, store.AnyVersion); err != nil {
				return err
			}
		}
	}
	return nil
}

// partCache keeps decoded parts and groups by hash for the data plane's loads: they never change, so
// a stage reload reads only what its new deployment does not share with the one before. Each slot (a
// stage, or its canary) keeps what the snapshot it loaded last holds.
type partCache struct {
	mu    sync.Mutex
	slots map[string]*cached
}

type cached struct {
	parts  map[string]*model.Snapshot
	groups map[string][]entry
}

// loadSnapshot returns the snapshot of deployment id, whole. With cache (the data plane's loads), the
// parts and groups it holds are not read again, and the snapshot is returned as its Parts, whose
// objects are shared and must not be modified; its resource-level lists are then left empty.
func loadSnapshot(tx store.Tx, apiID, id, what string, cache *partCache, slot string) (*model.Snapshot, error) {
	rec, err := tx.Get(store.KindSnapshot, apiID, id)
	if err != nil {
		return nil, storeErr(err, what)
	}
	if !isRoot(rec.Data) {
		var snap model.Snapshot
		if err := json.Unmarshal(rec.Data, &snap); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", what, err)
		}
		return &snap, nil
	}
	r, err := decodeRoot(rec.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", what, err)
	}
	old := &cached{}
	if cache != nil {
		cache.mu.Lock()
		if c := cache.slots[slot]; c != nil {
			old = c
		}
		cache.mu.Unlock()
	}
	now := &cached{parts: make(map[string]*model.Snapshot, r.parts), groups: make(map[string][]entry, len(r.groups))}
	// Empty lists, not nil ones, as a whole snapshot has them.
	out := &model.Snapshot{Resources: []model.Resource{}, Methods: []model.Method{}, Integrations: []model.Integration{},
		MethodResponses: []model.MethodResponse{}, IntegrationResponses: []model.IntegrationResponse{}, Models: []model.Model{},
		RequestValidators: []model.RequestValidator{}, Authorizers: []model.Authorizer{}, GatewayResponses: []model.GatewayResponse{}}
	// Groups and the parts in them in name order: "a" first (the RestAPI), then resources by id.
	for _, g := range slices.Sorted(maps.Keys(r.groups)) {
		gh := r.groups[g]
		entries, ok := old.groups[gh]
		if !ok {
			if entries, err = readGroup(tx, apiID, gh); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
		}
		now.groups[gh] = entries
		for _, e := range entries {
			p := old.parts[e.hash]
			if p == nil {
				pr, err := tx.Get(store.KindSnapshotPart, apiID, e.hash)
				if err != nil {
					return nil, fmt.Errorf("reading part %s of %s: %w", e.name, what, err)
				}
				p = &model.Snapshot{}
				if err := json.Unmarshal(pr.Data, p); err != nil {
					return nil, fmt.Errorf("decoding part %s of %s: %w", e.name, what, err)
				}
			}
			now.parts[e.hash] = p
			if e.name == apiPart {
				out.RestAPI = p.RestAPI
			}
			out.Models = append(out.Models, p.Models...)
			out.RequestValidators = append(out.RequestValidators, p.RequestValidators...)
			out.Authorizers = append(out.Authorizers, p.Authorizers...)
			out.GatewayResponses = append(out.GatewayResponses, p.GatewayResponses...)
			if cache != nil {
				// The data plane compiles the parts; copying every object into one list would
				// cost as much as the API is large.
				out.Parts = append(out.Parts, model.SnapshotPart{Name: e.name, Hash: e.hash, Snapshot: p})
				continue
			}
			out.Resources = append(out.Resources, p.Resources...)
			out.Methods = append(out.Methods, p.Methods...)
			out.Integrations = append(out.Integrations, p.Integrations...)
			out.MethodResponses = append(out.MethodResponses, p.MethodResponses...)
			out.IntegrationResponses = append(out.IntegrationResponses, p.IntegrationResponses...)
		}
	}
	if cache != nil {
		cache.mu.Lock()
		if cache.slots == nil {
			cache.slots = map[string]*cached{}
		}
		cache.slots[slot] = now
		cache.mu.Unlock()
	}
	return out, nil
}
