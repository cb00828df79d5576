// Package postgres is the shared store.Store backend: several gatewayd nodes keep their configuration
// in one PostgreSQL database (pgx v5). Updates are SERIALIZABLE, so the read-check-write of the
// control plane holds across nodes as it does on SQLite's single writer; an Update that loses a
// serialization race is run again inside the store. Views read one REPEATABLE READ snapshot. Each
// Update that writes sends a NOTIFY on commit (see Notify), so that other nodes learn of the change.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Channel is the LISTEN/NOTIFY channel on which each committed write is announced.
const Channel = "gatewayd_commits"

const (
	// maxAttempts bounds the runs of one Update that keep losing serialization races.
	maxAttempts = 50
	// auditLock is the advisory lock that makes audit sequence numbers commit in order, so that a
	// reader paging with ListAudit(after) never skips an entry committed late.
	auditLock = 0x61756469_74000000 // "audit"
)

// Store is a store.Store kept in PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// connConfig opens Notify's own connection: LISTEN holds a connection for as long as it listens.
	connConfig *pgx.ConnConfig
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:pass@host:port/db?...) and brings its schema
// up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	ms, err := loadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors quote the URL, password included.
		return nil, fmt.Errorf("postgres: parsing the connection URL %s: %w", redact(url), errors.Unwrap(err))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without one, a database that does not answer would hold every write (and the control
		// plane's queue behind it) until the kernel gives up on the connection.
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting to %s: %w", redact(url), err)
	}
	if _, err := migrate(ctx, pool, ms); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", redact(url), err)
	}
	return &Store{pool: pool, connConfig: cfg.ConnConfig.Copy()}, nil
}

// redact hides the password of a connection URL.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return "(connection string)"
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if name, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + name + ":xxxxx@" + host
	}
	return url
}

// Update implements store.Store. fn may run more than once: when PostgreSQL aborts the transaction
// because a concurrent one made it unserializable, the store rolls back and runs fn again on the new
// state, up to maxAttempts times. fn must therefore keep its effects inside the transaction, or reset
// them when it starts.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("postgres: update: %w", err)
		}
		err, retry := s.updateOnce(ctx, fn)
		if !retry {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("postgres: update: gave up after %d serialization failures: %w", attempt, err)
		}
		// Jitter, so that the transactions that collided do not collide again.
		d := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(time.Millisecond)))
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
}

// updateOnce runs one attempt of Update; retry reports a serialization failure.
func (s *Store) updateOnce(ctx context.Context, fn func(tx store.Tx) error) (err error, retry bool) {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("postgres: begin update: %w", unavailable(err)), false
	}
	committed := false
	defer func() {
		// Also runs while a panic from fn unwinds, which then goes on.
		if !committed {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_ = ptx.Rollback(rctx)
			cancel()
		}
	}()
	t := &tx{ctx: ctx, tx: ptx}
	ferr := fn(t)
	if t.serialization != nil {
		return t.serialization, true // whatever fn made of it
	}
	if ferr != nil {
		return ferr, false
	}
	if t.wrote {
		if _, err := ptx.Exec(ctx, `SELECT pg_notify($1, '')`, Channel); err != nil {
			return t.check(fmt.Errorf("postgres: notify: %w", err)), t.serialization != nil
		}
	}
	if err := ptx.Commit(ctx); err != nil {
		if isSerialization(err) {
			return fmt.Errorf("postgres: commit: %w", err), true
		}
		return fmt.Errorf("postgres: commit: %w", unavailable(err)), false
	}
	committed = true
	return nil, false
}

