package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waiters returns how many requests wait on key's fill in calls, 0 when none is in flight.
func waiters(c *Cache, calls map[string]*call, key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := calls[key]; ok {
		return cl.waiters
	}
	return 0
}

// waitFor polls cond until it holds or a few seconds have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// only2xx is the pipeline's storing rule.
func only2xx(e *Entry) bool { return e.Status >= 200 && e.Status < 300 }

func TestGetOrFillHitMiss(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		wantSecond Outcome
		wantFills  int
	}{
		{name: "200 is stored", status: 200, wantSecond: Hit, wantFills: 1},
		{name: "204 is stored", status: 204, wantSecond: Hit, wantFills: 1},
		{name: "404 is not", status: 404, wantSecond: Miss, wantFills: 2},
		{name: "500 is not", status: 500, wantSecond: Miss, wantFills: 2},
		{name: "302 is not", status: 302, wantSecond: Miss, wantFills: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(NewMemory(1<<20, Options{}))
			fills := 0
			fill := func(context.Context) (*Entry, bool, error) {
				fills++
				e := entry(tt.status, "body")
				return e, only2xx(e), nil
			}
			e, o, err := c.GetOrFill(t.Context(), "k", time.Minute, fill)
			if err != nil || o != Miss || e.Status != tt.status {
				t.Fatalf("first GetOrFill = %v, %v, %v; want status %d, Miss, nil", e, o, err, tt.status)
			}
			e, o, err = c.GetOrFill(t.Context(), "k", time.Minute, fill)
			if err != nil || o != tt.wantSecond || e.Status != tt.status {
				t.Fatalf("second GetOrFill = %v, %v, %v; want status %d, %v, nil", e, o, err, tt.status, tt.wantSecond)
			}
			if fills != tt.wantFills {
				t.Errorf("%d fills, want %d", fills, tt.wantFills)
			}
		})
	}
}

func TestGetOrFillExpiry(t *testing.T) {
	clk := newClock()
	c := New(NewMemory(1<<20, Options{Now: clk.Now}))
	fills := 0
	fill := func(context.Context) (*Entry, bool, error) { fills++; return entry(200, "x"), true, nil }
	want := []Outcome{Miss, Hit, Miss, Hit}
	advance := []time.Duration{0, 299 * time.Second, time.Second, 0}
	var got []Outcome
	for _, d := range advance {
		clk.Advance(d)
		_, o, err := c.GetOrFill(t.Context(), "k", 300*time.Second, fill)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if fills != 2 {
		t.Errorf("%d fills, want 2", fills)
	}
}

func TestGetOrFillCollapsesConcurrentMisses(t *testing.T) {
	const n = 1000
	c := New(NewMemory(1<<20, Options{}))
	var fills atomic.Int32
	release := make(chan struct{})
	fill := func(context.Context) (*Entry, bool, error) {
		fills.Add(1)
		<-release
		return entry(200, "one"), true, nil
	}
	var wg sync.WaitGroup
	outcomes := make([]Outcome, n)
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			e, o, err := c.GetOrFill(t.Context(), "k", time.Minute, fill)
			if err != nil {
				t.Errorf("GetOrFill: %v", err)
				return
			}
			outcomes[i], bodies[i] = o, string(e.Body)
		})
	}
	// Every request must be waiting on the one fill before it answers; otherwise late ones would hit
	// the stored entry and the test would prove less.
	waitFor(t, "1000 waiters", func() bool { return waiters(c, c.fills, "k") == n })
	close(release)
	wg.Wait()

	if got := fills.Load(); got != 1 {
		t.Errorf("%d fill calls for %d concurrent misses, want 1", got, n)
	}
	count := map[Outcome]int{}
	for i := range n {
		count[outcomes[i]]++
		if bodies[i] != "one" {
			t.Fatalf("request %d got body %q", i, bodies[i])
		}
	}
	if diff := cmp.Diff(map[Outcome]int{Miss: 1, Shared: n - 1}, count); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if _, o, _ := c.GetOrFill(t.Context(), "k", time.Minute, fill); o != Hit {
		t.Errorf("after the fill: %v, want Hit", o)
	}
}

func TestGetOrFillDifferentKeysDoNotCollapse(t *testing.T) {
	c := New(NewMemory(1<<20, Options{}))
	var fills atomic.Int32
	var wg sync.WaitGroup
	for _, k := range []string{"a", "b", "c"} {
		wg.Go(func() {
			c.GetOrFill(t.Context(), k, time.Minute, func(context.Context) (*Entry, bool, error) {
				fills.Add(1)
				return entry(200, k), true, nil
			})
		})
	}
	wg.Wait()
	if got := fills.Load(); got != 3 {
		t.Errorf("%d fills for 3 keys, want 3", got)
	}
}

