package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Group commit. Every write goes through update, which queues it. The first writer to find no batch
// running leads: it takes the queued writes (at most maxBatch) and runs them in one store
// transaction, each in its own savepoint, so that a write that fails is undone alone and gets its own
// error while the others go on. Still in that transaction it deploys, once, each API that a
// successful write of the batch changed and that has auto-deploy stages, and then commits once: a
// write and its deployment are saved together or not at all, and writers that arrive together share
// one deployment and one fsync. After the commit the leader notifies the data plane, passes the lead
// to the oldest writer still queued, and releases the writers of its batch, each with its own result.
//
// The lead stays with callers rather than with a goroutine of the Service: a lone writer runs its
// transaction on its own goroutine with no hand-over, there is nothing to start or stop with the
// Service, and handing the lead on after each batch bounds every caller's wait to the batch before its
// own and its own.
//
// When the deployment or the commit fails, nothing of the batch is saved and each of its writes that
// had succeeded gets that error (a 500), so a retry starts clean. A write whose fn panics gets an
// error carrying the panic and its stack; as the transaction's state is then unknown, the batch
// fails as above. A panic anywhere else in the leader (the store, a notification callback) reaches
// the leader's caller, as it did before batches, after every writer has been answered and the lead
// passed on.

// maxBatch caps the writes of one transaction, which holds the store's write lock while it runs.
const maxBatch = 64

// States of a queued write.
const (
	writeQueued    int32 = iota
	writeTaken           // in a batch (or its writer leads the next one): it is answered after that batch
	writeAbandoned       // its caller went away before it was taken; the leader drops it
)

// write is one call of update, queued.
type write struct {
	ctx   context.Context
	fn    func(t *txn) error
	state atomic.Int32
	// wake receives once: true when the writer must lead the next batch, false when err is its result.
	wake chan bool
	err  error
	// ownErr: err is the write's own (it failed alone, was skipped or panicked), whatever the batch does.
	ownErr bool
	// t holds what the write changed, until the batch commits.
	t *txn
	// panicked is set when fn panicked; err then carries the panic.
	panicked bool
}

// committer holds the queue of writes.
type committer struct {
	mu      sync.Mutex
	queue   []*write
	leading bool // a writer leads, or the lead is being handed to one; the queue drains
	// beforeBatch, when set (tests), runs in the leader before it takes its batch.
	beforeBatch func()
}

// update runs fn as one write: fn's writes and the auto-deployments they call for commit together, in
// one transaction that may hold other writers' writes too, and the data plane is notified before
// update returns, so the caller's next request is served the change. fn must not call update.
func (s *Service) update(ctx context.Context, fn func(t *txn) error) error {
	w := &write{ctx: ctx, wake: make(chan bool, 1), fn: func(t *txn) error {
		if err := fn(t); err != nil {
			return err
		}
		return t.flushParts() // the snapshot head follows the write, in its savepoint (snapparts.go)
	}}
	c := &s.commit
	c.mu.Lock()
	c.queue = append(c.queue, w)
	lead := !c.leading
	c.leading = true
	if lead {
		w.state.Store(writeTaken)
	}
	c.mu.Unlock()
	if !lead {
		select {
		case lead = <-w.wake:
		case <-ctx.Done():
			if w.state.CompareAndSwap(writeQueued, writeAbandoned) {
				return ctx.Err() // never ran and never will
			}
			lead = <-w.wake // taken: its answer must say what happened to it
		}
	}
	if lead {
		s.lead(w)
	}
	return w.err
}

// lead runs one batch that holds self, answers its writers and passes the lead on.
func (s *Service) lead(self *write) {
	c := &s.commit
	if c.beforeBatch != nil {
		c.beforeBatch()
	}
	c.mu.Lock()
	n := min(len(c.queue), maxBatch)
	taken := c.queue[:n:n]
	c.queue = append([]*write(nil), c.queue[n:]...)
	c.mu.Unlock()
	batch := make([]*write, 0, len(taken))
	for _, w := range taken {
		if w == self || w.state.CompareAndSwap(writeQueued, writeTaken) {
			batch = append(batch, w)
		}
	}

	final := false // every write of the batch has its result
	defer func() {
		if r := recover(); r != nil { // a panic outside the writes' functions
			if !final {
				failure := internal(fmt.Errorf("this write was not saved because gatewayd failed while saving it; retry: panic: %v", r))
				for _, w := range batch {
					if !w.ownErr {
						w.err = failure
					}
				}
			}
			s.handOff()
			s.release(batch, self)
			panic(r)
		}
	}()
	change := s.runBatch(batch)
	final = true
	// Notify the data plane before any writer of the batch returns, one batch at a time.
	if change != nil {
		for _, st := range change.Stages {
			s.opts.OnStageChange(st.RestAPIID, st.StageName)
		}
		if change.Metering {
			s.opts.OnMeteringChange()
		}
		s.opts.OnRevision(change.Revision)
	}
	s.handOff()
	s.release(batch, self)
}

