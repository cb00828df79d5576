package daemon

import (
	"context"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
)

// The reconciler. Every committed change to what the data plane serves takes a revision in the store
// (control/revision.go). Each node applies the revisions after the one it last applied: after its own
// commits, at once and before the admin call returns (so that the writer's next request is served
// the change); after other nodes' commits, when its feed wakes it; and every pollInterval in case a
// wake-up was lost. A node that fell behind further than the log keeps, or that starts, loads
// everything.

// feed wakes a node when another node may have committed a revision.
type feed interface {
	// Wake returns a channel that receives, coalesced, until ctx ends; nil when no other process
	// writes the store (the embedded SQLite file, whose only writer is this process and applies its
	// own commits in-process).
	Wake(ctx context.Context) <-chan struct{}
}

// notifier is a store that announces commits to every process using it (postgres.Store.Notify).
type notifier interface {
	Notify(ctx context.Context) <-chan struct{}
}

// storeFeed wakes on the store's notifications.
type storeFeed struct{ n notifier }

func (f storeFeed) Wake(ctx context.Context) <-chan struct{} { return f.n.Notify(ctx) }

// pollOnly is a shared store's feed without notifications (tests): the node only polls.
type pollOnly struct{}

func (pollOnly) Wake(context.Context) <-chan struct{} { return nil }

// localFeed is the feed of a store only this process writes.
type localFeed struct{}

func (localFeed) Wake(context.Context) <-chan struct{} { return nil }

// catchUp applies the revisions after the one applied. On an error it applies nothing further and
// leaves applied where it was, to be tried again at the next wake-up or poll.
func (p *dataPlane) catchUp(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	head, changes, complete, err := p.svc.Changes(ctx, p.applied)
	if err != nil || head <= p.applied {
		return err
	}
	if !complete {
		p.log.Info("the store's change log no longer holds every change since the applied revision; reloading everything",
			"applied", p.applied, "revision", head)
		if err := p.reloadAll(ctx); err != nil {
			return err
		}
		// The flushes among the changes it missed are unknown: flush every cache (once for the
		// cluster per head revision, when caches are shared).
		for k := range p.loaded {
			p.FlushCacheAt(k[0], k[1], head)
		}
		return nil
	}
	seen := map[control.StageRef]bool{}
	metering := false
	for _, c := range changes {
		metering = metering || c.Metering
		for _, st := range c.Stages {
			if !seen[st] {
				seen[st] = true
				p.reload(ctx, st.RestAPIID, st.StageName)
			}
		}
	}
	if metering {
		if err := p.reloadMetering(ctx); err != nil {
			return err
		}
	}
	for _, c := range changes {
		for _, st := range c.Flushes {
			p.FlushCacheAt(st.RestAPIID, st.StageName, c.Revision)
		}
	}
	p.setApplied(head)
	return nil
}

func (p *dataPlane) setApplied(rev int64) {
	p.applied = rev
	p.onApplied(rev)
}

// appliedRevision returns the revision the data plane serves.
func (p *dataPlane) appliedRevision() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

// committed is the control plane's OnRevision: this node committed rev.
func (p *dataPlane) committed(int64) {
	if err := p.catchUp(context.Background()); err != nil {
		p.log.Error("applying a committed change to the data plane; retrying at the next poll", "err", err)
	}
}

// follow catches up whenever f wakes it and every poll (when not zero), until ctx ends.
func (p *dataPlane) follow(ctx context.Context, f feed, poll time.Duration) {
	wake := f.Wake(ctx)
	var tick <-chan time.Time
	if poll > 0 {
		t := time.NewTicker(poll)
		defer t.Stop()
		tick = t.C
	}
	if wake == nil && tick == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick:
		}
		if err := p.catchUp(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("following the store's revisions", "err", err)
		}
	}
}