func TestGetOrFillCancelledWaiters(t *testing.T) {
	c := New(NewMemory(1<<20, Options{}))
	release := make(chan struct{})
	fillErr := make(chan error, 1)
	fill := func(ctx context.Context) (*Entry, bool, error) {
		<-release
		fillErr <- ctx.Err()
		return entry(200, "v"), true, nil
	}

	// The leader and one waiter go away; a third request still gets the response.
	leaderCtx, cancelLeader := context.WithCancel(t.Context())
	leaderDone := make(chan error, 1)
	go func() {
		_, _, err := c.GetOrFill(leaderCtx, "k", time.Minute, fill)
		leaderDone <- err
	}()
	waitFor(t, "the leader", func() bool { return waiters(c, c.fills, "k") == 1 })

	gone, cancelGone := context.WithCancel(t.Context())
	goneDone := make(chan error, 1)
	go func() {
		_, _, err := c.GetOrFill(gone, "k", time.Minute, fill)
		goneDone <- err
	}()
	stayDone := make(chan *Entry, 1)
	go func() {
		e, o, err := c.GetOrFill(t.Context(), "k", time.Minute, fill)
		if err != nil || o != Shared {
			t.Errorf("staying waiter: %v, %v; want Shared, nil", o, err)
		}
		stayDone <- e
	}()
	waitFor(t, "three waiters", func() bool { return waiters(c, c.fills, "k") == 3 })

	cancelGone()
	if err := <-goneDone; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter got %v, want context.Canceled", err)
	}
	cancelLeader()
	if err := <-leaderDone; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled leader got %v, want context.Canceled", err)
	}
	if w := waiters(c, c.fills, "k"); w != 1 {
		t.Fatalf("%d waiters left, want 1", w)
	}
	close(release)
	if err := <-fillErr; err != nil {
		t.Errorf("the fill's context ended (%v) while a request still waited", err)
	}
	if e := <-stayDone; e == nil || string(e.Body) != "v" {
		t.Errorf("staying waiter got %v", e)
	}
	if _, o, _ := c.GetOrFill(t.Context(), "k", time.Minute, fill); o != Hit {
		t.Errorf("after the fill: %v, want Hit (the fill stored although its leader left)", o)
	}
}

func TestGetOrFillAllWaitersGoneCancelsFill(t *testing.T) {
	c := New(NewMemory(1<<20, Options{}))
	var fills atomic.Int32
	fillCancelled := make(chan struct{})
	first := func(ctx context.Context) (*Entry, bool, error) {
		fills.Add(1)
		<-ctx.Done()
		close(fillCancelled)
		return nil, false, ctx.Err()
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.GetOrFill(ctx, "k", time.Minute, first)
		done <- err
	}()
	waitFor(t, "the leader", func() bool { return waiters(c, c.fills, "k") == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	select {
	case <-fillCancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the fill was not cancelled when nobody waited for it")
	}
	// A new miss starts a new fill rather than joining the cancelled one.
	e, o, err := c.GetOrFill(t.Context(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
		fills.Add(1)
		return entry(200, "fresh"), true, nil
	})
	if err != nil || o != Miss || string(e.Body) != "fresh" {
		t.Errorf("next miss = %v, %v, %v; want fresh, Miss, nil", e, o, err)
	}
	if got := fills.Load(); got != 2 {
		t.Errorf("%d fills, want 2", got)
	}
}

func TestGetOrFillErrors(t *testing.T) {
	boom := errors.New("backend down")
	tests := []struct {
		name    string
		fill    FillFunc
		wantErr string
	}{
		{name: "error", fill: func(context.Context) (*Entry, bool, error) { return nil, true, boom }, wantErr: "backend down"},
		{name: "nil entry", fill: func(context.Context) (*Entry, bool, error) { return nil, true, nil }, wantErr: "cache fill returned no entry"},
		{name: "panic", fill: func(context.Context) (*Entry, bool, error) { panic("oops") }, wantErr: "cache fill panicked: oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory(1<<20, Options{})
			c := New(m)
			_, _, err := c.GetOrFill(t.Context(), "k", time.Minute, tt.fill)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if m.Len() != 0 {
				t.Errorf("a failed fill stored %d entries", m.Len())
			}
			if waiters(c, c.fills, "k") != 0 {
				t.Error("the failed fill is still in flight")
			}
		})
	}
}

func TestGetOrFillOverMaxEntryNotStored(t *testing.T) {
	m := NewMemory(64<<20, Options{})
	c := New(m)
	fills := 0
	fill := func(context.Context) (*Entry, bool, error) {
		fills++
		return &Entry{Status: 200, Body: make([]byte, 1<<20+1)}, true, nil
	}
	for range 2 {
		e, _, err := c.GetOrFill(t.Context(), "k", time.Minute, fill)
		if err != nil || len(e.Body) != 1<<20+1 {
			t.Fatalf("GetOrFill = %d bytes, %v; the response must still be served", len(e.Body), err)
		}
	}
	if fills != 2 || m.Len() != 0 {
		t.Errorf("%d fills, %d stored; want 2, 0", fills, m.Len())
	}
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		wantBody string // what a later GetOrFill hits; "" for a miss
	}{
		{name: "stored response replaces the entry", status: 200, wantBody: "v2"},
		{name: "unstorable response invalidates the entry", status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(NewMemory(1<<20, Options{}))
			c.GetOrFill(t.Context(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
				return entry(200, "v1"), true, nil
			})
			e, err := c.Refresh(t.Context(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
				e := entry(tt.status, "v2")
				return e, only2xx(e), nil
			})
			if err != nil || string(e.Body) != "v2" {
				t.Fatalf("Refresh = %v, %v; want v2 (the stored v1 must be bypassed)", e, err)
			}
			got, ok := c.Store().Get("k")
			switch {
			case tt.wantBody == "" && ok:
				t.Errorf("entry %q survived an invalidating refresh", got.Body)
			case tt.wantBody != "" && (!ok || string(got.Body) != tt.wantBody):
				t.Errorf("stored entry = %v, %v; want %q", got, ok, tt.wantBody)
			}
		})
	}
}

