package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/quota"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// UsageStore persists usage counts. The control plane implements it over its store.
type UsageStore interface {
	// LoadUsage returns the counts of every plan and key for the days from since (a UTC day start).
	LoadUsage(ctx context.Context, since time.Time) ([]model.UsageCount, error)
	// AddUsage adds deltas to the stored counts.
	AddUsage(ctx context.Context, deltas []model.UsageCount) error
}

// Limiter admits requests against token buckets. The in-process throttle.Local is exact for one node;
// throttle.Redis shares the buckets between nodes (Options.Limiter).
type Limiter interface {
	// Allow takes a token from the bucket of every level, in order, or none: it returns the index of
	// the level that refused, with the tokens taken at earlier levels given back, or -1.
	Allow(ctx context.Context, now time.Time, levels []throttle.Level) (int, error)
}

// Counter counts requests per usage plan and key and decides quotas. Counts it takes are handed out by
// Drain for persisting, and Seed loads persisted ones. quota.Local counts in memory (the default);
// quota.Redis decides on counters shared between nodes (Options.Counter).
type Counter interface {
	// Take counts one request unless q (nil: none) is used up in the period that contains now.
	Take(ctx context.Context, now time.Time, id quota.ID, q *model.QuotaSettings) (bool, error)
	Seed(ctx context.Context, counts []model.UsageCount) error
	Drain(ctx context.Context) ([]model.UsageCount, error)
	// Restore takes back what Drain handed out and could not be persisted.
	Restore(ctx context.Context, deltas []model.UsageCount) error
}

// localLimiter and localCounter adapt the in-process implementations to the interfaces above.
type localLimiter struct{ *throttle.Local }

func (l localLimiter) Allow(_ context.Context, now time.Time, levels []throttle.Level) (int, error) {
	return l.Local.Allow(now, levels), nil
}

type localCounter struct{ *quota.Local }

func (c localCounter) Take(_ context.Context, now time.Time, id quota.ID, q *model.QuotaSettings) (bool, error) {
	return c.Local.Take(now, id, q), nil
}

func (c localCounter) Seed(_ context.Context, counts []model.UsageCount) error {
	return c.Local.Seed(counts)
}

func (c localCounter) Drain(context.Context) ([]model.UsageCount, error) { return c.Local.Drain(), nil }

func (c localCounter) Restore(_ context.Context, deltas []model.UsageCount) error {
	c.Local.Restore(deltas)
	return nil
}

// SetMetering compiles API keys and usage plans aside and swaps them in: the next request sees the
// new keys and limits. Counts and the state of token buckets are kept across changes. A snapshot that
// does not compile is an error and changes nothing.
func (s *Server) SetMetering(m model.MeteringSnapshot) error {
	keys, err := apikey.Compile(m, s.opts.Now())
	if err != nil {
		return fmt.Errorf("compiling metering: %w", err)
	}
	s.keys.Store(keys)
	return nil
}

// SetIAM compiles IAM users' credentials and policies aside and swaps them in: the next signed request
// sees them. A snapshot that does not compile is an error and changes nothing.
func (s *Server) SetIAM(snap model.IAMSnapshot) error {
	m, err := authorize.CompileIAM(snap, s.opts.Region)
	if err != nil {
		return fmt.Errorf("compiling IAM: %w", err)
	}
	s.iam.Store(m)
	return nil
}

// usageHistory is how far back LoadUsage reads: the longest quota period, a month of 31 days.
const usageHistory = 31

// LoadUsage seeds the quota counters with the counts stored since the start of the longest quota
// period. The daemon calls it once at start, before serving.
func (s *Server) LoadUsage(ctx context.Context) error {
	if s.opts.Usage == nil {
		return nil
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	now := s.opts.Now().UTC()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -usageHistory)
	counts, err := s.opts.Usage.LoadUsage(ctx, since)
	if err != nil {
		return fmt.Errorf("loading usage since %s: %w", since.Format(time.DateOnly), err)
	}
	if err := s.counter.Seed(ctx, counts); err != nil {
		return fmt.Errorf("seeding usage counters: %w", err)
	}
	return nil
}

// flushBatch caps the deltas of one AddUsage call.
const flushBatch = 1000