// isSerialization reports the errors after which PostgreSQL asks for the transaction to be retried:
// serialization_failure and deadlock_detected.
func isSerialization(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// View implements store.Store: one REPEATABLE READ snapshot, read-only.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin view: %w", unavailable(err))
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_ = ptx.Rollback(rctx)
		cancel()
	}()
	return fn(&tx{ctx: ctx, tx: ptx, readOnly: true})
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error) {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO audit (time, actor, remote, method, path, status, result, object_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
			e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Remote, e.Method, e.Path, e.Status, e.Result, e.ObjectID).Scan(&e.Seq)
	})
	if err != nil {
		return model.AuditEntry{}, fmt.Errorf("postgres: append audit: %w", unavailable(err))
	}
	return e, nil
}

// ListAudit implements store.Store. A limit of zero or less returns nothing.
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]model.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, time, actor, remote, method, path, status, result, object_id
		FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", unavailable(err))
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		var e model.AuditEntry
		var t string
		if err := rows.Scan(&e.Seq, &t, &e.Actor, &e.Remote, &e.Method, &e.Path, &e.Status, &e.Result, &e.ObjectID); err != nil {
			return nil, fmt.Errorf("postgres: list audit: %w", err)
		}
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("postgres: list audit: entry %d: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list audit: %w", err)
	}
	return out, nil
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("postgres: ping: %w", unavailable(err))
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// tx implements store.Tx over one pgx transaction.
type tx struct {
	ctx      context.Context
	tx       pgx.Tx
	readOnly bool
	// wrote is set by the first write: the commit then announces itself (Notify).
	wrote bool
	// savepoints numbers the transaction's savepoints, so that each has its own name.
	savepoints int
	// serialization holds the first serialization failure: the transaction is then lost, whatever fn
	// does with the error, and Update runs it again.
	serialization error
}

var errReadOnly = errors.New("read-only transaction")

// check notes a serialization failure in err and returns err, marked ErrUnavailable when the
// connection was lost.
func (t *tx) check(err error) error {
	if err != nil && t.serialization == nil && isSerialization(err) {
		t.serialization = err
	}
	return unavailable(err)
}

// unavailable marks err with store.ErrUnavailable when it says the database cannot be reached: no
// connection could be made, the connection broke, or the server is shutting down or starting.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"),
		pgconn.SafeToRetry(err) && !errors.As(err, &pgErr):
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// validText refuses what a PostgreSQL text column cannot hold (invalid UTF-8, NUL bytes) with an
// error naming it, instead of an error that would abort the transaction.
func validText(what, s string) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s %q is not valid UTF-8 text without NUL bytes", what, s)
	}
	return nil
}

func validRef(kind store.Kind, scope, key string) error {
	return errors.Join(validText("kind", string(kind)), validText("scope", scope), validText("key", key))
}

