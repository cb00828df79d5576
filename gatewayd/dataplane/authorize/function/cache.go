package function

import (
	"sync"
	"time"
)

// DefaultMaxEntries bounds a decision cache when Options.MaxEntries is not set.
const DefaultMaxEntries = 10_000

// decisionCache holds an authorizer's decisions by identity, each until it expires. It is bounded: when
// full, expired entries are dropped, then arbitrary ones (Go's map order), an eighth of the cache at a
// time, so that a flood of distinct identities costs memory up to the bound and no more.
type decisionCache struct {
	mu  sync.RWMutex
	m   map[string]*Decision
	max int
}

func newDecisionCache(max int) *decisionCache {
	if max <= 0 {
		max = DefaultMaxEntries
	}
	return &decisionCache{m: make(map[string]*Decision), max: max}
}

// get returns the live decision for key.
func (c *decisionCache) get(key string, now time.Time) (*Decision, bool) {
	c.mu.RLock()
	d, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !now.Before(d.expires) {
		return nil, false
	}
	return d, true
}

func (c *decisionCache) put(key string, d *Decision, now time.Time) {
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
	c.m[key] = d
}

// Len returns the number of entries, live or not.
func (c *decisionCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
