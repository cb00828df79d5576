package cache

import (
	"fmt"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clock is a settable clock for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func entry(status int, body string) *Entry {
	return &Entry{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
}

// check verifies a store's internal consistency: each shard's list holds exactly its map's nodes, its
// byte count is the sum of their sizes and within its budget, and the total is within the budget.
func check(t *testing.T, m *Memory, budget int64) {
	t.Helper()
	var total int64
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		var bytes int64
		n := 0
		for nd := s.head.next; nd != &s.head; nd = nd.next {
			if nd.next.prev != nd {
				t.Fatalf("shard %d: broken list at %q", i, nd.key)
			}
			if s.items[nd.key] != nd {
				t.Fatalf("shard %d: listed node %q not in map", i, nd.key)
			}
			bytes += nd.size
			n++
		}
		if n != len(s.items) || bytes != s.bytes {
			t.Fatalf("shard %d: list has %d nodes, %d bytes; map has %d, counter %d", i, n, bytes, len(s.items), s.bytes)
		}
		if s.bytes > s.budget {
			t.Fatalf("shard %d: %d bytes over its budget %d", i, s.bytes, s.budget)
		}
		total += s.bytes
		s.mu.Unlock()
	}
	if total > budget {
		t.Fatalf("%d bytes over the budget %d", total, budget)
	}
	if got := m.Bytes(); got != total {
		t.Fatalf("Bytes() = %d, shards hold %d", got, total)
	}
}

func TestMemoryGetSetExpiry(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		advance time.Duration
		key     string // key looked up; "k" is the one stored
		wantHit bool
	}{
		{name: "hit", ttl: time.Minute, key: "k", wantHit: true},
		{name: "miss on another key", ttl: time.Minute, key: "other"},
		{name: "hit just before expiry", ttl: time.Minute, advance: time.Minute - time.Nanosecond, key: "k", wantHit: true},
		{name: "miss at expiry", ttl: time.Minute, advance: time.Minute, key: "k"},
		{name: "miss after expiry", ttl: 300 * time.Second, advance: time.Hour, key: "k"},
		{name: "ttl 0 is not stored", ttl: 0, key: "k"},
		{name: "negative ttl is not stored", ttl: -time.Second, key: "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			m := NewMemory(1<<20, Options{Now: clk.Now})
			start := clk.Now()
			stored := m.Set("k", entry(200, `{"id":1}`), tt.ttl)
			if want := tt.ttl > 0; stored != want {
				t.Fatalf("Set stored = %v, want %v", stored, want)
			}
			clk.Advance(tt.advance)
			got, ok := m.Get(tt.key)
			if ok != tt.wantHit {
				t.Fatalf("Get(%q) hit = %v, want %v", tt.key, ok, tt.wantHit)
			}
			if ok {
				want := entry(200, `{"id":1}`)
				want.StoredAt, want.Expires = start, start.Add(tt.ttl)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("entry (-want +got):\n%s", diff)
				}
			}
			if tt.key == "k" && !tt.wantHit && m.Len() != 0 {
				t.Errorf("Len() = %d after a miss on k, want 0 (expired entries are removed)", m.Len())
			}
			check(t, m, 1<<20)
		})
	}
}

func TestMemorySetCopiesAndReplaces(t *testing.T) {
	m := NewMemory(1<<20, Options{})
	e := entry(200, "one")
	m.Set("k", e, time.Minute)
	if !e.StoredAt.IsZero() || !e.Expires.IsZero() {
		t.Errorf("Set modified the caller's entry: %+v", e)
	}
	m.Set("k", entry(201, "two"), time.Minute)
	got, ok := m.Get("k")
	if !ok || got.Status != 201 || string(got.Body) != "two" {
		t.Fatalf("Get after replace = %+v, %v; want status 201 body two", got, ok)
	}
	if m.Len() != 1 {
		t.Errorf("Len() = %d after replacing, want 1", m.Len())
	}
	check(t, m, 1<<20)
}