// runBatch runs the batch's writes and deployments in one transaction and sets each write's err. It
// returns what the committed batch changed, sorted, and the revision it took for that (nothing when
// it failed or changed nothing the data plane serves).
func (s *Service) runBatch(batch []*write) (change *Change) {
	var failure error // why the batch as a whole failed
	err := s.store.Update(context.Background(), func(tx store.Tx) error {
		// A shared store runs this again after a serialization failure: each run starts from nothing.
		failure, change = nil, nil
		all := &txn{s: s, changed: map[[2]string]bool{}, deploy: map[string]bool{}, flushes: map[[2]string]bool{}}
		for _, w := range batch {
			w.err, w.ownErr, w.panicked, w.t = nil, false, false, nil
		}
		var deploy []string
		for _, w := range batch {
			if err := w.ctx.Err(); err != nil {
				w.err, w.ownErr = err, true // its caller went away before it ran
				continue
			}
			w.t = &txn{s: s, changed: map[[2]string]bool{}, deploy: map[string]bool{}, flushes: map[[2]string]bool{}}
			err := tx.Savepoint(func(stx store.Tx) error {
				w.t.Tx = stx
				return w.run()
			})
			switch {
			case w.panicked:
				w.err, w.ownErr = err, true
				failure = internal(errors.New("this write was not saved because another write saved with it failed in gatewayd; retry"))
				return err
			case errors.Is(err, store.ErrTxAborted):
				failure = internal(fmt.Errorf("this write was not saved because the transaction saving it failed; retry: %w", err))
				return err
			case err != nil:
				w.err, w.ownErr = err, true // undone alone; the batch goes on
				continue
			}
			for apiID := range w.t.deploy {
				if !all.deploy[apiID] {
					all.deploy[apiID] = true
					deploy = append(deploy, apiID)
				}
			}
		}
		// One deployment per API for the whole batch, of the state its writes left.
		sort.Strings(deploy)
		all.Tx = tx
		for _, apiID := range deploy {
			if err := all.deployAuto(apiID); err != nil {
				failure = internal(fmt.Errorf("this write was not saved because auto-deploying rest api %s failed; retry: %w", apiID, err))
				return err
			}
		}
		// What the batch changed takes the next revision, saved with the writes (revision.go).
		metering := false
		for _, w := range batch {
			if !w.ownErr {
				for k := range w.t.changed {
					all.changed[k] = true
				}
				for k := range w.t.flushes {
					all.flushes[k] = true
				}
				metering = metering || w.t.metering
			}
		}
		if change = changeOf(all.changed, metering, all.flushes); change != nil {
			rev, err := recordChange(tx, *change, s.keepChanges)
			if err != nil {
				failure = internal(fmt.Errorf("this write was not saved because recording its revision failed; retry: %w", err))
				return err
			}
			change.Revision = rev
		}
		return nil
	})
	if err != nil && failure == nil {
		failure = internal(fmt.Errorf("this write was not saved because its transaction did not commit; retry: %w", err))
	}
	for _, w := range batch {
		if !w.ownErr && failure != nil {
			w.err = failure // it succeeded alone, or never ran
		}
		w.t = nil
	}
	if failure != nil {
		return nil
	}
	return change
}

// run calls the write's function, turning a panic into its error.
func (w *write) run() (err error) {
	defer func() {
		if r := recover(); r != nil {
			w.panicked = true
			err = fmt.Errorf("panic in a control-plane write: %v\n%s", r, debug.Stack())
		}
	}()
	return w.fn(w.t)
}

// handOff gives the lead to the oldest writer still queued, or ends it when there is none.
func (s *Service) handOff() {
	c := &s.commit
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.queue) > 0 {
		w := c.queue[0]
		if w.state.CompareAndSwap(writeQueued, writeTaken) {
			w.wake <- true
			return
		}
		c.queue = c.queue[1:] // abandoned: its caller has returned
	}
	c.queue = nil
	c.leading = false
}

// release wakes the batch's writers other than the leader, whose result is already in err.
func (s *Service) release(batch []*write, self *write) {
	for _, w := range batch {
		if w != self {
			w.wake <- false
		}
	}
}

// internal wraps a failure that is no fault of the request as a 500 naming it (a 503 when the store
// cannot be reached); the cause stays
// reachable with errors.Is, but a control.Error inside it (a 404 while deploying) does not decide
// the status.
func internal(cause error) *Error {
	if errors.Is(cause, store.ErrUnavailable) {
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: cause.Error(), cause: cause}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: cause.Error(), cause: cause}
}