func TestRefreshCollapses(t *testing.T) {
	const n = 100
	c := New(NewMemory(1<<20, Options{}))
	c.Store().Set("k", entry(200, "old"), time.Minute)

	// A miss fill in flight for the key: refreshes must not join it.
	missRelease := make(chan struct{})
	missDone := make(chan struct{})
	go func() {
		defer close(missDone)
		c.do(t.Context(), c.fills, "k", time.Minute, func(context.Context) (*Entry, bool, error) {
			<-missRelease
			return entry(200, "from the miss"), false, nil
		}, false)
	}()
	waitFor(t, "the miss fill", func() bool { return waiters(c, c.fills, "k") == 1 })

	var fills atomic.Int32
	release := make(chan struct{})
	fill := func(context.Context) (*Entry, bool, error) {
		fills.Add(1)
		<-release
		return entry(200, "new"), true, nil
	}
	var wg sync.WaitGroup
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			e, err := c.Refresh(t.Context(), "k", time.Minute, fill)
			if err != nil {
				t.Errorf("Refresh: %v", err)
				return
			}
			bodies[i] = string(e.Body)
		})
	}
	waitFor(t, "100 refreshes", func() bool { return waiters(c, c.refreshes, "k") == n })
	close(release)
	wg.Wait()
	close(missRelease)
	<-missDone

	if got := fills.Load(); got != 1 {
		t.Errorf("%d fills for %d concurrent refreshes, want 1", got, n)
	}
	for i, b := range bodies {
		if b != "new" {
			t.Fatalf("refresh %d got %q, want new", i, b)
		}
	}
	if e, _, _ := c.GetOrFill(t.Context(), "k", time.Minute, nil); string(e.Body) != "new" {
		t.Errorf("stored %q after the refresh, want new", e.Body)
	}
}

func TestFlush(t *testing.T) {
	c := New(NewMemory(1<<20, Options{}))
	fills := 0
	fill := func(context.Context) (*Entry, bool, error) { fills++; return entry(200, "x"), true, nil }
	c.GetOrFill(t.Context(), "a", time.Minute, fill)
	c.GetOrFill(t.Context(), "b", time.Minute, fill)
	c.Flush()
	for _, k := range []string{"a", "b"} {
		if _, o, _ := c.GetOrFill(t.Context(), k, time.Minute, fill); o != Miss {
			t.Errorf("%s after Flush: %v, want Miss", k, o)
		}
	}
	if fills != 4 {
		t.Errorf("%d fills, want 4", fills)
	}
}

func TestFlushDuringFillDoesNotStore(t *testing.T) {
	m := NewMemory(1<<20, Options{})
	c := New(m)
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.GetOrFill(t.Context(), "k", time.Minute, func(context.Context) (*Entry, bool, error) {
			<-release
			return entry(200, "stale"), true, nil
		})
	}()
	waitFor(t, "the fill", func() bool { return waiters(c, c.fills, "k") == 1 })
	c.Flush()
	close(release)
	<-done
	if _, ok := m.Get("k"); ok {
		t.Error("a fill that started before Flush stored its response after it")
	}
}

func TestOutcomeString(t *testing.T) {
	got := []string{Hit.String(), Miss.String(), Shared.String(), Refresh.String(), Outcome(0).String()}
	want := []string{"Hit", "Miss", "Shared", "Refresh", "Outcome(0)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
