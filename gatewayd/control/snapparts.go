package control

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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
// stored once under the hash of its content (KindSnapshotPart), and a snapshot is a manifest naming
// its parts. The API's current manifest, the head, is kept up to date by every write in its own
// transaction (only the parts it touched are encoded again), and a deployment copies the head: its
// snapshot stays immutable and complete (parts are never changed, only added and swept), and two
// deployments share every part they have in common.
//
// The head exists once the API was first deployed (built then in full); an API never deployed pays
// nothing. Parts no manifest names are swept once as many parts were written as the head has, so a
// sweep's cost is shared by as many writes. A snapshot stored whole by an older gatewayd is read as
// before.

const (
	// headKey is the head's key among the parts; part keys are hex hashes.
	partsHeadKey = "!head"
	// manifestMagic starts a manifest; a whole snapshot is JSON and starts with "{".
	manifestMagic = "gatewayd-snapshot-parts/1\n"
	apiPart       = "a"
	// sweepEvery is the least number of parts written between sweeps.
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

// manifest maps part names to their hashes; sinceSweep counts the parts written since the last sweep.
type manifest struct {
	parts      map[string]string
	sinceSweep int
}

func (m *manifest) encode() []byte {
	names := make([]string, 0, len(m.parts))
	for n := range m.parts {
		names = append(names, n)
	}
	slices.Sort(names)
	var b bytes.Buffer
	b.Grow(len(manifestMagic) + 16 + len(names)*40)
	b.WriteString(manifestMagic)
	b.WriteString(strconv.Itoa(m.sinceSweep))
	b.WriteByte('\n')
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(' ')
		b.WriteString(m.parts[n])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func isManifest(data []byte) bool { return bytes.HasPrefix(data, []byte(manifestMagic)) }

func decodeManifest(data []byte) (*manifest, error) {
	rest, ok := bytes.CutPrefix(data, []byte(manifestMagic))
	if !ok {
		return nil, errors.New("not a snapshot manifest")
	}
	lines := strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n")
	n, err := strconv.Atoi(lines[0])
	if err != nil {
		return nil, fmt.Errorf("snapshot manifest: bad counter %q", lines[0])
	}
	m := &manifest{parts: make(map[string]string, len(lines)-1), sinceSweep: n}
	for _, l := range lines[1:] {
		name, hash, ok := strings.Cut(l, " ")
		if !ok {
			return nil, fmt.Errorf("snapshot manifest: bad line %q", l)
		}
		m.parts[name] = hash
	}
	return m, nil
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
	apis := make([]string, 0, len(t.dirty))
	for apiID := range t.dirty {
		apis = append(apis, apiID)
	}
	slices.Sort(apis)
	for _, apiID := range apis {
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
	head, err := decodeManifest(rec.Data)
	if err != nil {
		return err
	}
	if dirty["*"] {
		return t.buildHead(apiID)
	}
	names := make([]string, 0, len(dirty))
	for p := range dirty {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, p := range names {
		part, err := readPart(t.Tx, apiID, p)
		if err != nil {
			return err
		}
		if err := t.storePart(apiID, head, p, part); err != nil {
			return err
		}
	}
	return t.saveHead(apiID, head)
}

// saveHead writes head, after sweeping unnamed parts when as many were written since the last sweep
// as head names (at least sweepEvery).
func (t *txn) saveHead(apiID string, head *manifest) error {
	if head.sinceSweep >= max(sweepEvery, len(head.parts)) {
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

// storePart writes part under its hash (unless stored already) and names it in head; a nil part
// leaves head.
func (t *txn) storePart(apiID string, head *manifest, name string, part *model.Snapshot) error {
	if part == nil {
		delete(head.parts, name)
		return nil
	}
	data, err := json.Marshal(part)
	if err != nil {
		return fmt.Errorf("encoding snapshot part %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:16])
	if head.parts[name] == hash {
		return nil
	}
	head.parts[name] = hash
	if _, err := t.Tx.Put(store.KindSnapshotPart, apiID, hash, data, store.ExpectAbsent); errors.Is(err, store.ErrExists) {
		return nil
	} else if err != nil {
		return err
	}
	head.sinceSweep++
	return nil
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
	head := &manifest{parts: map[string]string{}}
	if rec, err := t.Tx.Get(store.KindSnapshotPart, apiID, partsHeadKey); err == nil {
		if old, err := decodeManifest(rec.Data); err == nil {
			head.sinceSweep = old.sinceSweep
		}
	}
	for name, p := range byPart {
		if err := t.storePart(apiID, head, name, p); err != nil {
			return err
		}
	}
	return t.saveHead(apiID, head)
}

// headManifest returns the API's head, brought up to date with this write's changes (built when the
// API has none yet).
func (t *txn) headManifest(apiID string) (*manifest, error) {
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
	return decodeManifest(rec.Data)
}

// sweepParts deletes the API's parts that neither head nor any deployment's snapshot names.
func (t *txn) sweepParts(apiID string, head *manifest) error {
	named := map[string]bool{}
	for _, h := range head.parts {
		named[h] = true
	}
	snaps, err := t.Tx.List(store.KindSnapshot, apiID, "")
	if err != nil {
		return err
	}
	for _, r := range snaps {
		if !isManifest(r.Data) {
			continue
		}
		m, err := decodeManifest(r.Data)
		if err != nil {
			return fmt.Errorf("snapshot of deployment %s: %w", r.Key, err)
		}
		for _, h := range m.parts {
			named[h] = true
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

// partCache keeps decoded parts by hash for the data plane's loads: parts never change, so a stage
// reload decodes only the parts its new deployment does not share with the one before. Each slot (a
// stage, or its canary) keeps the parts of the snapshot it loaded last.
type partCache struct {
	mu    sync.Mutex
	slots map[string]map[string]*model.Snapshot
}

// loadSnapshot returns the snapshot of deployment id, whole; with cache, the parts it holds are not
// decoded again, and the snapshot shares their objects, which its users must not modify.
func loadSnapshot(tx store.Tx, apiID, id, what string, cache *partCache, slot string) (*model.Snapshot, error) {
	rec, err := tx.Get(store.KindSnapshot, apiID, id)
	if err != nil {
		return nil, storeErr(err, what)
	}
	if !isManifest(rec.Data) {
		var snap model.Snapshot
		if err := json.Unmarshal(rec.Data, &snap); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", what, err)
		}
		return &snap, nil
	}
	m, err := decodeManifest(rec.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", what, err)
	}
	var old map[string]*model.Snapshot
	if cache != nil {
		cache.mu.Lock()
		old = cache.slots[slot]
		cache.mu.Unlock()
	}
	names := make([]string, 0, len(m.parts))
	for n := range m.parts {
		names = append(names, n)
	}
	// "a" sorts before every "r..." part: the RestAPI first, then resources in key order.
	slices.Sort(names)
	parts := make(map[string]*model.Snapshot, len(names))
	// Empty lists, not nil ones, as a whole snapshot has them.
	out := &model.Snapshot{Resources: []model.Resource{}, Methods: []model.Method{}, Integrations: []model.Integration{},
		MethodResponses: []model.MethodResponse{}, IntegrationResponses: []model.IntegrationResponse{}, Models: []model.Model{},
		RequestValidators: []model.RequestValidator{}, Authorizers: []model.Authorizer{}, GatewayResponses: []model.GatewayResponse{}}
	for _, n := range names {
		h := m.parts[n]
		p := old[h]
		if p == nil {
			r, err := tx.Get(store.KindSnapshotPart, apiID, h)
			if err != nil {
				return nil, fmt.Errorf("reading part %s of %s: %w", n, what, err)
			}
			p = &model.Snapshot{}
			if err := json.Unmarshal(r.Data, p); err != nil {
				return nil, fmt.Errorf("decoding part %s of %s: %w", n, what, err)
			}
		}
		parts[h] = p
		if cache != nil {
			out.Parts = append(out.Parts, model.SnapshotPart{Name: n, Hash: h, Snapshot: p})
		}
		if n == apiPart {
			out.RestAPI = p.RestAPI
		}
		out.Resources = append(out.Resources, p.Resources...)
		out.Methods = append(out.Methods, p.Methods...)
		out.Integrations = append(out.Integrations, p.Integrations...)
		out.MethodResponses = append(out.MethodResponses, p.MethodResponses...)
		out.IntegrationResponses = append(out.IntegrationResponses, p.IntegrationResponses...)
		out.Models = append(out.Models, p.Models...)
		out.RequestValidators = append(out.RequestValidators, p.RequestValidators...)
		out.Authorizers = append(out.Authorizers, p.Authorizers...)
		out.GatewayResponses = append(out.GatewayResponses, p.GatewayResponses...)
	}
	if cache != nil {
		cache.mu.Lock()
		if cache.slots == nil {
			cache.slots = map[string]map[string]*model.Snapshot{}
		}
		cache.slots[slot] = parts
		cache.mu.Unlock()
	}
	return out, nil
}
