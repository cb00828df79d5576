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
// + a resource id holds that resource with its methods, integrations and responses (their keys start
// with the resource id and "/"). Each part is stored once under the hash of its content
// (KindSnapshotPart). Parts are named in subgroups (the parts whose names share their first three
// characters), subgroups in groups (their first two), each group stored the same way, and a snapshot is
// a root naming its groups: a tree three levels deep, at most 37 groups of at most 36 subgroups, so that
// a change rewrites one part, one subgroup, one group and the root, each small, whatever the API's
// size (a subgroup holds about one resource in 1,300).
//
// The API's current root, the head, is kept up to date by every write in its own transaction (only
// the parts it touched are encoded again), and a deployment copies the head: its snapshot stays
// immutable and complete (parts and groups are never changed, only added and swept), and two
// deployments share everything they have in common. The head exists once the API was first deployed
// (built then in full); an API never deployed pays nothing. Records no root reaches are swept once as
// many were written as the head names, so a sweep's cost is shared by as many writes. A snapshot
// stored whole by an older gatewayd is read as before, and so is a root of the older tree two levels
// deep (rootMagicV1: parts of the resources whose ids share their first two characters, in groups);
// a head of that form is built again as a tree of three levels by the next write.

const (
	// partsHeadKey is the head's key among the parts; part and group keys are hex hashes.
	partsHeadKey = "!head"
	// rootMagic starts a root and groupMagic a group; a whole snapshot is JSON and starts with "{".
	rootMagic   = "gatewayd-snapshot-root/2\n"
	rootMagicV1 = "gatewayd-snapshot-root/1\n"
	groupMagic  = "gatewayd-snapshot-group/1\n"
	apiPart     = "a"
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
		id, _, _ := strings.Cut(key, "/")
		return "r" + id
	}
	if slices.Contains(apiKinds, kind) {
		return apiPart
	}
	return ""
}

// groupOf and subgroupOf name the group and subgroup of a part: "a", or "r" and the first one or two
// characters of its resource id.
func groupOf(part string) string    { return part[:min(2, len(part))] }
func subgroupOf(part string) string { return part[:min(3, len(part))] }

// root names the groups of a snapshot; levels is 2 for a tree of groups, subgroups and parts, 1 for
// the older one of groups and parts; sinceSweep counts the records written since the last sweep and
// named the records the groups name (in the head).
type root struct {
	groups            map[string]string
	levels            int
	sinceSweep, named int
}

func (r *root) encode() []byte {
	var b bytes.Buffer
	b.Grow(len(rootMagic) + 32 + len(r.groups)*36)
	b.WriteString(rootMagic)
	b.WriteString(strconv.Itoa(r.sinceSweep) + " " + strconv.Itoa(r.named) + "\n")
	for _, g := range slices.Sorted(maps.Keys(r.groups)) {
		b.WriteString(g + " " + r.groups[g] + "\n")
	}
	return b.Bytes()
}

func isRoot(data []byte) bool {
	return bytes.HasPrefix(data, []byte(rootMagic)) || bytes.HasPrefix(data, []byte(rootMagicV1))
}

