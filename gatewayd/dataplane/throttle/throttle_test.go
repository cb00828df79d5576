package throttle

import (
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"
)

var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func level(name string, rate float64, burst int) Level {
	return Level{ID: ID{Scope: ScopeStageMethod, API: "api1", Stage: "prod", Method: name}, Limit: Limit{Rate: rate, Burst: burst}}
}

// allow calls Allow n times at now and returns the results.
func allow(l *Local, n int, now time.Time, levels ...Level) []int {
	var out []int
	for range n {
		out = append(out, l.Allow(now, levels))
	}
	return out
}

func TestAllow(t *testing.T) {
	a, b := level("a", 0, 3), level("b", 0, 1)
	tests := []struct {
		name string
		run  func(l *Local) []int
		want []int
	}{
		{"a bucket admits its burst", func(l *Local) []int { return allow(l, 4, t0, a) }, []int{-1, -1, -1, 0}},
		{"a refused level keeps no token of earlier ones", func(l *Local) []int {
			out := allow(l, 3, t0, a, b)
			return append(out, allow(l, 3, t0, a)...)
		}, []int{-1, 1, 1, -1, -1, 0}},
		{"a given back token does not overfill", func(l *Local) []int {
			return append(allow(l, 2, t0, a, level("zero", 0, 0)), allow(l, 4, t0, a)...)
		}, []int{1, 1, -1, -1, -1, 0}},
		{"tokens refill at the rate", func(l *Local) []int {
			c := level("c", 10, 1)
			return append(allow(l, 2, t0, c), allow(l, 2, t0.Add(100*time.Millisecond), c)...)
		}, []int{-1, 0, -1, 0}},
		{"an earlier clock reading does not refill twice", func(l *Local) []int {
			c := level("c", 10, 1)
			out := allow(l, 1, t0.Add(time.Second), c)
			out = append(out, allow(l, 1, t0, c)...) // a goroutine that read the clock before
			return append(out, allow(l, 1, t0.Add(time.Second+50*time.Millisecond), c)...)
		}, []int{-1, 0, 0}},
		{"a raised burst keeps the tokens", func(l *Local) []int {
			out := allow(l, 3, t0, a)
			c := a
			c.Limit.Burst = 10
			return append(out, allow(l, 1, t0, c)...)
		}, []int{-1, -1, -1, 0}},
		{"a changed rate applies from Since", func(l *Local) []int {
			out := allow(l, 3, t0, a)
			c := a
			c.Limit.Rate, c.Since = 10, t0.Add(time.Second)
			return append(out, allow(l, 3, t0.Add(time.Second+200*time.Millisecond), c)...)
		}, []int{-1, -1, -1, -1, -1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.run(NewLocal())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestAllowConcurrent: with no refill, concurrent callers get exactly the tokens there are, and a
// level that refuses leaves the earlier level's tokens in place.
func TestAllowConcurrent(t *testing.T) {
	l := NewLocal()
	a, b := level("a", 0, 1000), level("b", 0, 500)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for range 100 {
				if l.Allow(t0, []Level{a, b}) < 0 {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	rest := 0
	for l.Allow(t0, []Level{a}) < 0 {
		rest++
	}
	if diff := cmp.Diff([]int64{500, 500}, []int64{admitted.Load(), int64(rest)}); diff != "" {
		t.Errorf("[admitted through a and b, left in a] (-want +got):\n%s", diff)
	}
}

func TestSweep(t *testing.T) {
	l := NewLocal()
	full, used := level("full", 1, 2), level("used", 0, 2)
	l.Allow(t0, []Level{full})
	l.Allow(t0, []Level{used})
	if got := l.Sweep(t0.Add(time.Hour), time.Minute); got != 1 {
		t.Errorf("Sweep dropped %d buckets, want 1 (the refilled one)", got)
	}
	// The bucket still missing a token keeps its state.
	if diff := cmp.Diff([]int{-1, 0}, allow(l, 2, t0.Add(time.Hour), used)); diff != "" {
		t.Errorf("used bucket after Sweep (-want +got):\n%s", diff)
	}
}

// TestTokensMatchRate runs random takes, give-backs, limit changes and reads on tokens and on
// rate.Limiter side by side: every decision and token count must be the same, bit for bit.
func TestTokensMatchRate(t *testing.T) {
	limits := []float64{0, 1, 10, 0.3, 1e9, 1e12, float64(rate.Inf), math.Inf(1)}
	bursts := []int{0, 1, 3, 1000}
	steps := []time.Duration{0, 0, 1, time.Nanosecond * 7, time.Millisecond, 33 * time.Millisecond, time.Second, -time.Millisecond, -time.Hour}
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := mrand.New(mrand.NewPCG(seed, 1))
			l0, b0 := limits[r.IntN(len(limits))], bursts[r.IntN(len(bursts))]
			want := rate.NewLimiter(rate.Limit(l0), b0)
			got := tokens{limit: l0, burst: b0, tokens: float64(b0)}
			now := t0
			for i := range 300 {
				now = now.Add(steps[r.IntN(len(steps))])
				var w, g any
				switch op := r.IntN(10); {
				case op < 6:
					w, g = want.AllowN(now, 1), got.allowN(now, 1)
				case op < 7:
					w, g = want.AllowN(now, -1), got.allowN(now, -1)
				case op < 8:
					l := limits[r.IntN(len(limits))]
					want.SetLimitAt(now, rate.Limit(l))
					got.setLimitAt(now, l)
				case op < 9:
					b := bursts[r.IntN(len(bursts))]
					want.SetBurstAt(now, b)
					got.setBurstAt(now, b)
				default:
					w, g = math.Float64bits(want.TokensAt(now)), math.Float64bits(got.advance(now))
				}
				if w != g {
					t.Fatalf("step %d: got %v, rate.Limiter %v", i, g, w)
				}
				if w, g := math.Float64bits(want.TokensAt(now)), math.Float64bits(got.advance(now)); w != g {
					t.Fatalf("step %d: %v tokens, rate.Limiter %v", i, math.Float64frombits(g), math.Float64frombits(w))
				}
			}
		})
	}
}

// TestHashCollision chains two buckets under one hash, as IDs whose hashes collide would be: each ID
// finds its own bucket, and Sweep drops one of a chain and keeps the other.
func TestHashCollision(t *testing.T) {
	l := NewLocal()
	full, used := level("full", 1, 2), level("used", 0, 2)
	l.Allow(t0, []Level{full})
	l.Allow(t0, []Level{used})
	hf, hu := l.hash(&full.ID), l.hash(&used.ID)
	sh, shu := &l.shards[hf%shardCount], &l.shards[hu%shardCount]
	bf, bu := sh.m[hf], shu.m[hu]
	delete(shu.m, hu)
	shu.n--
	bf.next = bu // the bucket Sweep drops heads the chain
	sh.n++
	if got := l.Len(); got != 2 {
		t.Fatalf("Len = %d, want 2", got)
	}
	if sh.find(hf, &full.ID) != bf || sh.find(hf, &used.ID) != bu {
		t.Fatal("find does not tell the buckets of a chain apart")
	}
	if got := l.Sweep(t0.Add(time.Hour), time.Minute); got != 1 {
		t.Errorf("Sweep dropped %d buckets, want 1 (the refilled one)", got)
	}
	if got := l.Len(); got != 1 {
		t.Errorf("Len after Sweep = %d, want 1", got)
	}
	if sh.find(hf, &full.ID) != nil || sh.find(hf, &used.ID) != bu || !bf.dead || bu.dead {
		t.Error("Sweep did not drop exactly the refilled bucket of the chain")
	}
}
