package cache

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Outcome says how a response was obtained, for the hit/miss response header and the metrics.
type Outcome int

const (
	// Hit means the response came from the store.
	Hit Outcome = iota + 1
	// Miss means this caller's request led the fill.
	Miss
	// Shared means this caller waited for a fill that another request led.
	Shared
	// Refresh means the stored entry was bypassed and refetched (Cache-Control: max-age=0).
	Refresh
)

func (o Outcome) String() string {
	switch o {
	case Hit:
		return "Hit"
	case Miss:
		return "Miss"
	case Shared:
		return "Shared"
	case Refresh:
		return "Refresh"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// FillFunc produces the response for a missed key, typically by calling the backend. It reports
// whether the response may be stored: the caller decides by status (API Gateway stores only 2xx) and by
// anything else it knows; the Store still refuses entries over its size limits. A response that is
// not stored is still handed to every request that waited for it.
type FillFunc func(ctx context.Context) (*Entry, bool, error)

// Cache collapses concurrent misses on a key over a Store: one fill runs, and every request that
// missed meanwhile waits for its result instead of calling the backend too.
//
// The fill runs on its own goroutine with a context that keeps the leader's values but not its
// cancellation, so a leader that goes away does not fail the requests waiting on it. A waiter whose
// context ends returns its context's error at once; the fill is cancelled only when no request is
// waiting for it any more.
type Cache struct {
	store Store

	mu        sync.Mutex
	fills     map[string]*call // misses
	refreshes map[string]*call // refreshes collapse only with each other

	// flushMu orders Flush against fills that finish: a fill that started before a flush must not
	// store its (possibly stale) response after it.
	flushMu sync.RWMutex
	gen     uint64
}

// sharedStore is a Store that several nodes share (Redis). Its Fill replaces the fill and the store
// step of Cache so that misses collapse across the nodes too: it returns an entry another node stored
// meanwhile (filled false), or calls fill and stores what it may itself. Flushes are its own concern.
type sharedStore interface {
	Fill(ctx context.Context, key string, ttl time.Duration, refresh bool, fill FillFunc) (e *Entry, filled bool, err error)
}

type call struct {
	done chan struct{}
	e    *Entry
	// stored is set when the entry came from the store (another node's fill), not from fill.
	stored  bool
	err     error
	waiters int
	cancel  context.CancelFunc
}

// New returns a Cache over s.
func New(s Store) *Cache {
	return &Cache{store: s, fills: make(map[string]*call), refreshes: make(map[string]*call)}
}

// Store returns the store the Cache is over.
func (c *Cache) Store() Store { return c.store }

// GetOrFill returns key's stored entry or, on a miss, the result of fill, which is stored for ttl
// when fill allows it. Concurrent misses on key make one fill call (over a Store that several nodes
// share, one across the nodes). The outcome is Miss only for the request whose fill called fill.
func (c *Cache) GetOrFill(ctx context.Context, key string, ttl time.Duration, fill FillFunc) (*Entry, Outcome, error) {
	if e, ok := c.store.Get(key); ok {
		return e, Hit, nil
	}
	e, leader, err := c.do(ctx, c.fills, key, ttl, fill, false)
	if leader {
		return e, Miss, err
	}
	return e, Shared, err
}

// Refresh bypasses key's stored entry and fills it again, as API Gateway does for Cache-Control:
// max-age=0 from an authorized caller. Concurrent refreshes of key make one fill call; they do not join
// a miss's fill, which may have started before the data changed. A response that may not be stored
// removes the old entry, since the caller asked for it to be invalidated; a failed fill leaves it.
func (c *Cache) Refresh(ctx context.Context, key string, ttl time.Duration, fill FillFunc) (*Entry, error) {
	e, _, err := c.do(ctx, c.refreshes, key, ttl, fill, true)
	return e, err
}

// Flush removes every entry, including those that fills in flight would store.
func (c *Cache) Flush() { c.FlushAt(0) }

// revisionFlusher is a shared store that flushes once for a flush that every node applies.
type revisionFlusher interface {
	FlushAt(rev int64)
}

// FlushAt is Flush for the flush made by configuration revision rev (0: unknown). Over a store that
// several nodes share, only the first node to apply a revision's flush empties it, so that the others,
// applying the same revision later, do not remove what was stored after it.
func (c *Cache) FlushAt(rev int64) {
	c.flushMu.Lock()
	c.gen++
	if f, ok := c.store.(revisionFlusher); ok {
		f.FlushAt(rev)
	} else {
		c.store.Flush()
	}
	c.flushMu.Unlock()
}

// do joins or starts the fill for key in calls and waits for it or for ctx. It reports whether this
// caller started the fill.
func (c *Cache) do(ctx context.Context, calls map[string]*call, key string, ttl time.Duration, fill FillFunc, refresh bool) (*Entry, bool, error) {
	c.mu.Lock()
	cl, joined := calls[key]
	if joined {
		cl.waiters++
	} else {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		cl = &call{done: make(chan struct{}), waiters: 1, cancel: cancel}
		calls[key] = cl
		c.flushMu.RLock()
		gen := c.gen
		c.flushMu.RUnlock()
		go c.run(fctx, calls, key, cl, ttl, fill, refresh, gen)
	}
	c.mu.Unlock()

	select {
	case <-cl.done:
		return cl.e, !joined && !cl.stored, cl.err
	case <-ctx.Done():
		c.mu.Lock()
		cl.waiters--
		if cl.waiters == 0 && calls[key] == cl {
			// Nobody wants the result: stop the backend call, and let the next miss start afresh
			// rather than join a cancelled fill.
			delete(calls, key)
			cl.cancel()
		}
		c.mu.Unlock()
		return nil, !joined, ctx.Err()
	}
}

func (c *Cache) run(ctx context.Context, calls map[string]*call, key string, cl *call, ttl time.Duration, fill FillFunc, refresh bool, gen uint64) {
	defer func() {
		if r := recover(); r != nil {
			cl.e, cl.err = nil, fmt.Errorf("cache fill panicked: %v", r)
		}
		c.mu.Lock()
		if calls[key] == cl {
			delete(calls, key)
		}
		c.mu.Unlock()
		cl.cancel()
		close(cl.done)
	}()

	if ss, ok := c.store.(sharedStore); ok {
		e, filled, err := ss.Fill(ctx, key, ttl, refresh, fill)
		cl.e, cl.err, cl.stored = e, err, !filled && err == nil
		return
	}
	e, storable, err := fill(ctx)
	cl.e, cl.err = e, err
	if err != nil || e == nil {
		if err == nil {
			cl.err = fmt.Errorf("cache fill returned no entry")
		}
		return
	}
	c.flushMu.RLock()
	if gen == c.gen {
		switch {
		case storable:
			c.store.Set(key, e, ttl)
		case refresh:
			c.store.Delete(key)
		}
	}
	c.flushMu.RUnlock()
}
