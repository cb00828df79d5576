package cache

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/net/http/httpguts"
)

// Keys of one stage cache, all under RedisOptions.Prefix + "{api/stage}:size:" (the braces keep them in
// one slot of a Redis Cluster):
//
//	gen              the flush generation; FlushStageCache increments it, so every entry stored
//	                 before is out of reach at once, on every node, and expires by its TTL
//	lock:KEY         the fill lock of KEY (SET NX PX), held by the one node calling the backend
//	GEN:e:KEY        an entry (PX = its TTL)
//	GEN:idx          the entries by expiry time (sorted set), for eviction
//	GEN:sizes        each entry's accounted size (hash)
//	GEN:bytes        the sum of the sizes, kept within the stage's budget
//
// The scripts name only gen in KEYS and build the other names from it; they need one Redis server
// (or the one slot the hash tag gives).

// getScript returns the entry stored under ARGV[2] in the current generation.
var getScript = redis.NewScript(`
local g = redis.call('GET', KEYS[1]) or '0'
return redis.call('GET', ARGV[1] .. g .. ':e:' .. ARGV[2])
`)

// claimScript is run by a node's one fill of a key before it calls the backend. It returns {1, entry}
// when another node stored the entry meanwhile; else it takes the key's fill lock (value ARGV[3],
// PX ARGV[4]) and returns {2, gen}, or {3, gen} when another node holds it. A refresh (ARGV[5] = 1)
// neither reads the entry nor takes the lock: it returns {2, gen}.
var claimScript = redis.NewScript(`
local g = redis.call('GET', KEYS[1]) or '0'
if ARGV[5] == '1' then return {2, g} end
local v = redis.call('GET', ARGV[1] .. g .. ':e:' .. ARGV[2])
if v then return {1, v} end
if redis.call('SET', ARGV[1] .. 'lock:' .. ARGV[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return {2, g} end
return {3, g}
`)

// storeScript stores entry ARGV[3] under key ARGV[2] for ARGV[4] ms, with accounted size ARGV[5],
// within the stage's budget ARGV[6]: it first drops the key's old entry and up to 64 expired ones,
// then the entries closest to expiry until the new one fits. It stores nothing when the stage was
// flushed since generation ARGV[7] (the fill's), when ARGV[4] <= 0 or when the entry is larger than
// the budget. It releases the fill lock when ARGV[8], the lock's value, is given and still holds it.
// ARGV[9] is how long (ms) the index outlives its last write. With ARGV[3] empty it only deletes.
var storeScript = redis.NewScript(`
local g = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[2]
if ARGV[8] ~= '' then
  local lock = ARGV[1] .. 'lock:' .. key
  if redis.call('GET', lock) == ARGV[8] then redis.call('DEL', lock) end
end
if ARGV[7] ~= '' and g ~= ARGV[7] then return 0 end
local p = ARGV[1] .. g .. ':'
local idx, sizes, bytes = p .. 'idx', p .. 'sizes', p .. 'bytes'
local used = tonumber(redis.call('GET', bytes) or '0')
local function drop(m)
  local s = redis.call('HGET', sizes, m)
  if s then used = used - tonumber(s) end
  redis.call('HDEL', sizes, m)
  redis.call('ZREM', idx, m)
  redis.call('DEL', p .. 'e:' .. m)
end
drop(key)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, m in ipairs(redis.call('ZRANGEBYSCORE', idx, '-inf', now, 'LIMIT', 0, 64)) do drop(m) end
local ttl, size, budget = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local stored = 0
if ARGV[3] ~= '' and ttl > 0 and size <= budget then
  while used + size > budget do
    local m = redis.call('ZRANGE', idx, 0, 0)[1]
    if not m then break end
    drop(m)
  end
  redis.call('SET', p .. 'e:' .. key, ARGV[3], 'PX', ttl)
  redis.call('ZADD', idx, now + ttl, key)
  redis.call('HSET', sizes, key, size)
  used = used + size
  stored = 1
end
if used < 0 then used = 0 end
redis.call('SET', bytes, used, 'PX', ARGV[9])
redis.call('PEXPIRE', idx, ARGV[9])
redis.call('PEXPIRE', sizes, ARGV[9])
return stored
`)

// flushScript starts a new generation (INCR KEYS[1]) for the flush of configuration revision ARGV[1],
// unless a node already did for that revision (KEYS[2] holds the last one flushed); ARGV[1] = 0 always
// flushes.
var flushScript = redis.NewScript(`
local rev = tonumber(ARGV[1])
if rev > 0 then
  if rev <= tonumber(redis.call('GET', KEYS[2]) or '0') then return 0 end
  redis.call('SET', KEYS[2], rev)
end
return redis.call('INCR', KEYS[1])
`)

