package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// TestStressConflictPath hammers the refused-write path (a rolled-back Update) beside audit appends and
// reads: a statement left open there would wedge the single writer connection.
func TestStressConflictPath(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put("k", "s", "a", []byte("x"), store.AnyVersion); return err })
	var wg sync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err := s.Update(cctx, func(tx store.Tx) error {
					if _, err := tx.Get("k", "s", "a"); err != nil {
						return err
					}
					if _, err := tx.List("k", "s", ""); err != nil {
						return err
					}
					_, err := tx.Put("k", "s", "a", []byte("y"), store.ExpectAbsent)
					return err
				})
				cancel()
				if err == nil {
					t.Error("expected ErrExists")
				}
				if _, err := s.AppendAudit(ctx, model.AuditEntry{Method: "PUT"}); err != nil {
					t.Error(err)
				}
				_ = s.View(ctx, func(tx store.Tx) error { _, err := tx.Get("k", "s", "a"); return err })
			}
		}(g)
	}
	wg.Wait()
}