func TestMemoryMaxEntryBytes(t *testing.T) {
	tests := []struct {
		name     string
		maxEntry int64
		body     int
		want     bool
	}{
		{name: "1 MiB body is stored", body: 1 << 20, want: true},
		{name: "1 MiB + 1 is not stored", body: 1<<20 + 1},
		{name: "empty body is stored", body: 0, want: true},
		{name: "custom limit", maxEntry: 100, body: 101},
		{name: "custom limit, at it", maxEntry: 100, body: 100, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory(64<<20, Options{MaxEntryBytes: tt.maxEntry})
			e := &Entry{Status: 200, Body: make([]byte, tt.body)}
			if got := m.Set("k", e, time.Minute); got != tt.want {
				t.Errorf("Set = %v, want %v", got, tt.want)
			}
			if _, ok := m.Get("k"); ok != tt.want {
				t.Errorf("Get hit = %v, want %v", ok, tt.want)
			}
		})
	}
}

func TestMemoryTooLargeRemovesOld(t *testing.T) {
	m := NewMemory(1<<20, Options{})
	m.Set("k", entry(200, "small"), time.Minute)
	if m.Set("k", &Entry{Status: 200, Body: make([]byte, 2<<20)}, time.Minute) {
		t.Fatal("stored a body over MaxEntryBytes")
	}
	if _, ok := m.Get("k"); ok {
		t.Error("the old entry survived a replacement that could not be stored")
	}
}

func TestMemoryShardCount(t *testing.T) {
	tests := []struct {
		budget int64
		opts   Options
		want   int
	}{
		{budget: 1 << 20, want: 1},
		{budget: 8 << 20, want: 2},
		{budget: 12 << 20, want: 2},
		{budget: 512 << 20, want: 64},
		{budget: 0, want: 1},
		{budget: 1 << 30, opts: Options{Shards: 5}, want: 4},
	}
	for _, tt := range tests {
		m := NewMemory(tt.budget, tt.opts)
		if got := len(m.shards); got != tt.want {
			t.Errorf("NewMemory(%d, %+v): %d shards, want %d", tt.budget, tt.opts, got, tt.want)
		}
		if m.ShardBudget()*int64(len(m.shards)) > tt.budget {
			t.Errorf("NewMemory(%d): shard budgets add up to more than the budget", tt.budget)
		}
	}
}

func TestMemoryZeroBudgetStoresNothing(t *testing.T) {
	m := NewMemory(0, Options{})
	if m.Set("k", entry(200, ""), time.Minute) {
		t.Error("a zero budget stored an entry")
	}
}

func TestMemoryFlush(t *testing.T) {
	m := NewMemory(8<<20, Options{Shards: 8})
	for i := range 100 {
		m.Set(fmt.Sprint(i), entry(200, "x"), time.Minute)
	}
	if m.Len() != 100 {
		t.Fatalf("Len() = %d before flush, want 100", m.Len())
	}
	m.Flush()
	if m.Len() != 0 || m.Bytes() != 0 {
		t.Errorf("after Flush: Len() = %d, Bytes() = %d; want 0, 0", m.Len(), m.Bytes())
	}
	for i := range 100 {
		if _, ok := m.Get(fmt.Sprint(i)); ok {
			t.Fatalf("key %d survived Flush", i)
		}
	}
	if !m.Set("again", entry(200, "x"), time.Minute) {
		t.Fatal("cannot store after Flush")
	}
	check(t, m, 8<<20)
}

