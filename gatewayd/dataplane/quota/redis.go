package quota

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// ErrUnavailable: the shared counter cannot be reached and quotas fail closed.
var ErrUnavailable = errors.New("the quota counter (redis) is unreachable")

// takeScript counts one request against a quota period's counter unless it is used up, in one
// atomic step. KEYS[1] is the period's counter; ARGV holds the limit, the period's end (unix ms, when
// the counter expires) and the count to start from when the counter is missing (a Redis restarted
// without persistence): the node's own view, the store's counts at its start plus its own since.
var takeScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]))
if not n then
  n = tonumber(ARGV[3])
  redis.call('SET', KEYS[1], n, 'PXAT', ARGV[2])
end
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
return 1
`)

// Redis decides quotas on counters in one Redis shared by every node, so that a plan's quota holds
// across the cluster exactly: each decision is one atomic script (takeScript). The counts each node
// admitted are also kept in a Local, which Drain hands out for the store's usage counts (the usage
// reports) as without Redis. While Redis cannot be reached, quotas fail closed (ErrUnavailable), or,
// with failOpen, are decided on the node's own view; Redis is tried again every RetryInterval.
type Redis struct {
	rdb      *redis.Client
	local    *Local
	failOpen bool
	retryAt  atomic.Int64
}

// RetryInterval is how long a node stops asking an unreachable Redis.
const RetryInterval = time.Second

// NewRedis returns a counter over rdb. track is Local's: keep counts for Drain.
func NewRedis(rdb *redis.Client, track, failOpen bool) *Redis {
	return &Redis{rdb: rdb, local: NewLocal(track), failOpen: failOpen}
}

// Take implements the data plane's counter.
func (r *Redis) Take(ctx context.Context, now time.Time, id ID, q *model.QuotaSettings) (bool, error) {
	if q == nil { // nothing to decide: count for the usage reports only
		return r.local.Take(now, id, nil), nil
	}
	now = now.UTC()
	if time.Now().UnixNano() >= r.retryAt.Load() {
		start, end := q.PeriodStart(now), q.PeriodEnd(now)
		key := "gatewayd:quota:" + id.Plan + "\x1f" + id.Key + "\x1f" + q.Period + "\x1f" + strconv.FormatInt(start.Unix(), 10)
		ok, err := takeScript.Run(ctx, r.rdb, []string{key}, q.Limit, end.UnixMilli(), r.local.Used(now, id, q)).Int()
		switch {
		case err == nil:
			if ok == 1 {
				r.local.Take(now, id, nil)
			}
			return ok == 1, nil
		case ctx.Err() != nil:
			return false, err
		case !unreachable(err):
			return false, fmt.Errorf("redis quota: %w", err)
		}
		r.retryAt.Store(time.Now().Add(RetryInterval).UnixNano())
	}
	if !r.failOpen {
		return false, ErrUnavailable
	}
	if r.local.Used(now, id, q) >= q.Limit {
		return false, nil
	}
	return r.local.Take(now, id, nil), nil
}

// Seed, Drain and Restore are Local's: the store's usage counts.
func (r *Redis) Seed(_ context.Context, counts []model.UsageCount) error { return r.local.Seed(counts) }

func (r *Redis) Drain(context.Context) ([]model.UsageCount, error) { return r.local.Drain(), nil }

func (r *Redis) Restore(_ context.Context, deltas []model.UsageCount) error {
	r.local.Restore(deltas)
	return nil
}

func unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) ||
		strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "LOADING") ||
		errors.Is(err, context.DeadlineExceeded)
}
