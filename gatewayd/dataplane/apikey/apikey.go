// Package apikey finds the API key a caller presents. Keys are known only by the SHA-256 of their
// values: a lookup hashes the presented value and finds the key by the digest, so the gateway never
// holds a key's value.
package apikey

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/usageplan"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Key is a compiled API key. It is immutable.
type Key struct {
	ID      string
	Name    string
	Enabled bool
	// Plans are the usage plans the key is attached to, by plan id.
	Plans  []*usageplan.Plan
	digest [sha256.Size]byte
	// next chains keys whose digests share their first 8 bytes.
	next *Key
}

// Keyring is an immutable set of keys, built by Compile.
type Keyring struct {
	// byPrefix indexes keys by the first 8 bytes of their digest; the rest is compared in constant
	// time, so how long a lookup takes says nothing about how close a guess came.
	byPrefix map[uint64]*Key
}

// Compile builds a keyring from a metering snapshot; the plans' limits apply from since.
func Compile(snap model.MeteringSnapshot, since time.Time) (*Keyring, error) {
	plans := make(map[string]*usageplan.Plan, len(snap.Plans))
	for _, p := range snap.Plans {
		c, err := usageplan.Compile(p, since)
		if err != nil {
			return nil, err
		}
		plans[p.ID] = c
	}
	byKey := map[string][]*usageplan.Plan{}
	for _, pk := range snap.PlanKeys {
		p, ok := plans[pk.UsagePlanID]
		if !ok {
			return nil, fmt.Errorf("key %s attached to unknown usage plan %q", pk.KeyID, pk.UsagePlanID)
		}
		byKey[pk.KeyID] = append(byKey[pk.KeyID], p)
	}
	r := &Keyring{byPrefix: make(map[uint64]*Key, len(snap.Keys))}
	for _, k := range snap.Keys {
		if len(k.ValueHash) != 2*sha256.Size {
			return nil, fmt.Errorf("key %s: value_hash is not a hex SHA-256", k.ID)
		}
		c := &Key{ID: k.ID, Name: k.Name, Enabled: k.Enabled, Plans: byKey[k.ID]}
		if _, err := hex.Decode(c.digest[:], []byte(strings.ToLower(k.ValueHash))); err != nil {
			return nil, fmt.Errorf("key %s: value_hash: %w", k.ID, err)
		}
		// Stable order, so that a key in two plans of one stage always meets the same one.
		slices.SortFunc(c.Plans, func(a, b *usageplan.Plan) int { return strings.Compare(a.ID, b.ID) })
		prefix := binary.BigEndian.Uint64(c.digest[:8])
		for o := r.byPrefix[prefix]; o != nil; o = o.next {
			if o.digest == c.digest {
				return nil, fmt.Errorf("keys %s and %s have the same value", o.ID, c.ID)
			}
		}
		c.next = r.byPrefix[prefix]
		r.byPrefix[prefix] = c
	}
	return r, nil
}

// Len returns the number of keys.
func (r *Keyring) Len() int { return len(r.byPrefix) }

// Lookup returns the key whose value is value, or nil.
func (r *Keyring) Lookup(value string) *Key {
	if r == nil || value == "" {
		return nil
	}
	// Hash the string's bytes in place: Sum256 only reads them.
	digest := sha256.Sum256(unsafe.Slice(unsafe.StringData(value), len(value)))
	for k := r.byPrefix[binary.BigEndian.Uint64(digest[:8])]; k != nil; k = k.next {
		if subtle.ConstantTimeCompare(k.digest[:], digest[:]) == 1 {
			return k
		}
	}
	return nil
}

// Plan returns the first of the key's plans that covers the stage, with its settings for the stage.
func (k *Key) Plan(apiID, stage string) (*usageplan.Plan, *usageplan.Stage) {
	for _, p := range k.Plans {
		if s := p.Stage(apiID, stage); s != nil {
			return p, s
		}
	}
	return nil, nil
}

// Hash returns the hex SHA-256 of a key's value, as model.APIKeyHash.ValueHash holds it.
func Hash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}
