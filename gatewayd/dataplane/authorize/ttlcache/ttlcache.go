// Package ttlcache is the bounded cache of authorization decisions: entries by key, each until its own
// expiry. When full, expired entries are dropped, then arbitrary ones (Go's map order), an eighth of
// the cache at a time, so that a flood of distinct identities costs memory up to the bound and no more.
package ttlcache

import (
	"sync"
	"time"
)

// DefaultMaxEntries bounds a cache made with max <= 0.
const DefaultMaxEntries = 10_000

// Cache maps keys to values until they expire. It is safe for concurrent use.
type Cache[V any] struct {
	mu  sync.RWMutex
	m   map[string]entry[V]
	max int
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache of at most max entries.
func New[V any](max int) *Cache[V] {
	if max <= 0 {
		max = DefaultMaxEntries
	}
	return &Cache[V]{m: make(map[string]entry[V]), max: max}
}

// Get returns the value for key if it has not expired at now.
func (c *Cache[V]) Get(key string, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put stores v under key until expires.
func (c *Cache[V]) Put(key string, v V, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max-c.max/8 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = entry[V]{v: v, expires: expires}
}

// Len returns the number of entries, live or not.
func (c *Cache[V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
