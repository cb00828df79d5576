package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
)

// redisNode is one gatewayd's view of a Redis: its own client, whose connections the test can cut (a
// network partition of that node alone).
type redisNode struct {
	rdb *redis.Client
	cut *atomic.Bool
}

func newNode(t testing.TB, srv *redistest.Server) redisNode {
	t.Helper()
	cut := new(atomic.Bool)
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = time.Second, time.Second, time.Second
	opts.MaxRetries = -1
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if cut.Load() {
			return nil, errors.New("test: partitioned")
		}
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return cutConn{c, cut}, nil
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return redisNode{rdb: rdb, cut: cut}
}

// cutConn fails every read and write while cut is set.
type cutConn struct {
	net.Conn
	cut *atomic.Bool
}

func (c cutConn) Read(b []byte) (int, error) {
	if c.cut.Load() {
		return 0, errors.New("test: partitioned")
	}
	return c.Conn.Read(b)
}

func (c cutConn) Write(b []byte) (int, error) {
	if c.cut.Load() {
		return 0, errors.New("test: partitioned")
	}
	return c.Conn.Write(b)
}

func (n redisNode) store(stage string, budget int64) *Redis {
	return NewRedis(n.rdb, stage, "0.5", budget, RedisOptions{LockTTL: 600 * time.Millisecond})
}

// TestRedis_SharedWithTTL: an entry stored through one node is a hit on another, with the same
// status, header and body, until its TTL has passed on Redis's clock.
func TestRedis_SharedWithTTL(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newNode(t, srv).store("api/prod", 1<<20), newNode(t, srv).store("api/prod", 1<<20)
	want := &Entry{Status: 201, Header: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"1", "2"}}, Body: []byte(`{"a":1}`)}
	if !a.Set("k", want, 300*time.Millisecond) {
		t.Fatal("Set = false, want stored")
	}
	got, ok := b.Get("k")
	if !ok {
		t.Fatal("the other node misses an entry stored through the first")
	}
	if diff := cmp.Diff(want, got, cmpEntry); diff != "" {
		t.Errorf("entry read on the other node (-want +got):\n%s", diff)
	}
	if d := got.Expires.Sub(got.StoredAt); d != 300*time.Millisecond {
		t.Errorf("Expires - StoredAt = %v, want the TTL 300ms", d)
	}
	if _, ok := NewRedis(b.rdb, "api/other", "0.5", 1<<20, RedisOptions{}).Get("k"); ok {
		t.Error("another stage's cache reads the entry")
	}
	time.Sleep(400 * time.Millisecond)
	if _, ok := b.Get("k"); ok {
		t.Error("the entry is still served after its TTL")
	}
	if a.Set("zero", want, 0) {
		t.Error("Set with ttl 0 = true, want not stored")
	}
}

// cmpEntry compares what a reader sees of an entry, not when it was stored.
var cmpEntry = cmp.Comparer(func(a, b *Entry) bool {
	return a.Status == b.Status && cmp.Equal(a.Header, b.Header) && string(a.Body) == string(b.Body)
})

// TestRedis_Flush: a flush through one node removes the entries for every node, and a fill that
// started before the flush does not store its (possibly stale) answer after it.
func TestRedis_Flush(t *testing.T) {
	srv := redistest.Start(t)
	na, nb := newNode(t, srv), newNode(t, srv)
	a, b := na.store("api/prod", 1<<20), nb.store("api/prod", 1<<20)
	a.Set("k", entry(200, "old"), time.Minute)
	b.Flush()
	if _, ok := a.Get("k"); ok {
		t.Fatal("an entry survives a flush through the other node")
	}

	ca := New(a)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ca.GetOrFill(context.Background(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
			close(started)
			<-release
			return entry(200, "fetched before the flush"), true, nil
		})
	}()
	<-started
	b.Flush()
	close(release)
	<-done
	if e, ok := b.Get("k"); ok {
		t.Errorf("a fill that began before a flush stored %q after it", e.Body)
	}
}

// TestRedis_FlushOncePerRevision: every node applies a revision's flush; only the first empties the
// shared cache, so what was stored after it survives the others applying the same revision.
func TestRedis_FlushOncePerRevision(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newNode(t, srv).store("api/prod", 1<<20), newNode(t, srv).store("api/prod", 1<<20)
	a.Set("k", entry(200, "before"), time.Minute)
	a.FlushAt(7)
	if _, ok := b.Get("k"); ok {
		t.Fatal("the entry survives the first node's flush of revision 7")
	}
	a.Set("k", entry(200, "after"), time.Minute)
	b.FlushAt(7)
	if e, ok := b.Get("k"); !ok || string(e.Body) != "after" {
		t.Errorf("after the second node applies revision 7's flush: %v, %v; want the entry stored after the first", e, ok)
	}
	b.FlushAt(8)
	if _, ok := a.Get("k"); ok {
		t.Error("the entry survives the flush of revision 8")
	}
	a.Set("k", entry(200, "again"), time.Minute)
	b.Flush()
	if _, ok := a.Get("k"); ok {
		t.Error("the entry survives a flush without a revision")
	}
}

