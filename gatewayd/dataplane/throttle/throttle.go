// Package throttle admits requests against token buckets (golang.org/x/time/rate's arithmetic), one
// per level of API Gateway's throttle order: usage plan per method, usage plan, stage method settings, stage
// default, account.
//
// A bucket is identified by what it limits (plan and key, stage and method, ...), not by the compiled
// configuration that named it, so its state survives recompiles: a changed rate or burst is applied in
// place, on the next request, and the tokens of buckets whose limits did not change are kept.
package throttle

import (
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// Scope says which level of the throttle order a bucket belongs to.
type Scope uint8

// Scopes, in the order a request meets them.
const (
	ScopePlanMethod Scope = iota + 1
	ScopePlan
	ScopeStageMethod
	ScopeStageDefault
	ScopeAccount
)

func (s Scope) String() string {
	switch s {
	case ScopePlanMethod:
		return "plan method"
	case ScopePlan:
		return "plan"
	case ScopeStageMethod:
		return "stage method"
	case ScopeStageDefault:
		return "stage default"
	case ScopeAccount:
		return "account"
	}
	return "unknown"
}

// Limit is a token bucket: Rate tokens per second, Burst the bucket's size.
type Limit struct {
	Rate  float64
	Burst int
}

// ID identifies a bucket. Plan levels set Plan and Key (each key has its own buckets); stage levels
// set API, Stage and Method (shared by every caller); the account level sets only Scope.
type ID struct {
	Scope      Scope
	Plan, Key  string
	API, Stage string
	// Method is "/resource/path/VERB" for a plan method, "resource/path/VERB" for a stage method and
	// "*/*" for the stage default.
	Method string
}

// Level is one bucket a request must get a token from.
type Level struct {
	ID    ID
	Limit Limit
	// Since is when Limit was configured. A bucket that still has another limit switches to this one
	// as of Since, so that a raised rate refills from the change on, not from the next request.
	Since time.Time
}

// MaxLevels is the most levels one request meets.
const MaxLevels = 5

const shardCount = 64

// Local keeps buckets in process memory: exact for one node. Lookups take a read lock on one of 64
// shards; only the first request of a new bucket takes a shard's write lock.
type Local struct {
	seed   maphash.Seed
	shards [shardCount]shard
}

type shard struct {
	mu sync.RWMutex
	// m holds the buckets by their ID's hash (hashing the ID once picks the shard and the entry);
	// buckets whose IDs share a hash are chained through next.
	m map[uint64]*bucket
	n int      // buckets held
	_ [64]byte // keep shards on separate cache lines
}

// bucket is a token bucket with its own lock, so that checking for a token and taking it are one
// step: the bucket then never holds a reservation in the future, and giving a token back is exact.
type bucket struct {
	id    ID
	next  *bucket // guarded by the shard's lock
	mu    sync.Mutex
	lim   tokens
	limit Limit
	// last is the latest time the bucket was used; earlier clock readings (goroutines race to the
	// lock) are moved up to it, as rate.Limiter would otherwise count the gap twice.
	last time.Time
	// dead is set when Sweep removed the bucket; a request that still holds it looks it up again.
	dead bool
}

// NewLocal returns an empty in-process limiter.
func NewLocal() *Local {
	l := &Local{seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].m = map[uint64]*bucket{}
	}
	return l
}

// Allow takes one token from the bucket of every level, in order, or none at all: when a level has no
// token, the tokens taken at earlier levels are put back. It returns the index of the level that
// refused, or -1 when the request is admitted. At most MaxLevels levels are checked.
func (l *Local) Allow(now time.Time, levels []Level) int {
	var got [MaxLevels]*bucket
	for i := range levels {
		if i == MaxLevels {
			break
		}
		for {
			b := l.bucket(&levels[i])
			ok, dead := b.take(now, &levels[i])
			if dead {
				continue
			}
			if !ok {
				for j := i - 1; j >= 0; j-- {
					got[j].giveBack()
				}
				return i
			}
			got[i] = b
			break
		}
	}
	return -1
}

func (l *Local) hash(id *ID) uint64 { return maphash.Comparable(l.seed, *id) }

// find returns the bucket of id, or nil; the caller holds sh.mu.
func (sh *shard) find(h uint64, id *ID) *bucket {
	b := sh.m[h]
	for b != nil && b.id != *id {
		b = b.next
	}
	return b
}