func (t *tx) Get(kind store.Kind, scope, key string) (store.Record, error) {
	if err := validRef(kind, scope, key); err != nil {
		return store.Record{}, fmt.Errorf("postgres: get: %w", err)
	}
	r := store.Record{Kind: kind, Scope: scope, Key: key}
	err := t.tx.QueryRow(t.ctx, `SELECT version, data FROM records WHERE kind = $1 AND scope = $2 AND key = $3`,
		string(kind), scope, key).Scan(&r.Version, &r.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, fmt.Errorf("postgres: get %s: %w", ref(kind, scope, key), store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, t.check(fmt.Errorf("postgres: get %s: %w", ref(kind, scope, key), err))
	}
	return r, nil
}

// List ranges over the primary key instead of using LIKE, which would need escaping for keys
// holding % or _ and could not use the index.
func (t *tx) List(kind store.Kind, scope, prefix string) ([]store.Record, error) {
	if err := validRef(kind, scope, prefix); err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	q, args := rangeQuery(`SELECT key, version, data FROM records WHERE kind = $1 AND scope = $2 AND key >= $3`, kind, scope, prefix)
	rows, err := t.tx.Query(t.ctx, q+" ORDER BY key", args...)
	if err != nil {
		return nil, t.check(fmt.Errorf("postgres: list %s %q in %q: %w", kind, prefix, scope, err))
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		r := store.Record{Kind: kind, Scope: scope}
		if err := rows.Scan(&r.Key, &r.Version, &r.Data); err != nil {
			return nil, t.check(fmt.Errorf("postgres: list %s %q in %q: %w", kind, prefix, scope, err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.check(fmt.Errorf("postgres: list %s %q in %q: %w", kind, prefix, scope, err))
	}
	return out, nil
}

func (t *tx) Put(kind store.Kind, scope, key string, data []byte, expect int64) (int64, error) {
	if t.readOnly {
		return 0, fmt.Errorf("postgres: put %s: %w", ref(kind, scope, key), errReadOnly)
	}
	if err := validRef(kind, scope, key); err != nil {
		return 0, fmt.Errorf("postgres: put: %w", err)
	}
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	var version int64
	var err error
	switch {
	case expect == store.AnyVersion:
		err = t.tx.QueryRow(t.ctx, `INSERT INTO records (kind, scope, key, version, data) VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (kind, scope, key) DO UPDATE SET version = records.version + 1, data = excluded.data
			RETURNING version`, string(kind), scope, key, data).Scan(&version)
	case expect == store.ExpectAbsent:
		err = t.tx.QueryRow(t.ctx, `INSERT INTO records (kind, scope, key, version, data) VALUES ($1, $2, $3, 1, $4)
			ON CONFLICT (kind, scope, key) DO NOTHING
			RETURNING version`, string(kind), scope, key, data).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("postgres: put %s: %w", ref(kind, scope, key), store.ErrExists)
		}
	case expect > 0:
		err = t.tx.QueryRow(t.ctx, `UPDATE records SET version = version + 1, data = $1
			WHERE kind = $2 AND scope = $3 AND key = $4 AND version = $5
			RETURNING version`, data, string(kind), scope, key, expect).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, t.conflict("put", kind, scope, key, expect)
		}
	default:
		return 0, fmt.Errorf("postgres: put %s: invalid expected version %d", ref(kind, scope, key), expect)
	}
	if err != nil {
		return 0, t.check(fmt.Errorf("postgres: put %s: %w", ref(kind, scope, key), err))
	}
	t.wrote = true
	return version, nil
}

func (t *tx) Delete(kind store.Kind, scope, key string, expect int64) error {
	if t.readOnly {
		return fmt.Errorf("postgres: delete %s: %w", ref(kind, scope, key), errReadOnly)
	}
	if err := validRef(kind, scope, key); err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	q := `DELETE FROM records WHERE kind = $1 AND scope = $2 AND key = $3`
	args := []any{string(kind), scope, key}
	switch {
	case expect == store.AnyVersion:
	case expect > 0:
		q += ` AND version = $4`
		args = append(args, expect)
	default:
		return fmt.Errorf("postgres: delete %s: invalid expected version %d", ref(kind, scope, key), expect)
	}
	tag, err := t.tx.Exec(t.ctx, q, args...)
	if err != nil {
		return t.check(fmt.Errorf("postgres: delete %s: %w", ref(kind, scope, key), err))
	}
	if tag.RowsAffected() == 0 {
		return t.conflict("delete", kind, scope, key, expect)
	}
	t.wrote = true
	return nil
}

// conflict explains why a write conditioned on expect touched no row.
func (t *tx) conflict(op string, kind store.Kind, scope, key string, expect int64) error {
	var stored int64
	err := t.tx.QueryRow(t.ctx, `SELECT version FROM records WHERE kind = $1 AND scope = $2 AND key = $3`,
		string(kind), scope, key).Scan(&stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: %s %s: %w", op, ref(kind, scope, key), store.ErrNotFound)
	case err != nil:
		return t.check(fmt.Errorf("postgres: %s %s: %w", op, ref(kind, scope, key), err))
	default:
		return fmt.Errorf("postgres: %s %s: %w: stored %d, expected %d",
			op, ref(kind, scope, key), store.ErrVersionMismatch, stored, expect)
	}
}

func (t *tx) DeletePrefix(kind store.Kind, scope, prefix string) (int, error) {
	if t.readOnly {
		return 0, fmt.Errorf("postgres: delete %s %q in %q: %w", kind, prefix, scope, errReadOnly)
	}
	if err := validRef(kind, scope, prefix); err != nil {
		return 0, fmt.Errorf("postgres: delete prefix: %w", err)
	}
	q, args := rangeQuery(`DELETE FROM records WHERE kind = $1 AND scope = $2 AND key >= $3`, kind, scope, prefix)
	tag, err := t.tx.Exec(t.ctx, q, args...)
	if err != nil {
		return 0, t.check(fmt.Errorf("postgres: delete %s %q in %q: %w", kind, prefix, scope, err))
	}
	t.wrote = t.wrote || tag.RowsAffected() > 0
	return int(tag.RowsAffected()), nil
}

func (t *tx) DeleteScope(scope string) error {
	if t.readOnly {
		return fmt.Errorf("postgres: delete scope %q: %w", scope, errReadOnly)
	}
	if err := validText("scope", scope); err != nil {
		return fmt.Errorf("postgres: delete scope: %w", err)
	}
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM records WHERE scope = $1`, scope)
	if err != nil {
		return t.check(fmt.Errorf("postgres: delete scope %q: %w", scope, err))
	}
	t.wrote = t.wrote || tag.RowsAffected() > 0
	return nil
}

// Savepoint implements store.Tx with SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT. A step
// that met a serialization failure returns an error wrapping ErrTxAborted whatever fn returned: the
// whole transaction is lost and Update runs it again.
func (t *tx) Savepoint(fn func(tx store.Tx) error) (err error) {
	if t.readOnly {
		return fn(t)
	}
	t.savepoints++
	name := fmt.Sprintf("sp%d", t.savepoints)
	if _, err := t.tx.Exec(t.ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("postgres: savepoint: %w: %w", store.ErrTxAborted, t.check(err))
	}
	undo := func() error {
		// ROLLBACK TO also clears the aborted state a failed statement leaves in PostgreSQL.
		if _, err := t.tx.Exec(t.ctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
			return err
		}
		_, err := t.tx.Exec(t.ctx, "RELEASE SAVEPOINT "+name)
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
	if t.serialization != nil {
		return fmt.Errorf("postgres: savepoint %s: %w: %w", name, store.ErrTxAborted, t.serialization)
	}
	if ferr != nil {
		if err := undo(); err != nil {
			return fmt.Errorf("postgres: rolling back to savepoint %s: %w: %w (the step had failed with: %w)", name, store.ErrTxAborted, t.check(err), ferr)
		}
		return ferr
	}
	if _, err := t.tx.Exec(t.ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("postgres: releasing savepoint %s: %w: %w", name, store.ErrTxAborted, t.check(err))
	}
	return nil
}

// rangeQuery completes q, which ends in "key >= $3", into a range over the keys starting with prefix.
func rangeQuery(q string, kind store.Kind, scope, prefix string) (string, []any) {
	args := []any{string(kind), scope, prefix}
	if end, ok := prefixEnd(prefix); ok {
		q += ` AND key < $4`
		args = append(args, end)
	}
	return q, args
}

// prefixEnd returns the least string above every string that starts with prefix, in code point order
// (the order of COLLATE "C" over UTF-8), or false when there is none (prefix empty or all U+10FFFF).
// It steps code points, not bytes, because the bound must itself be valid UTF-8 text.
func prefixEnd(prefix string) (string, bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		if r := rs[i]; r < unicode.MaxRune {
			r++
			if r >= 0xD800 && r <= 0xDFFF { // surrogates have no UTF-8 form
				r = 0xE000
			}
			rs[i] = r
			return string(rs[:i+1]), true
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
