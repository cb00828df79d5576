package cache

import (
	"hash/maphash"
	"math/bits"
	"net/http"
	"sync"
	"time"
)

// Entry is a cached response. Entries are shared by every reader of a key, so nobody may modify an
// Entry, its Header or its Body once it has been handed to Set or returned by Get.
type Entry struct {
	Status int
	Header http.Header
	Body   []byte
	// StoredAt and Expires are set by the Store when it stores the entry.
	StoredAt time.Time
	Expires  time.Time
}

// Store holds entries by key. It is the seam for a shared backend (Redis) in multi-node mode; Memory is
// the in-process implementation. Implementations are safe for concurrent use.
type Store interface {
	// Get returns the live entry for key. An expired entry is a miss.
	Get(key string) (*Entry, bool)
	// Set stores e under key for ttl and reports whether it was stored: a ttl <= 0 and entries the
	// store cannot hold are not.
	Set(key string, e *Entry, ttl time.Duration) bool
	// Delete removes key's entry, if any.
	Delete(key string)
	// Flush removes every entry.
	Flush()
}

// DefaultMaxEntryBytes is API Gateway's largest cacheable response, 1 MiB.
const DefaultMaxEntryBytes = 1 << 20

// maxShards bounds the shard count; beyond 64 the locks no longer contend on the machines we run on,
// and more shards would only shrink each shard's budget.
const maxShards = 64

// minEntriesPerShard keeps room for a few of the largest entries in every shard, so that one large
// entry does not empty a shard and an entry of MaxEntryBytes can be stored at all.
const minEntriesPerShard = 4

// Size accounting: an entry costs its key, body, header names and values, plus fixed estimates of what
// the Go structures around them take (the node, the Entry, the map slot, slice and string headers).
const (
	entryOverhead  = 256
	headerOverhead = 48
)

// Options tune a Memory store. The zero value is usable.
type Options struct {
	// MaxEntryBytes is the largest body stored; 0 means DefaultMaxEntryBytes.
	MaxEntryBytes int64
	// Shards is the number of shards, rounded down to a power of two; 0 picks one from the budget so
	// that each shard can hold a few of the largest entries.
	Shards int
	// Now is the clock, for tests; nil means time.Now.
	Now func() time.Time
}

// Memory is an in-process Store bounded in bytes. Keys are spread over shards by hash; each shard has
// its own mutex, map, LRU list and an equal share of the budget, so the hit path takes one shard's
// lock and never a global one, and the sum of the shards never exceeds the budget.
type Memory struct {
	shards   []shard
	mask     uint64
	seed     maphash.Seed
	maxEntry int64
	now      func() time.Time
}

type shard struct {
	mu     sync.Mutex
	items  map[string]*node
	head   node // sentinel: head.next is the most recently used, head.prev the least
	bytes  int64
	budget int64
	_      [64]byte // keeps neighbouring shards' locks off one cache line
}

// node is an intrusive LRU list element, so a stored entry costs one allocation for the list.
type node struct {
	key        string
	e          *Entry
	size       int64
	prev, next *node
}

// NewMemory returns a store that holds at most budget bytes, as counted by the size accounting above.
// A budget <= 0 stores nothing.
func NewMemory(budget int64, o Options) *Memory {
	maxEntry := o.MaxEntryBytes
	if maxEntry <= 0 {
		maxEntry = DefaultMaxEntryBytes
	}
	n := o.Shards
	if n <= 0 {
		n = int(min(int64(maxShards), max(1, budget/(maxEntry*minEntriesPerShard))))
	}
	n = 1 << (bits.Len(uint(n)) - 1) // round down to a power of two
	now := o.Now
	if now == nil {
		now = time.Now
	}
	m := &Memory{
		shards:   make([]shard, n),
		mask:     uint64(n - 1),
		seed:     maphash.MakeSeed(),
		maxEntry: maxEntry,
		now:      now,
	}
	per := max(budget, 0) / int64(n)
	for i := range m.shards {
		s := &m.shards[i]
		s.items = make(map[string]*node)
		s.head.next, s.head.prev = &s.head, &s.head
		s.budget = per
	}
	return m
}

func (m *Memory) shard(key string) *shard {
	return &m.shards[maphash.String(m.seed, key)&m.mask]
}

// Get returns key's entry and marks it most recently used. An expired entry is removed and reported
// as a miss.
func (m *Memory) Get(key string) (*Entry, bool) {
	now := m.now()
	s := m.shard(key)
	s.mu.Lock()
	n, ok := s.items[key]
	if !ok {
		s.mu.Unlock()
		return nil, false
	}
	if !now.Before(n.e.Expires) {
		s.remove(n)
		s.mu.Unlock()
		return nil, false
	}
	s.moveToFront(n)
	e := n.e
	s.mu.Unlock()
	return e, true
}

// Set stores a copy of e's fields with StoredAt and Expires set, evicting least recently used entries
// of the key's shard to make room. It does not store when ttl <= 0, when the body is over
// MaxEntryBytes, or when the entry is larger than a shard's budget; an older entry under key is then
// removed, since the caller meant to replace it.
func (m *Memory) Set(key string, e *Entry, ttl time.Duration) bool {
	s := m.shard(key)
	size := entrySize(key, e)
	if ttl <= 0 || int64(len(e.Body)) > m.maxEntry || size > s.budget {
		m.Delete(key)
		return false
	}
	now := m.now()
	c := *e
	c.StoredAt = now
	c.Expires = now.Add(ttl)
	nn := &node{key: key, e: &c, size: size}

	s.mu.Lock()
	if old, ok := s.items[key]; ok {
		s.remove(old)
	}
	for s.bytes+size > s.budget {
		s.remove(s.head.prev)
	}
	s.items[key] = nn
	s.pushFront(nn)
	s.bytes += size
	s.mu.Unlock()
	return true
}

// Delete removes key's entry, if any.
func (m *Memory) Delete(key string) {
	s := m.shard(key)
	s.mu.Lock()
	if n, ok := s.items[key]; ok {
		s.remove(n)
	}
	s.mu.Unlock()
}

// Flush removes every entry, one shard at a time.
func (m *Memory) Flush() {
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		clear(s.items)
		s.head.next, s.head.prev = &s.head, &s.head
		s.bytes = 0
		s.mu.Unlock()
	}
}

// Bytes is the accounted size of the stored entries, expired ones included until they are removed.
func (m *Memory) Bytes() int64 {
	var b int64
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		b += s.bytes
		s.mu.Unlock()
	}
	return b
}

// Len is the number of stored entries, expired ones included until they are removed.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

// ShardBudget is each shard's share of the budget: the largest entry, by the size accounting, that can
// be stored.
func (m *Memory) ShardBudget() int64 { return m.shards[0].budget }

// entrySize is what an entry under key counts against the budget.
func entrySize(key string, e *Entry) int64 {
	n := int64(entryOverhead + len(key) + len(e.Body))
	for k, vs := range e.Header {
		for _, v := range vs {
			n += int64(headerOverhead + len(k) + len(v))
		}
	}
	return n
}

func (s *shard) pushFront(n *node) {
	n.prev = &s.head
	n.next = s.head.next
	n.next.prev = n
	s.head.next = n
}

func (s *shard) moveToFront(n *node) {
	if s.head.next == n {
		return
	}
	n.prev.next = n.next
	n.next.prev = n.prev
	s.pushFront(n)
}

func (s *shard) remove(n *node) {
	n.prev.next = n.next
	n.next.prev = n.prev
	n.prev, n.next = nil, nil
	delete(s.items, n.key)
	s.bytes -= n.size
}