// FlushUsage writes the counts made since the last flush to the usage store now. Counts that could not
// be written are kept for the next flush.
func (s *Server) FlushUsage(ctx context.Context) error {
	if s.opts.Usage == nil {
		return nil
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	deltas, err := s.counter.Drain(ctx)
	if err != nil {
		return fmt.Errorf("flushing usage: %w", err)
	}
	for len(deltas) > 0 {
		n := min(len(deltas), flushBatch)
		if err := s.opts.Usage.AddUsage(ctx, deltas[:n]); err != nil {
			return errors.Join(fmt.Errorf("flushing usage: %w", err), s.counter.Restore(ctx, deltas))
		}
		deltas = deltas[n:]
	}
	return nil
}

// sweepEvery is how often idle token buckets are forgotten; a bucket idle that long is full again.
const sweepEvery = time.Minute

// background flushes usage every FlushInterval and forgets idle buckets, until stop is closed.
func (s *Server) background(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	flush := time.NewTicker(s.opts.FlushInterval)
	defer flush.Stop()
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-stop:
			return
		case <-flush.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*s.opts.FlushInterval+5*time.Second)
			if err := s.FlushUsage(ctx); err != nil {
				s.opts.Logger.Warn("usage flush failed; counts kept for the next try", "error", err)
			}
			cancel()
		case <-sweep.C:
			if sw, ok := s.limiter.(interface {
				Sweep(time.Time, time.Duration) int
			}); ok {
				sw.Sweep(s.opts.Now(), sweepEvery)
			}
		}
	}
}

// throttle applies the throttle order (plan per method, plan, stage method, stage default, account)
// and then the usage plan's quota. Plan limits and quotas apply only to methods that require a key.
func (s *Server) throttle(ctx context.Context, ex *exchange) error {
	ep := ex.ep
	levels := ex.levels[:0]
	c := &ex.caller
	if c.Plan != nil {
		if l, ok := c.PlanStage.Method(ep.planPath, ep.planWildcard); ok {
			levels = append(levels, throttle.Level{Limit: l, Since: c.Plan.Since, ID: throttle.ID{Scope: throttle.ScopePlanMethod,
				Plan: c.Plan.ID, Key: c.Key.ID, API: ex.stage.apiID, Stage: ex.stage.name, Method: ep.planPath}})
		}
		if c.Plan.Throttle != nil {
			levels = append(levels, throttle.Level{Limit: *c.Plan.Throttle, Since: c.Plan.Since, ID: throttle.ID{Scope: throttle.ScopePlan,
				Plan: c.Plan.ID, Key: c.Key.ID}})
		}
	}
	levels = append(levels, ep.stageLevels...)
	now := s.opts.Now()
	refused, err := s.limiter.Allow(ctx, now, levels)
	if err != nil {
		return gwerror.Internal(fmt.Errorf("throttling: %w", err))
	}
	if refused >= 0 {
		ep.metrics.Throttled()
		e := gwerror.TooManyRequests(throttledError{levels[refused].ID.Scope})
		e.RetryAfter = throttleRetryAfter(levels[refused].Limit)
		return e
	}
	if c.Plan == nil {
		return nil
	}
	ok, err := s.counter.Take(ctx, now, quota.ID{Plan: c.Plan.ID, Key: c.Key.ID}, c.Plan.Quota)
	if errors.Is(err, quota.ErrUnavailable) { // quotas fail closed while the shared counter is down
		e := gwerror.New(http.StatusServiceUnavailable, "Service Unavailable", err)
		e.RetryAfter = 1
		return e
	}
	if err != nil {
		return gwerror.Internal(fmt.Errorf("counting usage: %w", err))
	}
	if !ok {
		ep.metrics.QuotaExceeded()
		e := gwerror.LimitExceeded(errQuota)
		e.RetryAfter = quotaRetryAfter(now, c.Plan.Quota)
		return e
	}
	return nil
}

// throttledError names the level that refused, for the log; it allocates nothing until logged.
type throttledError struct{ scope throttle.Scope }

func (e throttledError) Error() string { return "throttled at the " + e.scope.String() + " level" }

var errQuota = errors.New("usage plan quota used up")