// lockScript renews (ARGV[2] > 0: PX ARGV[2]) or releases (ARGV[2] = 0) a fill lock still held with
// value ARGV[1].
var lockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then return redis.call('DEL', KEYS[1]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`)

// DefaultLockTTL is how long a fill lock outlives a node that stopped renewing it (one that died while
// calling the backend): the other nodes' misses on the key wait at most that long for it.
const DefaultLockTTL = 3 * time.Second

// RetryInterval is how long a node leaves Redis alone after an operation failed: meanwhile its
// requests bypass the cache (see Redis).
const RetryInterval = time.Second

// maxIndexTTL is how long a generation's index outlives its last write: longer than any entry's TTL
// (API Gateway's maximum is 3600 s), so that no live entry is left out of the accounting.
const maxIndexTTL = time.Hour + time.Minute

// RedisOptions tune a Redis store.
type RedisOptions struct {
	// Prefix starts every key; default "gatewayd:cache:".
	Prefix string
	// MaxEntryBytes is the largest body stored; 0 means DefaultMaxEntryBytes.
	MaxEntryBytes int64
	// LockTTL is the fill lock's expiry, renewed every third of it while the fill runs; default
	// DefaultLockTTL.
	LockTTL time.Duration
	// Logger gets a line when Redis becomes unreachable and when it is back; nil discards them.
	Logger *slog.Logger
	// Bypassed, when set, also counts the operations skipped while Redis was unreachable (one counter
	// for every stage's store, for the node's metric).
	Bypassed *atomic.Int64
}

// Redis is a Store that every node on one Redis server shares, for one stage's cache: a response
// stored by one node is a hit on all of them for its TTL (Redis expires it, on Redis's clock), the
// stage's byte budget is the cluster's, and Flush (FlushStageCache, on any node) empties it for all
// of them at once. Cache also collapses misses across nodes through it (Fill): of the nodes that miss a
// key at the same time, one takes the key's fill lock and calls the backend, and the others wait for
// its entry, so that N nodes missing at once make one backend call.
//
// A hit costs one round trip to Redis (one script: the generation and the entry) and decoding the
// entry. There is no node-local layer in front: it would keep serving an entry that another node
// refreshed or flushed.
//
// While Redis cannot be reached, the node does without a cache: each request reaches the backend
// (concurrent misses on one node still collapse in Cache), nothing is stored, and Redis is tried again
// after RetryInterval. A Flush that cannot reach Redis is retried before the node uses Redis again, so
// that no node reads entries a flush should have removed.
type Redis struct {
	rdb      redis.UniversalClient
	log      *slog.Logger
	prefix   string
	genKey   string
	budget   int64
	maxEntry int64
	lockTTL  time.Duration

	retryAt atomic.Int64 // unix ns; before it the cache is bypassed
	down    atomic.Bool
	// flushPending is set while a flush has not reached Redis; flushRev is the highest revision among
	// such flushes (0 when one of them had none).
	flushPending atomic.Bool
	flushMu      sync.Mutex
	flushRev     int64
	bypassed     atomic.Int64
	total        *atomic.Int64
}

// NewRedis returns the store of the cache of stage (an "api/stage" name) of the given size (API
// Gateway's cache_cluster_size; a resize is a new cache, as in API Gateway) and byte budget, over rdb.
func NewRedis(rdb redis.UniversalClient, stage, size string, budget int64, o RedisOptions) *Redis {
	if o.Prefix == "" {
		o.Prefix = "gatewayd:cache:"
	}
	if o.MaxEntryBytes <= 0 {
		o.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if o.LockTTL <= 0 {
		o.LockTTL = DefaultLockTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Bypassed == nil {
		o.Bypassed = new(atomic.Int64)
	}
	prefix := o.Prefix + "{" + stage + "}:" + size + ":"
	return &Redis{rdb: rdb, log: o.Logger.With("stage", stage), prefix: prefix, genKey: prefix + "gen",
		budget: max(budget, 0), maxEntry: o.MaxEntryBytes, lockTTL: o.LockTTL, total: o.Bypassed}
}

// Get returns key's entry. A Redis error is a miss.
func (r *Redis) Get(key string) (*Entry, bool) {
	ctx := context.Background()
	if !r.usable(ctx) {
		return nil, false
	}
	v, err := getScript.Run(ctx, r.rdb, []string{r.genKey}, r.prefix, key).Text()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			r.succeeded()
		} else {
			r.failed(err)
		}
		return nil, false
	}
	r.succeeded()
	e, err := decodeEntry(v)
	if err != nil {
		r.log.Warn("redis cache: unreadable entry: a miss", "err", err)
		return nil, false
	}
	return e, true
}

// Set stores e under key for ttl, unless the stage was flushed meanwhile; see storeScript.
func (r *Redis) Set(key string, e *Entry, ttl time.Duration) bool {
	return r.store(context.Background(), key, e, ttl, "", "")
}

// Delete removes key's entry.
func (r *Redis) Delete(key string) {
	r.store(context.Background(), key, nil, 0, "", "")
}

// Flush empties the stage's cache on every node: it starts a new generation. When Redis cannot be
// reached, the node bypasses the cache until a retry succeeds.
func (r *Redis) Flush() { r.FlushAt(0) }

// FlushAt is Flush for the flush made by configuration revision rev, which every node applies: the
// first node to apply it flushes, and the others do not flush again what the cluster stored since.
// rev 0 always flushes.
func (r *Redis) FlushAt(rev int64) {
	r.flushMu.Lock()
	if !r.flushPending.Load() || rev == 0 || r.flushRev != 0 && rev > r.flushRev {
		r.flushRev = rev
	}
	r.flushPending.Store(true)
	r.flushMu.Unlock()
	r.retryAt.Store(0)
	r.usable(context.Background())
}

// Bypassed is how many cache operations this store skipped because Redis could not be reached.
func (r *Redis) Bypassed() int64 { return r.bypassed.Load() }

// Fill is Cache's fill of key across the nodes: it returns the entry another node stored meanwhile
// (filled false), or runs fill under key's fill lock and stores its result (filled true). While
// another node holds the lock it polls for that node's entry; when the lock goes without an entry
// (that fill failed, or its answer may not be stored), it tries again to take the lock itself.
func (r *Redis) Fill(ctx context.Context, key string, ttl time.Duration, refresh bool, fill FillFunc) (*Entry, bool, error) {
	token := newToken()
	pause := 2 * time.Millisecond
	for {
		if !r.usable(ctx) {
			e, _, err := fill(ctx)
			return e, true, err
		}
		res, err := claimScript.Run(ctx, r.rdb, []string{r.genKey}, r.prefix, key, token, r.lockTTL.Milliseconds(), boolArg(refresh)).Slice()
		if err != nil || len(res) != 2 {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			r.failed(fmt.Errorf("claim: %v", err))
			continue // bypassed now
		}
		r.succeeded()
		state, _ := res[0].(int64)
		arg, _ := res[1].(string)
		switch state {
		case 1:
			if e, err := decodeEntry(arg); err == nil {
				return e, false, nil
			}
			refresh = true // unreadable: replace it
		case 2:
			return r.fillLocked(ctx, key, ttl, refresh, fill, token, arg)
		default:
			select {
			case <-ctx.Done():
				return nil, false, ctx.Err()
			case <-time.After(pause):
			}
			pause = min(2*pause, 50*time.Millisecond)
		}
	}
}

// fillLocked runs fill while renewing key's lock (a refresh has none) and stores the result unless the
// stage was flushed since gen.
func (r *Redis) fillLocked(ctx context.Context, key string, ttl time.Duration, refresh bool, fill FillFunc, token, gen string) (*Entry, bool, error) {
	lock := r.prefix + "lock:" + key
	if refresh {
		token = ""
	} else {
		stop := make(chan struct{})
		defer close(stop)
		go r.renew(context.WithoutCancel(ctx), lock, token, stop)
	}
	e, storable, err := fill(ctx)
	if err == nil && e == nil {
		err = errors.New("cache fill returned no entry")
	}
	switch {
	case err == nil && storable:
		r.store(context.WithoutCancel(ctx), key, e, ttl, gen, token)
	case err == nil && refresh:
		r.store(context.WithoutCancel(ctx), key, nil, 0, gen, token) // invalidated, as Cache.Refresh says
	case token != "":
		// Release the lock, so that the waiting nodes try for themselves without waiting for it to expire.
		if err := lockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{lock}, token, 0).Err(); err != nil {
			r.failed(err)
		}
	}
	return e, true, err
}

// renew keeps lock until stop is closed.
func (r *Redis) renew(ctx context.Context, lock, token string, stop <-chan struct{}) {
	t := time.NewTicker(r.lockTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := lockScript.Run(ctx, r.rdb, []string{lock}, token, r.lockTTL.Milliseconds()).Err(); err != nil {
				r.failed(err)
			}
		}
	}
}

// store runs storeScript; e nil deletes.
func (r *Redis) store(ctx context.Context, key string, e *Entry, ttl time.Duration, gen, token string) bool {
	if !r.usable(ctx) {
		return false
	}
	val, size := "", int64(0)
	if e != nil && ttl > 0 && int64(len(e.Body)) <= r.maxEntry {
		now := time.Now()
		val = encodeEntry(e, now, now.Add(ttl))
		size = entrySize(key, e)
	}
	indexTTL := max(ttl, maxIndexTTL).Milliseconds()
	n, err := storeScript.Run(ctx, r.rdb, []string{r.genKey}, r.prefix, key, val, ttl.Milliseconds(), size, r.budget,
		gen, token, indexTTL).Int()
	if err != nil {
		r.failed(err)
		return false
	}
	r.succeeded()
	return n == 1
}

// usable reports whether Redis may be tried now, retrying a pending flush first.
func (r *Redis) usable(ctx context.Context) bool {
	if at := r.retryAt.Load(); at != 0 && time.Now().UnixNano() < at {
		r.bypass()
		return false
	}
	if r.flushPending.Load() {
		r.flushMu.Lock()
		err := flushScript.Run(ctx, r.rdb, []string{r.genKey, r.prefix + "flushed"}, r.flushRev).Err()
		if err == nil {
			r.flushPending.Store(false)
		}
		r.flushMu.Unlock()
		if err != nil {
			r.failed(fmt.Errorf("flush: %w", err))
			r.bypass()
			return false
		}
	}
	return true
}

func (r *Redis) bypass() {
	r.bypassed.Add(1)
	r.total.Add(1)
}

// succeeded notes an operation that reached Redis.
func (r *Redis) succeeded() {
	if r.down.Load() && r.down.CompareAndSwap(true, false) {
		r.log.Info("redis reachable again: the stage cache is shared again")
	}
}

// failed makes the node bypass the cache for RetryInterval.
func (r *Redis) failed(err error) {
	r.retryAt.Store(time.Now().Add(RetryInterval).UnixNano())
	if !r.down.Swap(true) {
		r.log.Warn("redis cache unreachable: requests bypass the stage cache until it answers", "err", err)
	}
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// entryFormat starts every encoded entry, so that a change of layout reads old ones as misses.
const entryFormat = 1

// encodeEntry lays e out as: format, status, stored at and expires (unix ms), the header (count, then
// each name with its values), the body; numbers as varints, strings length-prefixed.
func encodeEntry(e *Entry, storedAt, expires time.Time) string {
	n := 32 + len(e.Body)
	for k, vs := range e.Header {
		n += 2*binary.MaxVarintLen64 + len(k)
		for _, v := range vs {
			n += binary.MaxVarintLen64 + len(v)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, entryFormat)
	b = binary.AppendUvarint(b, uint64(e.Status))
	b = binary.AppendVarint(b, storedAt.UnixMilli())
	b = binary.AppendVarint(b, expires.UnixMilli())
	b = binary.AppendUvarint(b, uint64(len(e.Header)))
	for k, vs := range e.Header {
		b = appendPart(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendPart(b, v)
		}
	}
	b = appendPart(b, string(e.Body))
	return string(b)
}

var errBadEntry = errors.New("malformed cache entry")

// decodeEntry reads what encodeEntry wrote.
func decodeEntry(s string) (*Entry, error) {
	d := decoder{s: s}
	if len(s) == 0 || s[0] != entryFormat {
		return nil, errBadEntry
	}
	d.s = s[1:]
	// Redis is another process's memory: what comes back is checked as an answer to a client would be.
	status := d.uvarint()
	if status < 100 || status > 599 {
		return nil, errBadEntry
	}
	e := &Entry{Status: int(status)}
	e.StoredAt = time.UnixMilli(d.varint())
	e.Expires = time.UnixMilli(d.varint())
	nh := d.uvarint()
	if nh > uint64(len(d.s)) {
		return nil, errBadEntry
	}
	e.Header = make(http.Header, nh)
	for range nh {
		k := d.str()
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, errBadEntry
		}
		nv := d.uvarint()
		if nv > uint64(len(d.s)) {
			return nil, errBadEntry
		}
		vs := make([]string, nv)
		for i := range vs {
			if vs[i] = d.str(); !httpguts.ValidHeaderFieldValue(vs[i]) {
				return nil, errBadEntry
			}
		}
		e.Header[k] = vs
	}
	e.Body = []byte(d.str())
	if d.bad || d.s != "" {
		return nil, errBadEntry
	}
	return e, nil
}

type decoder struct {
	s   string
	bad bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint([]byte(d.s[:min(len(d.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		d.bad, d.s = true, ""
		return 0
	}
	d.s = d.s[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint([]byte(d.s[:min(len(d.s), binary.MaxVarintLen64)]))
	if n <= 0 {
		d.bad, d.s = true, ""
		return 0
	}
	d.s = d.s[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.bad, d.s = true, ""
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}
