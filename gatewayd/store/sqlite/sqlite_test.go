package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/storetest"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gatewayd.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTemp(t)
		return s
	})
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatewayd.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(store.KindRestAPI, "", "api1", []byte(`{"name":"pets"}`), store.AnyVersion); err != nil {
			return err
		}
		_, err := tx.Put(store.KindRestAPI, "", "api1", []byte(`{"name":"pets2"}`), store.AnyVersion)
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	entry, err := s.AppendAudit(ctx, model.AuditEntry{Time: time.Unix(1700000000, 5).UTC(), Actor: "admin", Status: 201})
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	before := migrationRows(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer s.Close()
	var got store.Record
	err = s.View(ctx, func(tx store.Tx) error {
		got, err = tx.Get(store.KindRestAPI, "", "api1")
		return err
	})
	if err != nil {
		t.Fatalf("Get after reopening: %v", err)
	}
	want := store.Record{Kind: store.KindRestAPI, Key: "api1", Version: 2, Data: []byte(`{"name":"pets2"}`)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("record after reopening (-want +got):\n%s", diff)
	}
	audit, err := s.ListAudit(ctx, 0, 10)
	if err != nil {
		t.Fatalf("ListAudit after reopening: %v", err)
	}
	if diff := cmp.Diff([]model.AuditEntry{entry}, audit); diff != "" {
		t.Errorf("audit after reopening (-want +got):\n%s", diff)
	}

	// The rows, applied_at included, are those of the first Open: nothing was applied again.
	if diff := cmp.Diff(before, migrationRows(t, s)); diff != "" {
		t.Errorf("schema_migrations after reopening (-first open +reopen):\n%s", diff)
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != len(ms) {
		t.Errorf("schema_migrations has %d rows, want one per migration (%d)", len(before), len(ms))
	}
	applied, err := migrate(ctx, s.write, ms)
	if err != nil {
		t.Fatalf("migrate on an up-to-date database: %v", err)
	}
	if len(applied) != 0 {
		t.Errorf("migrate on an up-to-date database applied %v, want nothing", applied)
	}
}

func migrationRows(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.read.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("reading schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, name, at string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, v+" "+name+" "+at)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPragmas(t *testing.T) {
	s, path := openTemp(t)
	for _, c := range []struct {
		pool  string
		query string
		want  string
	}{
		{"write", "PRAGMA journal_mode", "wal"},
		{"read", "PRAGMA journal_mode", "wal"},
		{"write", "PRAGMA synchronous", "2"}, // FULL
		{"write", "PRAGMA foreign_keys", "1"},
		{"write", "PRAGMA busy_timeout", "5000"},
		{"read", "PRAGMA busy_timeout", "5000"},
	} {
		db := s.write
		if c.pool == "read" {
			db = s.read
		}
		var got string
		if err := db.QueryRow(c.query).Scan(&got); err != nil {
			t.Fatalf("%s on the %s pool: %v", c.query, c.pool, err)
		}
		if got != c.want {
			t.Errorf("%s on the %s pool = %q, want %q", c.query, c.pool, got, c.want)
		}
	}
	err := s.Update(context.Background(), func(tx store.Tx) error {
		_, err := tx.Put(store.KindStage, "api1", "prod", []byte("{}"), store.AnyVersion)
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("after a write: %v, want a WAL file", err)
	}
}

func TestReadPoolCannotWrite(t *testing.T) {
	s, _ := openTemp(t)
	_, err := s.read.Exec(`INSERT INTO records (kind, scope, key, version, data) VALUES ('k', '', 'x', 1, x'')`)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("write through the read pool: error = %v, want a read-only error", err)
	}
}

// TestWriterProceedsBesideReader checks what WAL buys: an Update commits while a View is open.
func TestWriterProceedsBesideReader(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	err := s.View(ctx, func(tx store.Tx) error {
		if _, err := tx.List(store.KindResource, "api1", ""); err != nil { // starts the read snapshot
			return err
		}
		done := make(chan error, 1)
		go func() {
			done <- s.Update(ctx, func(tx store.Tx) error {
				_, err := tx.Put(store.KindResource, "api1", "r1", []byte("x"), store.AnyVersion)
				return err
			})
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("update still blocked behind an open view after 10s")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not an SQLite database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(ctx, newer)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := s.write.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, path, want string
	}{
		{"not a database", garbage, "file is not a database"},
		{"directory", dir, "sqlite: open " + dir},
		{"missing directory", filepath.Join(dir, "missing", "x.db"), "sqlite: open "},
		{"empty path", "", "sqlite: open: empty path"},
		{"newer schema", newer, "database schema version 999 is newer than this gatewayd supports"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(ctx, c.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Open error = %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestOpenOddPath(t *testing.T) {
	// Characters a file: URI gives meaning to must reach the file system as they are.
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%20chars")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gatewayd.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
}

func TestLoadMigrations(t *testing.T) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	if len(ms) == 0 || ms[0].name != "001_init.sql" {
		t.Errorf("embedded migrations start with %v, want 001_init.sql", ms)
	}
	for _, c := range []struct {
		name  string
		files []string
		want  string
	}{
		{"gap", []string{"001_a.sql", "003_c.sql"}, "migration 003_c.sql: version 3, want 2"},
		{"duplicate", []string{"001_a.sql", "001_b.sql"}, "migration 001_b.sql: version 1, want 2"},
		{"no number", []string{"init.sql"}, "migration init.sql: name must look like"},
		{"zero", []string{"000_a.sql"}, "migration 000_a.sql: name must look like"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range c.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			_, err := loadMigrations(fsys, "m")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("loadMigrations error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestQueryPlans guards the indexes: List and DeletePrefix must range over the primary key (no LIKE,
// no sort), DeleteScope must use its index.
func TestQueryPlans(t *testing.T) {
	s, _ := openTemp(t)
	listQ, listArgs := rangeQuery(listQuery, store.KindResource, "api1", "a%")
	delQ, delArgs := rangeQuery(deletePrefixSQL, store.KindResource, "api1", "a_")
	for _, c := range []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"list", listQ + " ORDER BY key", listArgs, "SEARCH records USING INDEX sqlite_autoindex_records_1 (kind=? AND scope=? AND key>? AND key<?)"},
		{"delete prefix", delQ, delArgs, "SEARCH records USING INDEX sqlite_autoindex_records_1 (kind=? AND scope=? AND key>? AND key<?)"},
		{"delete scope", deleteScopeSQL, []any{"api1"}, "SEARCH records USING INDEX records_scope (scope=?)"},
	} {
		rows, err := s.read.Query("EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if diff := cmp.Diff([]string{c.want}, plan); diff != "" {
			t.Errorf("%s plan (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"a%", "a&", true},
		{"a_", "a`", true},
		{"a\x7f", "a\x80", true},
		{"é", "\xc3\xaa", true}, // é is c3 a9
		{"a\xff", "b", true},
		{"a\xff\xff", "b", true},
		{"\xff\xff", "", false},
	} {
		end, ok := prefixEnd(c.prefix)
		if end != c.end || ok != c.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", c.prefix, end, ok, c.end, c.ok)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	s, _ := openTemp(t)
	err := s.Update(context.Background(), func(tx store.Tx) error {
		if _, err := tx.Put(store.KindResource, "api1", "r1", nil, store.AnyVersion); err != nil {
			return err
		}
		_, err := tx.Put(store.KindResource, "api1", "r1", nil, 7)
		return err
	})
	want := `sqlite: put resource "r1" in "api1": record version mismatch: stored 1, expected 7`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	err = s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Delete(store.KindRestAPI, "", "nope", store.AnyVersion)
	})
	want = `sqlite: delete restapi "nope": record not found`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// TestSavepointLostIsAborted: when SQLite has dropped a step's savepoint (as it does when it rolls the
// whole transaction back after SQLITE_FULL or an I/O error), the failed step cannot be undone and
// Savepoint says the transaction is aborted instead of letting it go on.
func TestSavepointLostIsAborted(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	errStep := errors.New("step failed")
	for _, c := range []struct {
		name    string
		stepErr error
	}{
		{"failed step", errStep},
		{"kept step", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var spErr error
			err := s.Update(ctx, func(stx store.Tx) error {
				spErr = stx.Savepoint(func(stx store.Tx) error {
					if _, err := stx.Put(store.KindResource, "api1", "k", []byte("x"), store.AnyVersion); err != nil {
						return err
					}
					// Drop the savepoint behind Savepoint's back.
					if _, err := stx.(*tx).tx.ExecContext(ctx, "ROLLBACK"); err != nil {
						t.Fatalf("ROLLBACK: %v", err)
					}
					return c.stepErr
				})
				return spErr
			})
			if !errors.Is(spErr, store.ErrTxAborted) {
				t.Errorf("Savepoint error = %v, want ErrTxAborted", spErr)
			}
			if c.stepErr != nil && !errors.Is(spErr, c.stepErr) {
				t.Errorf("Savepoint error = %v, want it to name the step's error too", spErr)
			}
			if !errors.Is(err, store.ErrTxAborted) {
				t.Errorf("Update error = %v, want ErrTxAborted", err)
			}
		})
	}
	// The single write connection is not left inside a transaction.
	if err := s.Update(ctx, func(stx store.Tx) error {
		_, err := stx.Put(store.KindResource, "api1", "k", []byte("y"), store.AnyVersion)
		return err
	}); err != nil {
		t.Fatalf("Update after the aborted ones: %v", err)
	}
}
