package dataplane

import (
	"context"
	"sync"
	"time"
)

// reqCtx is the context of a request on the fasthttp front end, cancelled when the client goes away
// (the watch, fast.go) or when a shutdown gives up on the request. It replaces a context.WithCancel per
// request and the backend call's context.AfterFunc on it: 8 allocations and a lock per request. The
// backend call hooks its interrupt with OnCancel and Release (upstream.CancelHook), which allocate
// nothing.
//
// Contexts are pooled. One that something may still hold after its request (its Done channel was
// taken, a context was derived from it, an OnCancel was not released, it was cancelled, or the watch
// ran) is cancelled when the request ends, as the context.WithCancel's deferred cancel did, and is not
// reused.
type reqCtx struct {
	mu   sync.Mutex
	err  error
	done chan struct{}
	// hooks are the functions to run on cancellation; they start in buf.
	hooks []ctxHook
	buf   [2]ctxHook
	// token numbers the hooks; it is never reset, so that a Release of an earlier request's token
	// matches nothing.
	token uint64
	// shared is set once something may hold the context past its request.
	shared bool
}

type ctxHook struct {
	token uint64
	f     func()
}

var reqCtxs = sync.Pool{New: func() any { return new(reqCtx) }}

// closedDone is the Done channel of a context cancelled before anything asked for it.
var closedDone = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func newReqCtx() *reqCtx {
	c := reqCtxs.Get().(*reqCtx)
	c.hooks = c.buf[:0]
	return c
}

// end ends the context's request: it is cancelled when something may still hold it, else reused.
func (c *reqCtx) end() {
	c.mu.Lock()
	reuse := !c.shared && c.err == nil && len(c.hooks) == 0
	c.mu.Unlock()
	if !reuse {
		c.cancel()
		return
	}
	reqCtxs.Put(c)
}

// share marks the context as possibly held past its request.
func (c *reqCtx) share() {
	c.mu.Lock()
	c.shared = true
	c.mu.Unlock()
}

// cancel cancels the context and runs its hooks.
func (c *reqCtx) cancel() {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = context.Canceled
	if c.done == nil {
		c.done = closedDone
	} else {
		close(c.done)
	}
	hooks := c.hooks
	c.hooks = nil
	c.mu.Unlock()
	for _, h := range hooks {
		h.f()
	}
}

func (c *reqCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

func (c *reqCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shared = true
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

func (c *reqCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *reqCtx) Value(any) any { return nil }

func (c *reqCtx) String() string { return "dataplane.reqCtx" }

// OnCancel arranges for f to run when the context is cancelled, in the goroutine that cancels it (at
// once in this one if it is cancelled already), and returns a token for Release. f must be quick.
func (c *reqCtx) OnCancel(f func()) uint64 {
	return c.hook(f, false)
}

// hook registers f; on a cancelled context it runs f at once, in a goroutine of its own when async.
func (c *reqCtx) hook(f func(), async bool) uint64 {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		if async {
			go f()
		} else {
			f()
		}
		return 0
	}
	c.token++
	t := c.token
	c.hooks = append(c.hooks, ctxHook{token: t, f: f})
	c.mu.Unlock()
	return t
}

// Release undoes the OnCancel that returned token. It reports whether it did so before the function
// started; false also for a token already released.
func (c *reqCtx) Release(token uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, h := range c.hooks {
		if h.token == token {
			last := len(c.hooks) - 1
			c.hooks[i] = c.hooks[last]
			c.hooks[last] = ctxHook{}
			c.hooks = c.hooks[:last]
			return true
		}
	}
	return false
}

// AfterFunc is the hook context.WithCancel, context.AfterFunc and their kind call on a parent of this
// type to propagate its cancellation: f cancels a derived context. Like a *context.cancelCtx, cancel runs
// it before returning; on a context cancelled already, it runs in a goroutine of its own (the caller
// may hold the lock f takes).
func (c *reqCtx) AfterFunc(f func()) (stop func() bool) {
	c.share()
	t := c.hook(f, true)
	return func() bool { return c.Release(t) }
}