// TestRedis_MissesCollapseAcrossNodes: three nodes, each with its own Cache over its own client,
// and 20 concurrent misses on one key on each: the backend is called once; the other 59 requests
// get its answer, and only the request that led the call is a Miss.
func TestRedis_MissesCollapseAcrossNodes(t *testing.T) {
	srv := redistest.Start(t)
	var caches []*Cache
	for range 3 {
		caches = append(caches, New(newNode(t, srv).store("api/prod", 1<<20)))
	}
	var calls atomic.Int64
	fill := func(context.Context) (*Entry, bool, error) {
		calls.Add(1)
		time.Sleep(150 * time.Millisecond)
		return entry(200, "answer"), true, nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[Outcome]int{}
	gate := make(chan struct{})
	for _, c := range caches {
		for range 20 {
			wg.Go(func() {
				<-gate
				e, o, err := c.GetOrFill(context.Background(), "k", time.Minute, fill)
				mu.Lock()
				defer mu.Unlock()
				if err != nil || string(e.Body) != "answer" {
					t.Errorf("GetOrFill = %v, %v", e, err)
					return
				}
				outcomes[o]++
			})
		}
	}
	close(gate)
	wg.Wait()
	if got := calls.Load(); got != 1 {
		t.Errorf("backend calls = %d for 60 concurrent misses on 3 nodes, want 1", got)
	}
	if outcomes[Miss] != 1 {
		t.Errorf("outcomes %v, want exactly one Miss", outcomes)
	}
}

// TestRedis_FailedFillReleasesTheLock: when the node holding the fill lock gets an answer that may not
// be stored, the nodes waiting on it do not wait for the lock to expire: one of them calls the backend
// itself at once.
func TestRedis_FailedFillReleasesTheLock(t *testing.T) {
	srv := redistest.Start(t)
	a, b := New(newNode(t, srv).store("api/prod", 1<<20)), New(newNode(t, srv).store("api/prod", 1<<20))
	inA := make(chan struct{})
	releaseA := make(chan struct{})
	go a.GetOrFill(context.Background(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
		close(inA)
		<-releaseA
		return entry(500, "error"), false, nil
	})
	<-inA
	var bCalls atomic.Int64
	bDone := make(chan time.Duration)
	go func() {
		began := time.Now()
		e, _, err := b.GetOrFill(context.Background(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
			bCalls.Add(1)
			return entry(200, "b"), true, nil
		})
		if err != nil || string(e.Body) != "b" {
			t.Errorf("b.GetOrFill = %v, %v; want b's own answer", e, err)
		}
		bDone <- time.Since(began)
	}()
	time.Sleep(100 * time.Millisecond)
	if bCalls.Load() != 0 {
		t.Fatal("node b called the backend while node a held the fill lock")
	}
	releasedAt := time.Now()
	close(releaseA)
	<-bDone
	if wait := time.Since(releasedAt); wait > 400*time.Millisecond {
		t.Errorf("node b called the backend %v after node a's fill failed; the lock (600ms) should have been released", wait)
	}
	if bCalls.Load() != 1 {
		t.Errorf("node b's backend calls = %d, want 1", bCalls.Load())
	}
}

// TestRedis_LockExpiresWhenItsHolderDies: a node that took the lock and died (stops renewing) holds
// up the others for at most the lock's TTL.
func TestRedis_LockExpiresWhenItsHolderDies(t *testing.T) {
	srv := redistest.Start(t)
	n := newNode(t, srv)
	dead := n.store("api/prod", 1<<20)
	res, err := claimScript.Run(context.Background(), n.rdb, []string{dead.genKey}, dead.prefix, "k", "dead-token", 600, "0").Slice()
	if err != nil || res[0].(int64) != 2 {
		t.Fatalf("claim = %v, %v", res, err)
	}
	b := New(newNode(t, srv).store("api/prod", 1<<20))
	began := time.Now()
	e, o, err := b.GetOrFill(context.Background(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
		return entry(200, "b"), true, nil
	})
	waited := time.Since(began)
	if err != nil || o != Miss || string(e.Body) != "b" {
		t.Fatalf("GetOrFill = %v, %v, %v", e, o, err)
	}
	if waited < 400*time.Millisecond || waited > 5*time.Second {
		t.Errorf("waited %v for a dead node's lock of 600ms", waited)
	}
}

// TestRedis_Budget: a stage's entries stay within its byte budget across nodes, the entries closest to
// expiry go first, and an entry larger than the budget is not stored (and removes the one it
// replaces).
func TestRedis_Budget(t *testing.T) {
	srv := redistest.Start(t)
	body := strings.Repeat("x", 1000)
	size := entrySize("k00", entry(200, body))
	budget := 5*size + size/2
	a, b := newNode(t, srv).store("api/prod", budget), newNode(t, srv).store("api/prod", budget)
	for i := range 8 {
		s := a
		if i%2 == 1 {
			s = b
		}
		if !s.Set(fmt.Sprintf("k%02d", i), entry(200, body), time.Duration(10+i)*time.Minute) {
			t.Fatalf("Set k%02d = false", i)
		}
	}
	var held []string
	for i := range 8 {
		if _, ok := a.Get(fmt.Sprintf("k%02d", i)); ok {
			held = append(held, fmt.Sprintf("k%02d", i))
		}
	}
	if diff := cmp.Diff([]string{"k03", "k04", "k05", "k06", "k07"}, held); diff != "" {
		t.Errorf("entries kept within a budget of 5.5 entries (-want +got):\n%s", diff)
	}
	used := usedBytes(t, a)
	if used != 5*size {
		t.Errorf("accounted bytes = %d, want %d", used, 5*size)
	}
	if a.Set("k07", entry(200, strings.Repeat("y", int(budget))), time.Minute) {
		t.Error("an entry larger than the budget was stored")
	}
	if _, ok := b.Get("k07"); ok {
		t.Error("the entry an oversized Set replaced is still served")
	}
	if used := usedBytes(t, a); used != 4*size {
		t.Errorf("accounted bytes after the refused Set = %d, want %d", used, 4*size)
	}
	big := NewRedis(a.rdb, "api/big", "0.5", 1<<30, RedisOptions{MaxEntryBytes: 10})
	if big.Set("k", entry(200, "eleven byte"), time.Minute) {
		t.Error("a body over MaxEntryBytes was stored")
	}
}

func usedBytes(t *testing.T, r *Redis) int64 {
	t.Helper()
	ctx := context.Background()
	gen, err := r.rdb.Get(ctx, r.genKey).Result()
	if errors.Is(err, redis.Nil) {
		gen = "0"
	} else if err != nil {
		t.Fatal(err)
	}
	n, err := r.rdb.Get(ctx, r.prefix+gen+":bytes").Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRedis_Unreachable: a node cut off from Redis bypasses the cache (every request reaches the
// backend, nothing is stored, no error) without waiting on Redis for every request. A flush it
// applies meanwhile reaches Redis once it is back, before it reads any entry: the entry stored
// before the flush is not served.
func TestRedis_Unreachable(t *testing.T) {
	srv := redistest.Start(t)
	na, nb := newNode(t, srv), newNode(t, srv)
	a, b := na.store("api/prod", 1<<20), nb.store("api/prod", 1<<20)
	b.Set("k", entry(200, "before the flush"), time.Minute)

	na.cut.Store(true)
	ca := New(a)
	var calls atomic.Int64
	fill := func(context.Context) (*Entry, bool, error) {
		calls.Add(1)
		return entry(200, "fresh"), true, nil
	}
	began := time.Now()
	for i := range 3 {
		e, o, err := ca.GetOrFill(context.Background(), "other", time.Minute, fill)
		if err != nil || o != Miss || string(e.Body) != "fresh" {
			t.Fatalf("request %d with Redis unreachable: %v, %v, %v; want a Miss answered by the backend", i, e, o, err)
		}
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("3 requests took %v with Redis unreachable; only the first should wait for it", d)
	}
	if calls.Load() != 3 {
		t.Errorf("backend calls = %d, want 3 (no cache)", calls.Load())
	}
	if a.Bypassed() == 0 {
		t.Error("Bypassed() = 0")
	}
	a.Flush() // applied while cut off
	if _, ok := b.Get("k"); !ok {
		t.Fatal("the flush reached Redis through a partitioned node")
	}

	na.cut.Store(false)
	time.Sleep(RetryInterval + 100*time.Millisecond)
	if e, ok := a.Get("k"); ok {
		t.Errorf("node a serves %q after its flush; the flush should have reached Redis first", e.Body)
	}
	if _, ok := b.Get("k"); ok {
		t.Error("the pending flush did not reach Redis once the node was back")
	}
	if _, o, _ := ca.GetOrFill(context.Background(), "k", time.Minute, fill); o != Miss {
		t.Errorf("first request after the outage = %v, want Miss", o)
	}
	if _, o, _ := New(b).GetOrFill(context.Background(), "k", time.Minute, fill); o != Hit {
		t.Errorf("the other node's request after that = %v, want Hit: the cache is shared again", o)
	}
}

func TestEntryEncoding(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_123)
	want := &Entry{Status: 200, Header: http.Header{"A": {"1", ""}, "B": {}}, Body: []byte("body"), StoredAt: now, Expires: now.Add(time.Minute)}
	got, err := decodeEntry(encodeEntry(want, want.StoredAt, want.Expires))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	enc := encodeEntry(want, now, now)
	for i := range len(enc) {
		if _, err := decodeEntry(enc[:i]); err == nil {
			t.Errorf("decodeEntry of the first %d of %d bytes succeeded", i, len(enc))
		}
	}
	if _, err := decodeEntry(enc + "x"); err == nil {
		t.Error("decodeEntry with trailing bytes succeeded")
	}
}
