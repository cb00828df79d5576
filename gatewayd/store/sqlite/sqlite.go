// Package sqlite is the embedded store.Store backend: one SQLite file in WAL mode, written through a
// single connection and read through a small read-only pool, using the pure-Go modernc.org/sqlite.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

const (
	// readConns bounds the read pool: each connection holds its own page cache.
	readConns = 4

	// writeParams: WAL so readers never block the writer; synchronous=FULL so a commit is on disk
	// before Update returns; busy_timeout for other processes holding the file; BEGIN IMMEDIATE so a
	// transaction takes the write lock up front instead of failing to upgrade a read lock midway.
	writeParams = "_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"
	// readParams: mode=ro makes the pool unable to write whatever SQL reaches it. The journal mode is
	// a property of the file, set by the writer.
	readParams = "mode=ro&_busy_timeout=5000&_foreign_keys=1"
)

// Store is a store.Store kept in one SQLite file. It is safe for concurrent use.
type Store struct {
	// write has exactly one connection: SQLite admits one writer at a time, so writers queue in
	// database/sql rather than fail with SQLITE_BUSY.
	write *sql.DB
	read  *sql.DB
	// writeStmts and readStmts are the queries of tx, prepared once: parsing the SQL of every call
	// again cost a fifth of a write's CPU.
	writeStmts, readStmts map[string]*sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens the database at path, creating the file if it is missing (its directory must exist),
// and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	uri := fileURI(abs)

	write, err := sql.Open("sqlite", uri+"?"+writeParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if _, err := migrate(ctx, write, ms); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// SQLite silently keeps the old journal mode where WAL is unavailable (some network file
	// systems); the read pool's isolation depends on WAL, so refuse to run without it.
	var mode string
	if err := write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: reading journal mode: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: journal mode is %q, want wal", path, mode)
	}

	read, err := sql.Open("sqlite", uri+"?"+readParams)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	read.SetConnMaxLifetime(0)
	read.SetConnMaxIdleTime(0)
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	st := &Store{write: write, read: read}
	if st.writeStmts, err = prepare(ctx, write); err == nil {
		st.readStmts, err = prepare(ctx, read)
	}
	if err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return st, nil
}

// Queries of tx besides those of listQuery, deletePrefixSQL and deleteScopeSQL.
const (
	getSQL     = `SELECT version, data FROM records WHERE kind = ? AND scope = ? AND key = ?`
	versionSQL = `SELECT version FROM records WHERE kind = ? AND scope = ? AND key = ?`
	putAnySQL  = `INSERT INTO records (kind, scope, key, version, data) VALUES (?, ?, ?, 1, ?)
			ON CONFLICT (kind, scope, key) DO UPDATE SET version = records.version + 1, data = excluded.data
			RETURNING version`
	putAbsentSQL = `INSERT INTO records (kind, scope, key, version, data) VALUES (?, ?, ?, 1, ?)
			ON CONFLICT (kind, scope, key) DO NOTHING
			RETURNING version`
	putVersionSQL = `UPDATE records SET version = version + 1, data = ?
			WHERE kind = ? AND scope = ? AND key = ? AND version = ?
			RETURNING version`
	deleteSQL = `DELETE FROM records WHERE kind = ? AND scope = ? AND key = ?`
)

// prepare prepares tx's queries on db.
func prepare(ctx context.Context, db *sql.DB) (map[string]*sql.Stmt, error) {
	qs := []string{getSQL, versionSQL, putAnySQL, putAbsentSQL, putVersionSQL, deleteSQL, deleteSQL + ` AND version = ?`,
		listQuery + " ORDER BY key", listQuery + keyBelow + " ORDER BY key", deletePrefixSQL, deletePrefixSQL + keyBelow, deleteScopeSQL}
	out := make(map[string]*sql.Stmt, len(qs))
	for _, q := range qs {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("preparing %q: %w", q, err)
		}
		out[q] = st
	}
	return out, nil
}

