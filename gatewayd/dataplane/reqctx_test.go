package dataplane

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
)

var _ upstream.CancelHook = (*reqCtx)(nil)

// TestReqCtx checks the request context as a context: hooks run on cancellation unless released,
// derived contexts and context.AfterFunc follow it, and it is cancelled at the end of a request when
// something may still hold it.
func TestReqCtx(t *testing.T) {
	c := newReqCtx()
	ran := 0
	t1 := c.OnCancel(func() { ran++ })
	t2 := c.OnCancel(func() { ran += 10 })
	t3 := c.OnCancel(func() { ran += 100 })
	if !c.Release(t2) || c.Release(t2) {
		t.Fatal("Release of a pending hook = false, or a second Release = true")
	}
	child, stopChild := context.WithCancel(c)
	defer stopChild()
	after := make(chan struct{})
	context.AfterFunc(c, func() { close(after) })
	if c.Err() != nil || child.Err() != nil {
		t.Fatal("cancelled before cancel")
	}
	c.cancel()
	if ran != 101 {
		t.Errorf("hooks ran to %d, want 101 (the released one not)", ran)
	}
	if c.Release(t1) || c.Release(t3) {
		t.Error("Release after the hook ran = true")
	}
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err = %v", c.Err())
	}
	select {
	case <-c.Done():
	default:
		t.Error("Done not closed")
	}
	select {
	case <-child.Done():
	case <-time.After(time.Second):
		t.Error("derived context not cancelled")
	}
	select {
	case <-after:
	case <-time.After(time.Second):
		t.Error("context.AfterFunc not run")
	}
	late := false
	if tok := c.OnCancel(func() { late = true }); !late || c.Release(tok) {
		t.Error("OnCancel on a cancelled context did not run at once")
	}
}

// TestReqCtxEnd checks that a request's end cancels a context something may still hold (as the
// deferred cancel of a context.WithCancel did) and reuses only the others, uncancelled.
func TestReqCtxEnd(t *testing.T) {
	c := newReqCtx()
	done := c.Done()
	c.end()
	select {
	case <-done:
	default:
		t.Fatal("a context whose Done was taken is not cancelled at the end of its request")
	}

	c = newReqCtx()
	child, stop := context.WithCancel(c)
	defer stop()
	c.end()
	if child.Err() == nil {
		t.Fatal("a context derived from the request's is not cancelled at its end")
	}

	c = newReqCtx()
	leaked := make(chan struct{})
	c.OnCancel(func() { close(leaked) })
	c.end()
	select {
	case <-leaked:
	default:
		t.Fatal("an unreleased hook did not run at the end of the request")
	}

	for range 3 {
		c = newReqCtx()
		tok := c.OnCancel(func() { t.Error("released hook ran") })
		if !c.Release(tok) {
			t.Fatal("Release = false")
		}
		c.end()
		if c.Err() != nil {
			t.Fatal("a context nothing holds was cancelled at the end of its request")
		}
	}
}
