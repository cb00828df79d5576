package function

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Keys of the shared decision cache, one per decision:
//
//	PREFIX API/STAGE:AUTHORIZER:VERSION:IDENTITY
//
// VERSION is the first 16 hex digits of the SHA-256 of the authorizer's settings (its fingerprint), so
// that a changed authorizer never reads what the old one decided; IDENTITY is the hex SHA-256 of the
// identity sources' values, so that no token is ever part of a key. The stage is in the key because
// each stage's authorizer caches its own decisions, as on one node: the function sees the stage in the
// method ARN and may answer it differently.

// getScript returns the entry at KEYS[1] and its remaining time to live (ms), or nil.
var getScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
`)

// RetryInterval is how long a node leaves Redis alone after an operation failed: meanwhile its
// authorizers decide on their local caches and the function alone.
const RetryInterval = time.Second

// MaxEntryBytes bounds a stored decision: a larger one stays in its node's cache only, and an entry
// read back larger than this is not decoded.
const MaxEntryBytes = 64 << 10

// entryFormat starts every stored decision, so that a change of layout reads old ones as misses.
const entryFormat = '1'

// RedisOptions tune a Redis decision cache.
type RedisOptions struct {
	// Prefix starts every key; default "gatewayd:authz:".
	Prefix string
	// Logger gets a line when Redis becomes unreachable and when it is back, and a debug line for an
	// entry that does not decode; nil discards them.
	Logger *slog.Logger
	// Bypassed, when set, also counts the operations that could not use Redis (the node's metric).
	Bypassed *atomic.Int64
}

// Redis is the second level of the decision caches of a node's function authorizers, shared by every
// node on one Redis: a decision one node got from the function is read by the others until its TTL
// ends (Redis expires it, on its own clock), so that a cluster calls the function once per identity
// and TTL instead of once per node. Each authorizer's local cache stays in front of it.
//
// Operations are bounded by the client's timeouts (throttle.RedisOptions: 2 s). While Redis cannot be
// reached the node does without it: a local miss calls the function, nothing is stored, and Redis is
// tried again after RetryInterval. It is safe for concurrent use.
type Redis struct {
	rdb      redis.UniversalClient
	log      *slog.Logger
	prefix   string
	retryAt  atomic.Int64 // unix ns; before it Redis is not asked
	down     atomic.Bool
	bypassed *atomic.Int64
}

// NewRedis returns a decision cache over rdb.
func NewRedis(rdb redis.UniversalClient, o RedisOptions) *Redis {
	if o.Prefix == "" {
		o.Prefix = "gatewayd:authz:"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Bypassed == nil {
		o.Bypassed = new(atomic.Int64)
	}
	return &Redis{rdb: rdb, log: o.Logger, prefix: o.Prefix, bypassed: o.Bypassed}
}

// Bypassed is how many lookups and stores could not use Redis because it could not be reached.
func (r *Redis) Bypassed() int64 { return r.bypassed.Load() }

// keyPrefix is the start of the keys of one authorizer of one stage ("api/stage"), as compiled with
// fingerprint.
func (r *Redis) keyPrefix(scope, id, fingerprint string) string {
	v := sha256.Sum256([]byte(fingerprint))
	return r.prefix + scope + ":" + id + ":" + hex.EncodeToString(v[:8]) + ":"
}

// identityKey is the key of identity under prefix.
func identityKey(prefix, identity string) string {
	h := sha256.Sum256([]byte(identity))
	return prefix + hex.EncodeToString(h[:])
}

// get returns key's entry and how long it has left; ok is false on a miss and when Redis cannot be
// reached.
func (r *Redis) get(ctx context.Context, key string) (entry string, left time.Duration, ok bool) {
	if !r.usable() {
		return "", 0, false
	}
	res, err := getScript.Run(ctx, r.rdb, []string{key}).Slice()
	if errors.Is(err, redis.Nil) {
		r.succeeded()
		return "", 0, false
	}
	if err != nil && !strings.HasPrefix(err.Error(), "WRONGTYPE") {
		r.failed(err)
		return "", 0, false
	}
	r.succeeded()
	if err != nil || len(res) != 2 { // a key of another type: Redis answered, the entry is bad
		return "", -1, true // decodes as a bad entry
	}
	v, _ := res[0].(string)
	ms, _ := res[1].(int64)
	return v, time.Duration(ms) * time.Millisecond, true
}

// set stores entry under key for ttl.
func (r *Redis) set(ctx context.Context, key, entry string, ttl time.Duration) {
	if ttl < time.Millisecond || !r.usable() {
		return
	}
	if err := r.rdb.Set(ctx, key, entry, ttl).Err(); err != nil {
		r.failed(err)
		return
	}
	r.succeeded()
}

func (r *Redis) usable() bool {
	if at := r.retryAt.Load(); at != 0 && time.Now().UnixNano() < at {
		r.bypassed.Add(1)
		return false
	}
	return true
}

func (r *Redis) succeeded() {
	if r.down.Load() && r.down.CompareAndSwap(true, false) {
		r.log.Info("redis reachable again: authorizer decisions are shared again")
	}
}

// failed makes the node do without Redis for RetryInterval.
func (r *Redis) failed(err error) {
	r.bypassed.Add(1)
	r.retryAt.Store(time.Now().Add(RetryInterval).UnixNano())
	if !r.down.Swap(true) {
		r.log.Warn("redis unreachable: authorizers call their functions without the shared decision cache until it answers", "err", err)
	}
}

// stored is a decision as kept in Redis: the function's output, its context already flat, so that
// reading it back is ParseOutput, the validation the function's own answer gets.
type stored struct {
	PrincipalID        string            `json:"principalId"`
	PolicyDocument     json.RawMessage   `json:"policyDocument"`
	Context            map[string]string `json:"context,omitempty"`
	UsageIdentifierKey string            `json:"usageIdentifierKey,omitempty"`
}

// encodeDecision lays d out as entryFormat and its output as JSON; ok is false when it is larger than
// MaxEntryBytes or has no policy document to store.
func encodeDecision(d *Decision) (string, bool) {
	if len(d.policyDoc) == 0 {
		return "", false
	}
	b, err := json.Marshal(stored{PrincipalID: d.PrincipalID, PolicyDocument: d.policyDoc, Context: d.Context,
		UsageIdentifierKey: d.UsageIdentifierKey})
	if err != nil || len(b)+1 > MaxEntryBytes {
		return "", false
	}
	return string(entryFormat) + string(b), true
}

var errBadEntry = errors.New("malformed decision entry")

// decodeDecision reads what encodeDecision wrote. Redis is another process's memory: the entry is
// bounded and checked as the function's answer is.
func decodeDecision(s string) (*Decision, error) {
	if len(s) == 0 || len(s) > MaxEntryBytes || s[0] != entryFormat {
		return nil, errBadEntry
	}
	d, err := ParseOutput([]byte(s[1:]))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadEntry, err)
	}
	return d, nil
}