func (l *Local) bucket(lv *Level) *bucket {
	h := l.hash(&lv.ID)
	sh := &l.shards[h%shardCount]
	sh.mu.RLock()
	b := sh.find(h, &lv.ID)
	sh.mu.RUnlock()
	if b != nil {
		return b
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if b = sh.find(h, &lv.ID); b == nil {
		b = &bucket{id: lv.ID, next: sh.m[h], lim: tokens{limit: lv.Limit.Rate, burst: lv.Limit.Burst, tokens: float64(lv.Limit.Burst)}, limit: lv.Limit}
		sh.m[h] = b
		sh.n++
	}
	return b
}

// take takes a token if one is there now. A changed limit is applied first, keeping the tokens.
func (b *bucket) take(now time.Time, lv *Level) (ok, dead bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead {
		return false, true
	}
	prev := b.last
	if now.Before(prev) {
		now = prev
	}
	b.last = now
	if limit := lv.Limit; limit != b.limit {
		// The bucket earned tokens at the old rate until the change, at the new one since.
		at := now
		if !lv.Since.IsZero() && lv.Since.Before(now) {
			at = lv.Since
			if at.Before(prev) {
				at = prev
			}
		}
		b.lim.setLimitAt(at, limit.Rate)
		b.lim.setBurstAt(at, limit.Burst)
		b.limit = limit
	}
	// AllowN takes the token only if it is there now, and changes nothing otherwise.
	return b.lim.allowN(now, 1), false
}

// giveBack returns a token taken earlier. allowN takes a negative count as tokens given back
// (the bucket never holds more than its burst: every read caps it); it is given back at the bucket's
// latest time, as an earlier one would move the limiter's clock back and refill the gap twice. Unlike
// Reservation.CancelAt, this allocates nothing and does not shrink when other requests took tokens
// in between.
func (b *bucket) giveBack() {
	b.mu.Lock()
	b.lim.allowN(b.last, -1)
	b.mu.Unlock()
}

// Sweep drops the buckets unused since before idle ago whose buckets are full again: a full bucket is
// what a new one would be, so forgetting it changes nothing. It bounds memory with many API keys.
func (l *Local) Sweep(now time.Time, idle time.Duration) (dropped int) {
	cutoff := now.Add(-idle)
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		for h, first := range sh.m {
			var kept *bucket
			for b := first; b != nil; {
				next := b.next
				b.mu.Lock()
				if b.last.Before(cutoff) && b.lim.advance(now) >= float64(b.limit.Burst) {
					b.dead = true
					dropped++
					sh.n--
				} else {
					b.next, kept = kept, b
				}
				b.mu.Unlock()
				b = next
			}
			if kept == nil {
				delete(sh.m, h)
			} else {
				sh.m[h] = kept
			}
		}
		sh.mu.Unlock()
	}
	return dropped
}

// Len returns the number of buckets held.
func (l *Local) Len() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.RLock()
		n += l.shards[i].n
		l.shards[i].mu.RUnlock()
	}
	return n
}

// rateInf is golang.org/x/time/rate.Inf: a limit that admits everything and keeps no state.
const rateInf = math.MaxFloat64

// tokens is golang.org/x/time/rate.Limiter's arithmetic without its lock and its reservations: the
// bucket's lock already serializes it, and a take needs only the decision. Every result is the one
// rate.Limiter gives (TestTokensMatchRate compares them).
type tokens struct {
	limit  float64 // tokens per second
	burst  int
	tokens float64
	last   time.Time
}

// advance returns the tokens there are at now, without changing t.
func (t *tokens) advance(now time.Time) float64 {
	last := t.last
	if now.Before(last) {
		last = now
	}
	var delta float64
	if t.limit > 0 {
		delta = now.Sub(last).Seconds() * t.limit
	}
	tk := t.tokens + delta
	if burst := float64(t.burst); tk > burst {
		tk = burst
	}
	return tk
}

// allowN takes n tokens if they are there at now (rate.Limiter.AllowN); a negative n gives tokens back.
func (t *tokens) allowN(now time.Time, n int) bool {
	if t.limit == rateInf {
		return true
	}
	tk := t.advance(now) - float64(n)
	var wait time.Duration
	if tk < 0 {
		wait = durationFromTokens(t.limit, -tk)
	}
	if n > t.burst || wait > 0 {
		return false
	}
	t.last, t.tokens = now, tk
	return true
}

func (t *tokens) setLimitAt(at time.Time, limit float64) {
	t.tokens, t.last, t.limit = t.advance(at), at, limit
}

func (t *tokens) setBurstAt(at time.Time, burst int) {
	t.tokens, t.last, t.burst = t.advance(at), at, burst
}

// durationFromTokens is how long limit takes to earn n tokens, as rate.Limit.durationFromTokens
// computes it: a wait rounding down to 0 admits.
func durationFromTokens(limit, n float64) time.Duration {
	if limit <= 0 {
		return math.MaxInt64
	}
	d := (n / limit) * float64(time.Second)
	if d > float64(math.MaxInt64) {
		return math.MaxInt64
	}
	return time.Duration(d)
}