// fileURI turns an absolute file name into an SQLite URI (needed for mode=ro), escaping the
// characters a URI gives meaning to.
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	var b strings.Builder
	b.WriteString("file://")
	if !strings.HasPrefix(p, "/") {
		b.WriteByte('/') // Windows: file:///C:/dir/file
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%', '?', '#':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin update: %w", err)
	}
	committed := false
	defer func() {
		// Also runs while a panic from fn unwinds, which then goes on.
		if !committed {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(&tx{ctx: ctx, tx: sqlTx, stmts: s.writeStmts}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	committed = true
	return nil
}

// View implements store.Store. In WAL mode the read transaction's snapshot is fixed at its first
// read, and writers go on beside it.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	sqlTx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin view: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&tx{ctx: ctx, tx: sqlTx, stmts: s.readStmts, readOnly: true})
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error) {
	res, err := s.write.ExecContext(ctx, `INSERT INTO audit (time, actor, remote, method, path, status, result, object_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Remote, e.Method, e.Path, e.Status, e.Result, e.ObjectID)
	if err != nil {
		return model.AuditEntry{}, fmt.Errorf("sqlite: append audit: %w", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return model.AuditEntry{}, fmt.Errorf("sqlite: append audit: %w", err)
	}
	e.Seq = seq
	return e, nil
}

// ListAudit implements store.Store. A limit of zero or less returns nothing.
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]model.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil // SQLite would read LIMIT -1 as "no limit"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT seq, time, actor, remote, method, path, status, result, object_id
		FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		var e model.AuditEntry
		var t string
		if err := rows.Scan(&e.Seq, &t, &e.Actor, &e.Remote, &e.Method, &e.Path, &e.Status, &e.Result, &e.ObjectID); err != nil {
			return nil, fmt.Errorf("sqlite: list audit: %w", err)
		}
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("sqlite: list audit: entry %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list audit: %w", err)
	}
	return out, nil
}

// Ping implements store.Store. It reads through the read pool so that a long Update, which holds
// the only write connection, does not make the store look down.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes both pools. The writer goes last: SQLite checkpoints the WAL into the main file when
// its last connection closes.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// Queries shared with the tests that check their plans.
const (
	listQuery       = `SELECT key, version, data FROM records WHERE kind = ? AND scope = ? AND key >= ?`
	deletePrefixSQL = `DELETE FROM records WHERE kind = ? AND scope = ? AND key >= ?`
	keyBelow        = ` AND key < ?`
	deleteScopeSQL  = `DELETE FROM records WHERE scope = ?`
)

// tx implements store.Tx over one database/sql transaction.
type tx struct {
	ctx      context.Context
	tx       *sql.Tx
	stmts    map[string]*sql.Stmt
	readOnly bool
	// savepoints numbers the transaction's savepoints, so that each has its own name.
	savepoints int
}

var errReadOnly = errors.New("read-only transaction")

// stmt returns q prepared for the transaction when it is one of the prepared queries.
func (t *tx) stmt(q string) *sql.Stmt {
	if st := t.stmts[q]; st != nil {
		return t.tx.StmtContext(t.ctx, st)
	}
	return nil
}

func (t *tx) queryRow(q string, args ...any) *sql.Row {
	if st := t.stmt(q); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(q); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	if st := t.stmt(q); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

func (t *tx) Get(kind store.Kind, scope, key string) (store.Record, error) {
	r := store.Record{Kind: kind, Scope: scope, Key: key}
	err := t.queryRow(getSQL, string(kind), scope, key).Scan(&r.Version, &r.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, fmt.Errorf("sqlite: get %s: %w", ref(kind, scope, key), store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("sqlite: get %s: %w", ref(kind, scope, key), err)
	}
	return r, nil
}

// List ranges over the primary key instead of using LIKE, which would need escaping for keys
// holding % or _ and could not use the index.
func (t *tx) List(kind store.Kind, scope, prefix string) ([]store.Record, error) {
	q, args := rangeQuery(listQuery, kind, scope, prefix)
	rows, err := t.query(q+" ORDER BY key", args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %s %q in %q: %w", kind, prefix, scope, err)
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		r := store.Record{Kind: kind, Scope: scope}
		if err := rows.Scan(&r.Key, &r.Version, &r.Data); err != nil {
			return nil, fmt.Errorf("sqlite: list %s %q in %q: %w", kind, prefix, scope, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %s %q in %q: %w", kind, prefix, scope, err)
	}
	return out, nil
}

func (t *tx) Put(kind store.Kind, scope, key string, data []byte, expect int64) (int64, error) {
	if t.readOnly {
		return 0, fmt.Errorf("sqlite: put %s: %w", ref(kind, scope, key), errReadOnly)
	}
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	var version int64
	var err error
	switch {
	case expect == store.AnyVersion:
		err = t.queryRow(putAnySQL, string(kind), scope, key, data).Scan(&version)
	case expect == store.ExpectAbsent:
		err = t.queryRow(putAbsentSQL, string(kind), scope, key, data).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("sqlite: put %s: %w", ref(kind, scope, key), store.ErrExists)
		}
	case expect > 0:
		err = t.queryRow(putVersionSQL, data, string(kind), scope, key, expect).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, t.conflict("put", kind, scope, key, expect)
		}
	default:
		return 0, fmt.Errorf("sqlite: put %s: invalid expected version %d", ref(kind, scope, key), expect)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: put %s: %w", ref(kind, scope, key), err)
	}
	return version, nil
}

func (t *tx) Delete(kind store.Kind, scope, key string, expect int64) error {
	if t.readOnly {
		return fmt.Errorf("sqlite: delete %s: %w", ref(kind, scope, key), errReadOnly)
	}
	q := deleteSQL
	args := []any{string(kind), scope, key}
	switch {
	case expect == store.AnyVersion:
	case expect > 0:
		q += ` AND version = ?`
		args = append(args, expect)
	default:
		return fmt.Errorf("sqlite: delete %s: invalid expected version %d", ref(kind, scope, key), expect)
	}
	res, err := t.exec(q, args...)
	if err != nil {
		return fmt.Errorf("sqlite: delete %s: %w", ref(kind, scope, key), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete %s: %w", ref(kind, scope, key), err)
	}
	if n == 0 {
		return t.conflict("delete", kind, scope, key, expect)
	}
	return nil
}

// conflict explains why a write conditioned on expect touched no row.
func (t *tx) conflict(op string, kind store.Kind, scope, key string, expect int64) error {
	var stored int64
	err := t.queryRow(versionSQL, string(kind), scope, key).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s %s: %w", op, ref(kind, scope, key), store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: %s %s: %w", op, ref(kind, scope, key), err)
	default:
		return fmt.Errorf("sqlite: %s %s: %w: stored %d, expected %d",
			op, ref(kind, scope, key), store.ErrVersionMismatch, stored, expect)
	}
}

func (t *tx) DeletePrefix(kind store.Kind, scope, prefix string) (int, error) {
	if t.readOnly {
		return 0, fmt.Errorf("sqlite: delete %s %q in %q: %w", kind, prefix, scope, errReadOnly)
	}
	q, args := rangeQuery(deletePrefixSQL, kind, scope, prefix)
	res, err := t.exec(q, args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete %s %q in %q: %w", kind, prefix, scope, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete %s %q in %q: %w", kind, prefix, scope, err)
	}
	return int(n), nil
}

func (t *tx) DeleteScope(scope string) error {
	if t.readOnly {
		return fmt.Errorf("sqlite: delete scope %q: %w", scope, errReadOnly)
	}
	if _, err := t.exec(deleteScopeSQL, scope); err != nil {
		return fmt.Errorf("sqlite: delete scope %q: %w", scope, err)
	}
	return nil
}

// Savepoint implements store.Tx with SQLite's SAVEPOINT, ROLLBACK TO and RELEASE. Some errors
// (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM...) make SQLite roll the whole transaction back by
// itself; the savepoint is then gone, ROLLBACK TO or RELEASE fails, and the error says ErrTxAborted.
func (t *tx) Savepoint(fn func(tx store.Tx) error) (err error) {
	if t.readOnly {
		return fn(t)
	}
	t.savepoints++
	name := fmt.Sprintf("sp%d", t.savepoints)
	if _, err := t.tx.ExecContext(t.ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("sqlite: savepoint: %w: %w", store.ErrTxAborted, err)
	}
	undo := func() error {
		if _, err := t.tx.ExecContext(t.ctx, "ROLLBACK TO "+name); err != nil {
			return err
		}
		// ROLLBACK TO leaves the savepoint open; RELEASE takes it off the stack.
		_, err := t.tx.ExecContext(t.ctx, "RELEASE "+name)
		return err
	}
	done := false
	defer func() {
		if !done { // fn panicked: undo what can be undone, and let the panic go on
			_ = undo()
		}
	}()
	ferr := fn(t)
	done = true
	if ferr != nil {
		if err := undo(); err != nil {
			return fmt.Errorf("sqlite: rolling back to savepoint %s: %w: %w (the step had failed with: %w)", name, store.ErrTxAborted, err, ferr)
		}
		return ferr
	}
	if _, err := t.tx.ExecContext(t.ctx, "RELEASE "+name); err != nil {
		return fmt.Errorf("sqlite: releasing savepoint %s: %w: %w", name, store.ErrTxAborted, err)
	}
	return nil
}

// rangeQuery completes q, which ends in "key >= ?", into a range over the keys starting with prefix.
func rangeQuery(q string, kind store.Kind, scope, prefix string) (string, []any) {
	args := []any{string(kind), scope, prefix}
	if end, ok := prefixEnd(prefix); ok {
		q += keyBelow
		args = append(args, end)
	}
	return q, args
}

// prefixEnd returns the least string above every string that starts with prefix, in the byte order
// of SQLite's BINARY collation, or false when there is none (prefix empty or all 0xff bytes).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// ref names a record in error messages.
func ref(kind store.Kind, scope, key string) string {
	if scope == "" {
		return fmt.Sprintf("%s %q", kind, key)
	}
	return fmt.Sprintf("%s %q in %q", kind, key, scope)
}
