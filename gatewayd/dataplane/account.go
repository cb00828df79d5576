package dataplane

import "github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"

// SetAccountThrottle sets the account-level limit (rate per second, burst) and reports whether it
// changed. The stages compile it into their throttle levels (and into the method settings that
// inherit from it), so the caller reloads every stage after a change; until then they keep the
// previous limit.
func (s *Server) SetAccountThrottle(rate float64, burst int) bool {
	if rate <= 0 {
		rate = s.opts.AccountRateLimit
	}
	if burst <= 0 {
		burst = s.opts.AccountBurstLimit
	}
	next := throttle.Limit{Rate: rate, Burst: burst}
	if *s.account.Load() == next {
		return false
	}
	s.account.Store(&next)
	// The endpoints the compile memos hold carry the old limit: the next compiles start afresh.
	s.memos.mu.Lock()
	s.memos.m = nil
	s.memos.mu.Unlock()
	return true
}
