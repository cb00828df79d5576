package quota_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/quota"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
)

func redisClient(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	opts, err := throttle.RedisOptions(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var perDay = &model.QuotaSettings{Limit: 100, Period: model.PeriodDay}

// TestRedis_QuotaExactAcrossNodes: three counters (three nodes) on one Redis, 30 goroutines taking
// as fast as they can: exactly 100 of a 100/DAY quota are admitted, and the counts the nodes hand
// out for the store add up to 100.
func TestRedis_QuotaExactAcrossNodes(t *testing.T) {
	srv := redistest.Start(t)
	var nodes []*quota.Redis
	for range 3 {
		nodes = append(nodes, quota.NewRedis(redisClient(t, srv), true, false))
	}
	id := quota.ID{Plan: "p", Key: "k"}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range 30 {
		wg.Go(func() {
			for range 10 {
				ok, err := nodes[g%3].Take(context.Background(), time.Now(), id, perDay)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := admitted.Load(); got != 100 {
		t.Errorf("admitted %d of 300 attempts on a 100/DAY quota, want exactly 100", got)
	}
	var drained int64
	for _, n := range nodes {
		counts, _ := n.Drain(context.Background())
		for _, c := range counts {
			drained += c.Count
		}
	}
	if drained != 100 {
		t.Errorf("the nodes hand out %d counts for the store, want 100", drained)
	}
}

// TestRedis_QuotaWithRedisDown: closed by default (ErrUnavailable, the data plane answers 503), or
// decided on the node's own view when open; with Redis back (restarted empty, no persistence), the
// counter starts from the node's view instead of zero.
func TestRedis_QuotaWithRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	closed := quota.NewRedis(redisClient(t, srv), true, false)
	open := quota.NewRedis(redisClient(t, srv), true, true)
	id := quota.ID{Plan: "p", Key: "k"}
	q := &model.QuotaSettings{Limit: 10, Period: model.PeriodDay}
	for range 4 {
		if ok, err := open.Take(context.Background(), time.Now(), id, q); !ok || err != nil {
			t.Fatalf("Take = %v, %v", ok, err)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := closed.Take(context.Background(), time.Now(), id, q); !errors.Is(err, quota.ErrUnavailable) {
		t.Errorf("closed Take with Redis down: error = %v, want ErrUnavailable", err)
	}
	admitted := 0
	for range 10 {
		if ok, err := open.Take(context.Background(), time.Now(), id, q); err != nil {
			t.Fatal(err)
		} else if ok {
			admitted++
		}
	}
	if admitted != 6 {
		t.Errorf("open Take with Redis down admitted %d after 4 of 10, want 6 (the node's own view)", admitted)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(quota.RetryInterval + 100*time.Millisecond)
	// Redis lost its counter; the node's view (10 used) seeds it, so nothing more is admitted.
	if ok, err := open.Take(context.Background(), time.Now(), id, q); ok || err != nil {
		t.Errorf("Take after Redis restarted empty = %v, %v; want refused (the node had counted 10)", ok, err)
	}
	if ok, err := closed.Take(context.Background(), time.Now(), quota.ID{Plan: "p", Key: "other"}, q); !ok || err != nil {
		t.Errorf("closed Take after Redis came back = %v, %v; want admitted", ok, err)
	}
}
