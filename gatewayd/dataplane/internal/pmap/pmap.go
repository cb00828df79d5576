// Package pmap is a persistent map from strings to values: a hash array mapped trie (32 children a
// node) whose versions share every node they have in common. A change copies the nodes on the path to
// its key, so it costs the depth of the trie (log32 of the size), not the size, and leaves every
// earlier version as it was: the data plane changes a copy of a stage's routes while requests read the
// original (issue 17: a write's cost must not grow with the API).
//
// Changes are made under an Edit. The nodes an Edit copied or made belong to it, and later changes
// under the same Edit change them in place, so that a batch of changes (building a map, or one update
// of a stage) copies each node once. A version that others may read must not be changed under the
// Edit that made it: start a new Edit for the next batch.
package pmap

import (
	"hash/maphash"
	"iter"
	"math/bits"
)

// seed hashes every map's keys: versions of one map must hash alike, and maps live in one process.
var seed = maphash.MakeSeed()

const (
	bitsPerLevel = 5
	fanout       = 1 << bitsPerLevel
	// maxShift is the first shift past the hash's bits: a node there holds keys whose hashes are equal.
	maxShift = 65
)

// Edit owns the nodes it copied or made; see the package comment.
type Edit struct{ _ byte } // not zero-sized, so that two Edits are never the same pointer

// NewEdit returns an Edit for one batch of changes.
func NewEdit() *Edit { return new(Edit) }

// Map is one version of a map. The zero Map is empty and ready to use; copying a Map copies the
// version (both share its nodes), which changes to either do not affect.
type Map[V any] struct {
	root *node[V]
	n    int
}

type node[V any] struct {
	edit *Edit
	// bitmap has a bit for each of the 32 slots in use, whose entries are kept in slot order; a node
	// at maxShift has no bitmap and holds keys of one hash in any order.
	bitmap  uint32
	entries []entry[V]
}

// entry is a key and its value, or (child set) a subtrie.
type entry[V any] struct {
	hash  uint64
	key   string
	val   V
	child *node[V]
}

// Len returns the number of keys.
func (m Map[V]) Len() int { return m.n }

// Get returns the value of key.
func (m Map[V]) Get(key string) (V, bool) { return m.get(maphash.String(seed, key), key) }

func (m Map[V]) get(h uint64, key string) (V, bool) {
	n := m.root
	for shift := uint(0); n != nil; shift += bitsPerLevel {
		if shift >= maxShift {
			for i := range n.entries {
				if n.entries[i].key == key {
					return n.entries[i].val, true
				}
			}
			break
		}
		bit := uint32(1) << ((h >> shift) & (fanout - 1))
		if n.bitmap&bit == 0 {
			break
		}
		e := &n.entries[bits.OnesCount32(n.bitmap&(bit-1))]
		if e.child == nil {
			if e.key == key {
				return e.val, true
			}
			break
		}
		n = e.child
	}
	var zero V
	return zero, false
}

// All yields every key and value, in no particular order.
func (m Map[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) { m.root.all(yield) }
}

func (n *node[V]) all(yield func(string, V) bool) bool {
	if n == nil {
		return true
	}
	for i := range n.entries {
		e := &n.entries[i]
		if e.child != nil {
			if !e.child.all(yield) {
				return false
			}
		} else if !yield(e.key, e.val) {
			return false
		}
	}
	return true
}

// own returns n when ed may change it, or a copy that ed then owns.
func (n *node[V]) own(ed *Edit) *node[V] {
	if n.edit == ed {
		return n
	}
	c := &node[V]{edit: ed, bitmap: n.bitmap, entries: make([]entry[V], len(n.entries), len(n.entries)+1)}
	copy(c.entries, n.entries)
	return c
}

// Set makes key hold val, under ed (not nil).
func (m *Map[V]) Set(key string, val V, ed *Edit) { m.set(maphash.String(seed, key), key, val, ed) }

func (m *Map[V]) set(h uint64, key string, val V, ed *Edit) {
	if m.root == nil {
		m.root = &node[V]{edit: ed}
	}
	var added bool
	m.root, added = m.root.set(0, entry[V]{hash: h, key: key, val: val}, ed)
	if added {
		m.n++
	}
}

func (n *node[V]) set(shift uint, e entry[V], ed *Edit) (*node[V], bool) {
	if shift >= maxShift {
		for i := range n.entries {
			if n.entries[i].key == e.key {
				n = n.own(ed)
				n.entries[i].val = e.val
				return n, false
			}
		}
		n = n.own(ed)
		n.entries = append(n.entries, e)
		return n, true
	}
	bit := uint32(1) << ((e.hash >> shift) & (fanout - 1))
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		n = n.own(ed)
		n.bitmap |= bit
		n.entries = append(n.entries, entry[V]{})
		copy(n.entries[i+1:], n.entries[i:])
		n.entries[i] = e
		return n, true
	}
	cur := n.entries[i]
	switch {
	case cur.child != nil:
		c, added := cur.child.set(shift+bitsPerLevel, e, ed)
		if c != cur.child {
			n = n.own(ed)
			n.entries[i].child = c
		}
		return n, added
	case cur.key == e.key:
		n = n.own(ed)
		n.entries[i].val = e.val
		return n, false
	}
	// Two keys in one slot: a subtrie below holds both.
	sub := &node[V]{edit: ed}
	sub, _ = sub.set(shift+bitsPerLevel, cur, ed)
	sub, _ = sub.set(shift+bitsPerLevel, e, ed)
	n = n.own(ed)
	n.entries[i] = entry[V]{child: sub}
	return n, true
}

// Delete removes key, under ed (not nil).
func (m *Map[V]) Delete(key string, ed *Edit) { m.del(maphash.String(seed, key), key, ed) }

func (m *Map[V]) del(h uint64, key string, ed *Edit) {
	if m.root == nil {
		return
	}
	root, removed := m.root.del(0, h, key, ed)
	if removed {
		m.root = root
		m.n--
	}
}

// del returns n without key, and whether n held it. A subtrie left with one key is pulled up into
// its parent's slot, so that a subtrie always holds two keys or more.
func (n *node[V]) del(shift uint, h uint64, key string, ed *Edit) (*node[V], bool) {
	var i int
	if shift >= maxShift {
		i = -1
		for j := range n.entries {
			if n.entries[j].key == key {
				i = j
				break
			}
		}
		if i < 0 {
			return n, false
		}
	} else {
		bit := uint32(1) << ((h >> shift) & (fanout - 1))
		if n.bitmap&bit == 0 {
			return n, false
		}
		i = bits.OnesCount32(n.bitmap & (bit - 1))
		if cur := n.entries[i]; cur.child != nil {
			c, removed := cur.child.del(shift+bitsPerLevel, h, key, ed)
			if !removed {
				return n, false
			}
			switch {
			case len(c.entries) == 0: // not left by del, which pulls a last key up: drop the slot
			case len(c.entries) == 1 && c.entries[0].child == nil:
				n = n.own(ed)
				n.entries[i] = c.entries[0] // pull the last key of the subtrie up
				return n, true
			default:
				n = n.own(ed)
				n.entries[i].child = c
				return n, true
			}
		} else if cur.key != key {
			return n, false
		}
		n = n.own(ed)
		n.bitmap &^= bit
	}
	n = n.own(ed)
	n.entries = append(n.entries[:i], n.entries[i+1:]...)
	var zero entry[V]
	n.entries[:cap(n.entries)][len(n.entries)] = zero // drop the references of the removed entry's old slot
	return n, true
}
