package throttle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// allowScript takes one token from every level's bucket or none, in one atomic step on the Redis
// server (GCRA, as go-redis/redis_rate and redis-cell do: each bucket is the theoretical arrival time
// of its next request). KEYS are the buckets in the order of the levels; ARGV holds, per level, the
// interval between tokens in microseconds and the burst. It returns the 0-based index of the first
// level that refused, with nothing written (so no token taken at an earlier level needs giving back),
// or -1. Time is the Redis server's, so that the nodes' clocks do not matter.
var allowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2*i-1])
  local burst = tonumber(ARGV[2*i])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  if burst <= 0 or tat + interval - now > burst * interval then
    return i - 1
  end
  tats[i] = tat + interval
end
for i = 1, #KEYS do
  local ttl = math.min(math.floor((tats[i] - now) / 1000) + 1000, 86400000)
  redis.call('SET', KEYS[i], string.format('%.17g', tats[i]), 'PX', ttl)
end
return -1
`)

// heartbeatKey holds the live nodes (a sorted set: node id, last heartbeat in unix ms).
const heartbeatKey = "gatewayd:nodes"

// Redis keeps the buckets in one Redis server shared by every node, so that a limit holds across the
// cluster: one script call per decision (allowScript). While Redis cannot be reached, each node
// falls back to buckets of its own with each limit divided by the number of live nodes (from the
// heartbeat, as last seen), and tries Redis again every RetryInterval: a plan keeps roughly its rate
// over the cluster, and nothing needs restarting when Redis is back.
type Redis struct {
	rdb *redis.Client
	log *slog.Logger
	id  string
	// local holds the fallback buckets.
	local *Local
	// nodes is the number of live nodes last counted (at least 1).
	nodes atomic.Int64
	// retryAt (unix ns): until then decisions are local, without waiting on an unreachable Redis.
	retryAt atomic.Int64
	down    atomic.Bool
	// fallbacks counts the decisions made locally.
	fallbacks atomic.Int64
}

// RetryInterval is how long a node decides locally after Redis failed before it tries Redis again.
const RetryInterval = time.Second

// RedisOptions parses a redis:// URL into client options for the limiter: a refused connection
// fails at once and is not dialled again and again; a Redis that does not answer is given up on after
// two seconds, and the node then decides alone for RetryInterval. (A shorter wait falls back on a
// Redis that is only slow, on a busy machine, and a timed-out script may still have taken its token:
// both admit more than the limit.)
func RedisOptions(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 2*time.Second, 2*time.Second
	opts.DialerRetries, opts.MaxRetries = 1, -1
	return opts, nil
}

// NewRedis returns a limiter over rdb for the node named id (unique per node, for the heartbeat).
func NewRedis(rdb *redis.Client, id string, log *slog.Logger) *Redis {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Redis{rdb: rdb, log: log, id: id, local: NewLocal()}
	r.nodes.Store(1)
	return r
}

// Allow implements the data plane's limiter: the contract of Local.Allow, with now used only by the
// fallback.
func (r *Redis) Allow(ctx context.Context, now time.Time, levels []Level) (int, error) {
	levels = levels[:min(len(levels), MaxLevels)]
	if len(levels) == 0 {
		return -1, nil
	}
	if time.Now().UnixNano() < r.retryAt.Load() {
		return r.allowLocal(now, levels), nil
	}
	var keys [MaxLevels]string
	var args [2 * MaxLevels]any
	for i := range levels {
		keys[i] = bucketKey(&levels[i].ID)
		args[2*i], args[2*i+1] = interval(levels[i].Limit.Rate), levels[i].Limit.Burst
	}
	n, err := allowScript.Run(ctx, r.rdb, keys[:len(levels)], args[:2*len(levels)]...).Int()
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		if unreachable(err) {
			r.retryAt.Store(time.Now().Add(RetryInterval).UnixNano())
			if !r.down.Swap(true) {
				r.log.Warn("redis unreachable: throttling per node, each limit divided by the live nodes", "nodes", r.nodes.Load(), "err", err)
			}
			return r.allowLocal(now, levels), nil
		}
		return 0, fmt.Errorf("redis throttle: %w", err)
	}
	if r.down.Swap(false) {
		r.log.Info("redis reachable again: throttling across the cluster")
	}
	return n, nil
}

// Fallbacks returns how many decisions were made on the node's own buckets because Redis could not
// be reached.
func (r *Redis) Fallbacks() int64 { return r.fallbacks.Load() }

// allowLocal decides on this node's fallback buckets, each limit divided by the live nodes.
func (r *Redis) allowLocal(now time.Time, levels []Level) int {
	r.fallbacks.Add(1)
	n := float64(max(1, r.nodes.Load()))
	var scaled [MaxLevels]Level
	for i, lv := range levels {
		lv.Limit.Rate /= n
		if lv.Limit.Burst > 0 {
			lv.Limit.Burst = max(1, int(float64(lv.Limit.Burst)/n))
		}
		scaled[i] = lv
	}
	return r.local.Allow(now, scaled[:len(levels)])
}

// Heartbeat records this node as live every second and counts the live nodes (those seen within
// three seconds), until ctx ends.
func (r *Redis) Heartbeat(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		r.beat(ctx)
		select {
		case <-ctx.Done():
			_ = r.rdb.ZRem(context.WithoutCancel(ctx), heartbeatKey, r.id).Err()
			return
		case <-t.C:
		}
	}
}

func (r *Redis) beat(ctx context.Context) {
	now := time.Now().UnixMilli()
	pipe := r.rdb.TxPipeline()
	pipe.ZAdd(ctx, heartbeatKey, redis.Z{Score: float64(now), Member: r.id})
	pipe.ZRemRangeByScore(ctx, heartbeatKey, "-inf", strconv.FormatInt(now-3000, 10))
	card := pipe.ZCard(ctx, heartbeatKey)
	if _, err := pipe.Exec(ctx); err == nil {
		r.nodes.Store(max(1, card.Val()))
	}
}

// Sweep forgets the fallback buckets idle for longer than idle (see Local.Sweep).
func (r *Redis) Sweep(now time.Time, idle time.Duration) int { return r.local.Sweep(now, idle) }

// Nodes returns the live nodes last counted.
func (r *Redis) Nodes() int64 { return r.nodes.Load() }

// interval is the time between tokens in microseconds; a zero rate never refills.
func interval(rate float64) float64 {
	if rate <= 0 {
		return 1e15 // some thirty years
	}
	return 1e6 / rate
}

// bucketKey names a bucket in Redis; \x1f cannot occur in ids, stage names or method paths.
func bucketKey(id *ID) string {
	return "gatewayd:tb:" + strconv.Itoa(int(id.Scope)) + "\x1f" + strings.Join([]string{id.Plan, id.Key, id.API, id.Stage, id.Method}, "\x1f")
}

// unreachable reports errors that mean Redis cannot be reached now (as opposed to a script error).
func unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, redis.ErrPoolExhausted) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "LOADING") ||
		errors.Is(err, context.DeadlineExceeded)
}
