package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/postgres/pgtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

func openTemp(t *testing.T, srv *pgtest.Server) *Store {
	t.Helper()
	s, err := Open(context.Background(), srv.NewDatabase(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	srv := pgtest.Shared(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, srv) })
}

func TestReopenMigratesOnceAndNodesMigrateTogether(t *testing.T) {
	srv := pgtest.Shared(t)
	url := srv.NewDatabase(t)
	ctx := context.Background()
	// Three nodes opening an empty database at once: the advisory lock makes one apply the migrations
	// and the others find them applied.
	var wg sync.WaitGroup
	stores := make([]*Store, 3)
	errs := make([]error, 3)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	if err := stores[0].Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(store.KindRestAPI, "", "api1", []byte(`{"name":"pets"}`), store.AnyVersion)
		return err
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	rows := func() []string {
		r, err := stores[0].pool.Query(ctx, `SELECT version, name, applied_at::text FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatalf("reading schema_migrations: %v", err)
		}
		out, err := pgx.CollectRows(r, func(row pgx.CollectableRow) (string, error) {
			var v int
			var name, at string
			err := row.Scan(&v, &name, &at)
			return fmt.Sprintf("%d %s %s", v, name, at), err
		})
		if err != nil {
			t.Fatalf("reading schema_migrations: %v", err)
		}
		return out
	}
	before := rows()
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != len(ms) {
		t.Errorf("schema_migrations has %d rows, want one per migration (%d): %v", len(before), len(ms), before)
	}
	again, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer again.Close()
	if diff := cmp.Diff(before, rows()); diff != "" {
		t.Errorf("schema_migrations after reopening (-first open +reopen):\n%s", diff)
	}
	var got store.Record
	if err := again.View(ctx, func(tx store.Tx) (err error) {
		got, err = tx.Get(store.KindRestAPI, "", "api1")
		return err
	}); err != nil || string(got.Data) != `{"name":"pets"}` {
		t.Errorf("record after reopening = %+v, %v", got, err)
	}
	if applied, err := migrate(ctx, again.pool, ms); err != nil || len(applied) != 0 {
		t.Errorf("migrate on an up-to-date database = %v, %v; want nothing applied", applied, err)
	}
	// A database from a newer gatewayd is refused rather than used.
	if _, err := again.pool.Exec(ctx, `INSERT INTO schema_migrations VALUES (999, '999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(ctx, url); err == nil || !strings.Contains(err.Error(), "newer than this gatewayd supports") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a database at schema version 999: error = %v, want one saying it is newer", err)
	}
}

// TestUpdatesAreSerializable is the write-skew case snapshot isolation lets through: each of two
// transactions reads both records and, seeing both off, turns its own on. Serially, only one of them
// can find both off. The second transaction runs again inside the store (fn runs more than once) and
// then sees the first one's write.
func TestUpdatesAreSerializable(t *testing.T) {
	srv := pgtest.Shared(t)
	s := openTemp(t, srv)
	ctx := context.Background()
	for _, k := range []string{"x", "y"} {
		if err := s.Update(ctx, func(tx store.Tx) error {
			_, err := tx.Put(store.KindStage, "", k, []byte("off"), store.AnyVersion)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var runs atomic.Int32
	bothRead := make(chan struct{})
	var once sync.Once
	var readers atomic.Int32
	turnOn := func(mine string) error {
		return s.Update(ctx, func(tx store.Tx) error {
			runs.Add(1)
			on := 0
			for _, k := range []string{"x", "y"} {
				r, err := tx.Get(store.KindStage, "", k)
				if err != nil {
					return err
				}
				if string(r.Data) == "on" {
					on++
				}
			}
			// Both first runs read before either writes.
			if readers.Add(1) == 2 {
				once.Do(func() { close(bothRead) })
			}
			select {
			case <-bothRead:
			case <-time.After(2 * time.Second):
			}
			if on > 0 {
				return nil
			}
			_, err := tx.Put(store.KindStage, "", mine, []byte("on"), store.AnyVersion)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, k := range []string{"x", "y"} {
		wg.Go(func() { errs[i] = turnOn(k) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	on := 0
	for _, k := range []string{"x", "y"} {
		var r store.Record
		if err := s.View(ctx, func(tx store.Tx) (err error) { r, err = tx.Get(store.KindStage, "", k); return err }); err != nil {
			t.Fatal(err)
		}
		if string(r.Data) == "on" {
			on++
		}
	}
	if on != 1 {
		t.Errorf("%d records on after two concurrent transactions, want 1 (write skew)", on)
	}
	if n := runs.Load(); n < 3 {
		t.Errorf("fn ran %d times, want at least 3 (one transaction retried)", n)
	}
}

// TestSerializationFailureInSavepoint: a step that loses a serialization race cannot be kept by
// treating the failure as the step's own error; the Savepoint says ErrTxAborted and the Update runs
// again from the start.
func TestSerializationFailureInSavepoint(t *testing.T) {
	srv := pgtest.Shared(t)
	s := openTemp(t, srv)
	ctx := context.Background()
	if err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(store.KindStage, "", "hot", []byte("0"), store.AnyVersion)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	release := make(chan struct{})
	var runs atomic.Int32
	var aborted atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx store.Tx) error {
			n := runs.Add(1)
			if _, err := tx.Get(store.KindStage, "", "hot"); err != nil {
				return err
			}
			if n == 1 {
				close(started)
				<-release // the other writer commits meanwhile
			}
			err := tx.Savepoint(func(tx store.Tx) error {
				_, err := tx.Put(store.KindStage, "", "hot", []byte("mine"), store.AnyVersion)
				return err
			})
			if errors.Is(err, store.ErrTxAborted) {
				aborted.Store(true)
			}
			return nil // as the control plane's batch does with a step's own error
		})
	}()
	<-started
	if err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Put(store.KindStage, "", "hot", []byte("theirs"), store.AnyVersion)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !aborted.Load() || runs.Load() != 2 {
		t.Errorf("savepoint aborted = %v, runs = %d; want an aborted step and a second run", aborted.Load(), runs.Load())
	}
	var r store.Record
	if err := s.View(ctx, func(tx store.Tx) (err error) { r, err = tx.Get(store.KindStage, "", "hot"); return err }); err != nil {
		t.Fatal(err)
	}
	if string(r.Data) != "mine" || r.Version != 3 {
		t.Errorf("record = %q version %d, want %q version 3", r.Data, r.Version, "mine")
	}
}

func TestTextPostgresCannotHold(t *testing.T) {
	srv := pgtest.Shared(t)
	s := openTemp(t, srv)
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, key := range []string{"bad\xff", "nul\x00"} {
			if _, err := tx.Put(store.KindStage, "", key, []byte("x"), store.AnyVersion); err == nil || !strings.Contains(err.Error(), "not valid UTF-8 text") {
				t.Errorf("Put(%q) error = %v, want one naming the key as invalid text", key, err)
			}
			if _, err := tx.List(store.KindStage, "", key); err == nil {
				t.Errorf("List(%q) succeeded, want an error", key)
			}
		}
		// The transaction is still usable: the refusal never reached PostgreSQL.
		_, err := tx.Put(store.KindStage, "", "good", []byte("x"), store.AnyVersion)
		return err
	})
	if err != nil {
		t.Fatalf("Update after refused keys: %v", err)
	}
}

func TestOpenErrorsHidePassword(t *testing.T) {
	_, err := Open(context.Background(), "postgres://gw:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=1")
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
	if _, err := Open(context.Background(), "postgres://gw:s3cret@127.0.0.1:1/db?sslmode=bogus"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a bad URL: error = %v, want one without the password", err)
	}
}

func TestPrefixEnd(t *testing.T) {
	for in, want := range map[string]string{
		"a": "b", "a\U0010ffff": "b", "\U0010ffff": "", "a\ud7ff": "a\ue000", "é": "ê", "": "",
	} {
		got, ok := prefixEnd(in)
		if got != want || ok != (want != "") {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
