package control

import (
	"context"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// SetBeforeBatch makes each batch's leader call fn before it takes its batch, so that a test can
// hold the leader until the writes it wants in one batch are queued. Set it while no write runs.
func SetBeforeBatch(s *Service, fn func()) { s.commit.beforeBatch = fn }

// QueuedWrites returns how many writes are queued, the leader's own included.
func QueuedWrites(s *Service) int {
	s.commit.mu.Lock()
	defer s.commit.mu.Unlock()
	return len(s.commit.queue)
}

// Write runs fn as a write of its own, through the same queue and batches as every write.
func Write(s *Service, ctx context.Context, fn func() error) error {
	return s.update(ctx, func(*txn) error { return fn() })
}

// WriteTx runs fn as a write of its own on the write's transaction.
func WriteTx(s *Service, ctx context.Context, fn func(tx store.Tx) error) error {
	return s.update(ctx, func(t *txn) error { return fn(t) })
}

// SetKeepChanges sets how many changes the revision log keeps. Set it while no write runs.
func SetKeepChanges(s *Service, n int64) { s.keepChanges = n }