func TestMemoryLRUEvictionOrder(t *testing.T) {
	// One shard holding exactly three entries of the same size.
	size := entrySize("a", entry(200, "0123456789"))
	tests := []struct {
		name string
		ops  []string // "set:K" or "get:K"
		want []string // keys left, most recently used first
	}{
		{name: "oldest goes first", ops: []string{"set:a", "set:b", "set:c", "set:d"}, want: []string{"d", "c", "b"}},
		{name: "a get protects", ops: []string{"set:a", "set:b", "set:c", "get:a", "set:d"}, want: []string{"d", "a", "c"}},
		{name: "a replace protects", ops: []string{"set:a", "set:b", "set:c", "set:a", "set:d", "set:e"}, want: []string{"e", "d", "a"}},
		{name: "a miss does not", ops: []string{"set:a", "set:b", "get:z", "set:c", "set:d"}, want: []string{"d", "c", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory(3*size, Options{Shards: 1})
			for _, op := range tt.ops {
				verb, k, _ := strings.Cut(op, ":")
				if verb == "set" {
					m.Set(k, entry(200, "0123456789"), time.Minute)
				} else {
					m.Get(k)
				}
			}
			var got []string
			s := &m.shards[0]
			for nd := s.head.next; nd != &s.head; nd = nd.next {
				got = append(got, nd.key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("keys, most recent first (-want +got):\n%s", diff)
			}
			check(t, m, 3*size)
		})
	}
}

// TestMemoryByteBoundProperty runs random operations with random sizes against stores of random
// budgets and checks after every one that the budget holds, that the structures agree, and that an
// entry that fits is retrievable right after it is stored.
func TestMemoryByteBoundProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(20250102))
	blob := make([]byte, 2<<20) // bodies are slices of it: the store never writes to a body
	for round := range 20 {
		budget := int64(1+rng.Intn(64)) << 14 // 16 KiB .. 1 MiB
		maxEntry := int64(1 + rng.Intn(64<<10))
		clk := newClock()
		m := NewMemory(budget, Options{MaxEntryBytes: maxEntry, Shards: 1 << rng.Intn(4), Now: clk.Now})
		stored, refused := 0, 0
		for op := range 5000 {
			key := fmt.Sprintf("k%d", rng.Intn(300))
			switch r := rng.Intn(100); {
			case r < 50:
				e := &Entry{Status: 200, Body: blob[:rng.Intn(int(2*m.ShardBudget()))]}
				if rng.Intn(4) > 0 {
					e.Header = http.Header{}
					for range rng.Intn(5) {
						e.Header.Add(fmt.Sprintf("X-H%d", rng.Intn(10)), strings.Repeat("v", rng.Intn(200)))
					}
				}
				ttl := time.Duration(rng.Intn(600)-10) * time.Second
				fits := ttl > 0 && int64(len(e.Body)) <= maxEntry && entrySize(key, e) <= m.ShardBudget()
				if got := m.Set(key, e, ttl); got != fits {
					t.Fatalf("round %d op %d: Set(%s, %d bytes, %v) = %v, want %v", round, op, key, len(e.Body), ttl, got, fits)
				}
				got, ok := m.Get(key)
				if ok != fits {
					t.Fatalf("round %d op %d: Get right after Set hit = %v, want %v", round, op, ok, fits)
				}
				if ok && len(got.Body) != len(e.Body) {
					t.Fatalf("round %d op %d: got a %d-byte body, stored %d", round, op, len(got.Body), len(e.Body))
				}
				if fits {
					stored++
				} else {
					refused++
				}
			case r < 80:
				m.Get(key)
			case r < 90:
				m.Delete(key)
			case r < 99:
				clk.Advance(time.Duration(rng.Intn(120)) * time.Second)
			default:
				m.Flush()
			}
			check(t, m, budget)
		}
		if stored == 0 || refused == 0 {
			t.Fatalf("round %d: %d stored, %d refused; the test should exercise both", round, stored, refused)
		}
	}
}

func TestMemoryConcurrent(t *testing.T) {
	m := NewMemory(256<<10, Options{Shards: 4})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewSource(int64(g)))
			for range 2000 {
				key := fmt.Sprint(rng.Intn(100))
				switch rng.Intn(4) {
				case 0:
					m.Set(key, &Entry{Status: 200, Body: make([]byte, rng.Intn(8<<10))}, time.Minute)
				case 1:
					m.Delete(key)
				default:
					if e, ok := m.Get(key); ok && e.Status != 200 {
						t.Errorf("got status %d", e.Status)
					}
				}
			}
		})
	}
	wg.Wait()
	check(t, m, 256<<10)
}