func decodeRoot(data []byte) (*root, error) {
	levels := 2
	rest, ok := bytes.CutPrefix(data, []byte(rootMagic))
	if !ok {
		levels = 1
		if rest, ok = bytes.CutPrefix(data, []byte(rootMagicV1)); !ok {
			return nil, errors.New("not a snapshot root")
		}
	}
	lines := strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n")
	r := &root{groups: make(map[string]string, len(lines)-1), levels: levels}
	if _, err := fmt.Sscan(lines[0], &r.sinceSweep, &r.named); err != nil {
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

// entry is a part, or a subgroup, as a group names it.
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

func readGroup(tx store.Tx, apiID, hash string) ([]entry, error) {
	rec, err := tx.Get(store.KindSnapshotPart, apiID, hash)
	if err != nil {
		return nil, fmt.Errorf("reading snapshot group %s: %w", hash, err)
	}
	return decodeGroup(rec.Data)
}

// readGroupMap reads a group as a map from name to hash; an empty hash is a group not stored yet.
func readGroupMap(tx store.Tx, apiID, hash string) (map[string]string, error) {
	out := map[string]string{}
	if hash == "" {
		return out, nil
	}
	entries, err := readGroup(tx, apiID, hash)
	for _, e := range entries {
		out[e.name] = e.hash
	}
	return out, err
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

// touchPrefix notes a DeletePrefix; a prefix that does not name one resource ("ID/...") makes every
// part dirty.
func (t *txn) touchPrefix(kind store.Kind, scope, prefix string) {
	if scope == "" {
		return
	}
	switch id, _, one := strings.Cut(prefix, "/"); {
	case slices.Contains(apiKinds, kind):
		t.dirtyPart(scope, apiPart)
	case slices.Contains(resourceKinds, kind) && one:
		t.dirtyPart(scope, "r"+id)
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

// openGroup is a group of the head being changed: its entries by name, and its subgroups read so far.
type openGroup struct {
	entries map[string]string
	subs    map[string]map[string]string
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
	if dirty["*"] || head.levels != 2 {
		return t.buildHead(apiID)
	}
	groups := map[string]*openGroup{} // the groups changed
	for _, p := range slices.Sorted(maps.Keys(dirty)) {
		gn, sn := groupOf(p), subgroupOf(p)
		g := groups[gn]
		if g == nil {
			entries, err := readGroupMap(t.Tx, apiID, head.groups[gn])
			if err != nil {
				return err
			}
			g = &openGroup{entries: entries, subs: map[string]map[string]string{}}
			head.named -= len(entries)
			groups[gn] = g
		}
		sub := g.subs[sn]
		if sub == nil {
			if sub, err = readGroupMap(t.Tx, apiID, g.entries[sn]); err != nil {
				return err
			}
			head.named -= len(sub)
			g.subs[sn] = sub
		}
		part, err := readPart(t.Tx, apiID, p)
		if err != nil {
			return err
		}
		if part == nil {
			delete(sub, p)
			continue
		}
		data, err := json.Marshal(part)
		if err != nil {
			return fmt.Errorf("encoding snapshot part %s: %w", p, err)
		}
		if sub[p], err = t.putShared(apiID, head, data); err != nil {
			return err
		}
	}
	for _, gn := range slices.Sorted(maps.Keys(groups)) {
		g := groups[gn]
		for _, sn := range slices.Sorted(maps.Keys(g.subs)) {
			sub := g.subs[sn]
			head.named += len(sub)
			if len(sub) == 0 {
				delete(g.entries, sn)
				continue
			}
			if g.entries[sn], err = t.putShared(apiID, head, encodeGroup(sub)); err != nil {
				return err
			}
		}
		head.named += len(g.entries)
		if len(g.entries) == 0 {
			delete(head.groups, gn)
			continue
		}
		if head.groups[gn], err = t.putShared(apiID, head, encodeGroup(g.entries)); err != nil {
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
	if head.sinceSweep >= max(sweepEvery, head.named+len(head.groups)) {
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
	id := strings.TrimPrefix(name, "r")
	switch r, err := getResource(tx, apiID, id); {
	case err == nil:
		snap.Resources = []model.Resource{r}
	case !IsNotFound(err):
		return nil, err
	}
	prefix := id + "/"
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
		n := "r" + id
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
	head := &root{groups: map[string]string{}, levels: 2}
	if rec, err := t.Tx.Get(store.KindSnapshotPart, apiID, partsHeadKey); err == nil {
		if old, err := decodeRoot(rec.Data); err == nil {
			head.sinceSweep = old.sinceSweep
		}
	}
	tree := map[string]map[string]map[string]string{} // group -> subgroup -> part -> hash
	for _, name := range slices.Sorted(maps.Keys(byPart)) {
		data, err := json.Marshal(byPart[name])
		if err != nil {
			return fmt.Errorf("encoding snapshot part %s: %w", name, err)
		}
		gn, sn := groupOf(name), subgroupOf(name)
		if tree[gn] == nil {
			tree[gn] = map[string]map[string]string{}
		}
		if tree[gn][sn] == nil {
			tree[gn][sn] = map[string]string{}
		}
		if tree[gn][sn][name], err = t.putShared(apiID, head, data); err != nil {
			return err
		}
	}
	for _, gn := range slices.Sorted(maps.Keys(tree)) {
		entries := map[string]string{}
		for _, sn := range slices.Sorted(maps.Keys(tree[gn])) {
			if entries[sn], err = t.putShared(apiID, head, encodeGroup(tree[gn][sn])); err != nil {
				return err
			}
			head.named += len(tree[gn][sn])
		}
		if head.groups[gn], err = t.putShared(apiID, head, encodeGroup(entries)); err != nil {
			return err
		}
		head.named += len(entries)
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
	// reach marks the record of hash and, levels deep, what it names (a group is named by its hash:
	// what it names is marked already when it is).
	var reach func(hash string, levels int) error
	reach = func(hash string, levels int) error {
		if named[hash] {
			return nil
		}
		named[hash] = true
		if levels == 0 {
			return nil // a part
		}
		entries, err := readGroup(t.Tx, apiID, hash)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := reach(e.hash, levels-1); err != nil {
				return err
			}
		}
		return nil
	}
	reachRoot := func(r *root) error {
		for _, gh := range r.groups {
			if err := reach(gh, r.levels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := reachRoot(head); err != nil {
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
		if err := reachRoot(dr); err != nil {
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

// partCache keeps decoded groups and parts for the data plane's loads: they never change, so a stage
// reload reads only the groups its new deployment does not share with the one before, and in them the
// parts it does not share. Each slot (a stage, or its canary) keeps the groups of the snapshot it
// loaded last.
type partCache struct {
	mu    sync.Mutex
	slots map[string][]*model.SnapshotGroup
}

// loadSnapshot returns the snapshot of deployment id, whole. With cache (the data plane's loads), the
// groups and parts it holds are not read again, and the snapshot is returned as its Groups, which are
// shared and must not be modified; its resource-level lists are then left empty, and the cost of a
// load is that of the groups that changed, not of the API.
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
	old := map[string]*model.SnapshotGroup{}
	if cache != nil {
		cache.mu.Lock()
		for _, g := range cache.slots[slot] {
			old[g.Name] = g
		}
		cache.mu.Unlock()
	}
	// Empty lists, not nil ones, as a whole snapshot has them.
	out := &model.Snapshot{Resources: []model.Resource{}, Methods: []model.Method{}, Integrations: []model.Integration{},
		MethodResponses: []model.MethodResponse{}, IntegrationResponses: []model.IntegrationResponse{}, Models: []model.Model{},
		RequestValidators: []model.RequestValidator{}, Authorizers: []model.Authorizer{}, GatewayResponses: []model.GatewayResponse{}}
	// Groups and the parts in them in name order: "a" first (the RestAPI), then resources by id.
	groups := make([]*model.SnapshotGroup, 0, len(r.groups))
	for _, name := range slices.Sorted(maps.Keys(r.groups)) {
		g, err := loadGroup(tx, apiID, name, r.groups[name], r.levels, old[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		groups = append(groups, g)
		if cache != nil && name != apiPart {
			continue // only "a" holds API-wide objects (readPart, buildHead)
		}
		eachPart(g, func(p model.SnapshotPart) {
			if p.Name == apiPart {
				out.RestAPI = p.Snapshot.RestAPI
			}
			out.Models = append(out.Models, p.Snapshot.Models...)
			out.RequestValidators = append(out.RequestValidators, p.Snapshot.RequestValidators...)
			out.Authorizers = append(out.Authorizers, p.Snapshot.Authorizers...)
			out.GatewayResponses = append(out.GatewayResponses, p.Snapshot.GatewayResponses...)
			if cache != nil {
				return
			}
			out.Resources = append(out.Resources, p.Snapshot.Resources...)
			out.Methods = append(out.Methods, p.Snapshot.Methods...)
			out.Integrations = append(out.Integrations, p.Snapshot.Integrations...)
			out.MethodResponses = append(out.MethodResponses, p.Snapshot.MethodResponses...)
			out.IntegrationResponses = append(out.IntegrationResponses, p.Snapshot.IntegrationResponses...)
		})
	}
	if cache != nil {
		// The data plane compiles the groups; copying every object into one list would cost as much
		// as the API is large.
		out.Groups = groups
		cache.mu.Lock()
		if cache.slots == nil {
			cache.slots = map[string][]*model.SnapshotGroup{}
		}
		cache.slots[slot] = groups
		cache.mu.Unlock()
	}
	return out, nil
}

// eachPart calls fn with the parts under g, in order.
func eachPart(g *model.SnapshotGroup, fn func(model.SnapshotPart)) {
	for _, sub := range g.Groups {
		eachPart(sub, fn)
	}
	for _, p := range g.Parts {
		fn(p)
	}
}

// loadGroup returns the group of that name and hash, levels deep (1: it names parts; 2: subgroups),
// reusing old (the group of that name last loaded, or nil): all of it when its hash is the same, else
// its subgroups and parts whose hashes are.
func loadGroup(tx store.Tx, apiID, name, hash string, levels int, old *model.SnapshotGroup) (*model.SnapshotGroup, error) {
	if old != nil && old.Hash == hash {
		return old, nil
	}
	entries, err := readGroup(tx, apiID, hash)
	if err != nil {
		return nil, err
	}
	g := &model.SnapshotGroup{Name: name, Hash: hash}
	if levels > 1 {
		reuse := map[string]*model.SnapshotGroup{}
		if old != nil {
			for _, sub := range old.Groups {
				reuse[sub.Name] = sub
			}
		}
		g.Groups = make([]*model.SnapshotGroup, 0, len(entries))
		for _, e := range entries {
			sub, err := loadGroup(tx, apiID, e.name, e.hash, levels-1, reuse[e.name])
			if err != nil {
				return nil, err
			}
			g.Groups = append(g.Groups, sub)
		}
		return g, nil
	}
	reuse := map[string]model.SnapshotPart{}
	if old != nil {
		for _, p := range old.Parts {
			reuse[p.Name] = p
		}
	}
	g.Parts = make([]model.SnapshotPart, 0, len(entries))
	for _, e := range entries {
		if p, ok := reuse[e.name]; ok && p.Hash == e.hash {
			g.Parts = append(g.Parts, p)
			continue
		}
		pr, err := tx.Get(store.KindSnapshotPart, apiID, e.hash)
		if err != nil {
			return nil, fmt.Errorf("reading part %s: %w", e.name, err)
		}
		p := &model.Snapshot{}
		if err := json.Unmarshal(pr.Data, p); err != nil {
			return nil, fmt.Errorf("decoding part %s: %w", e.name, err)
		}
		g.Parts = append(g.Parts, model.SnapshotPart{Name: e.name, Hash: e.hash, Snapshot: p})
	}
	return g, nil
}
