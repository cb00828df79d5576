package dataplane

import (
	"sync"
	"sync/atomic"
	"time"
)

// watchTick is the period of the sweep that starts the watchers of requests that have run for
// watchDelay.
const watchTick = watchDelay / 2

const watchShards = 8

// watchSet holds the watches of the requests in flight on a fasthttp front end. A sweep every
// watchTick starts the watcher of each request that has run for watchDelay (up to watchDelay +
// watchTick): a request that ends before costs two uncontended locks, where a timer per request
// cost a reset and a stop of a runtime timer. The sweeper sleeps while no request is in flight.
type watchSet struct {
	// epoch counts the sweeps.
	epoch  atomic.Int64
	next   atomic.Uint32
	shards [watchShards]watchShard
	// sleeping is set while the sweeper waits for wake.
	sleeping atomic.Bool
	wake     chan struct{}
}

type watchShard struct {
	mu sync.Mutex
	ws []*watch
}

func newWatchSet() *watchSet { return &watchSet{wake: make(chan struct{}, 1)} }

// add puts w in the set, to be started once it has run for watchDelay.
func (s *watchSet) add(w *watch) {
	sh := &s.shards[s.next.Add(1)%watchShards]
	w.shard, w.epoch, w.started = sh, s.epoch.Load(), false
	sh.mu.Lock()
	w.idx = len(sh.ws)
	sh.ws = append(sh.ws, w)
	sh.mu.Unlock()
	if s.sleeping.Load() && s.sleeping.CompareAndSwap(true, false) {
		s.wake <- struct{}{}
	}
}

// remove takes w out of the set; it reports whether its watcher was started.
func (s *watchSet) remove(w *watch) bool {
	sh := w.shard
	sh.mu.Lock()
	last := len(sh.ws) - 1
	if w.idx != last {
		sh.ws[w.idx] = sh.ws[last]
		sh.ws[w.idx].idx = w.idx
	}
	sh.ws[last] = nil
	sh.ws = sh.ws[:last]
	started := w.started
	sh.mu.Unlock()
	w.shard = nil
	return started
}

// sweep starts the watchers that are due every watchTick, until done is closed and no request is in
// flight.
func (s *watchSet) sweep(done <-chan struct{}) {
	t := time.NewTicker(watchTick)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-done:
			if s.startDue(false) {
				return
			}
			<-t.C
		}
		if !s.startDue(true) {
			continue
		}
		// Nothing in flight: sleep until a request comes, checking again after saying so (an add in
		// between saw no sleeper).
		s.sleeping.Store(true)
		if !s.startDue(false) {
			if !s.sleeping.CompareAndSwap(true, false) {
				<-s.wake // an add woke us meanwhile
			}
			continue
		}
		t.Stop()
		select {
		case <-s.wake:
		case <-done:
			if s.sleeping.CompareAndSwap(true, false) {
				return // no request came: none can come any more
			}
			<-s.wake
		}
		t.Reset(watchTick)
	}
}

// startDue starts the watchers due when tick, after counting the sweep; it reports whether the set is
// empty.
func (s *watchSet) startDue(tick bool) bool {
	var e int64
	if tick {
		e = s.epoch.Add(1)
	}
	empty := true
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, w := range sh.ws {
			empty = false
			// Added between sweeps w.epoch and w.epoch+1: at sweep e it has run more than
			// (e-w.epoch-1) ticks.
			if tick && !w.started && e-w.epoch > int64(watchDelay/watchTick) {
				w.started = true
				w.running.Add(1)
				go w.run()
			}
		}
		sh.mu.Unlock()
	}
	return empty
}
