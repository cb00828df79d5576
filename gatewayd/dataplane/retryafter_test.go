package dataplane_test

import (
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestRetryAfterOn429: every 429 of the data plane says when to retry: a throttled request when the
// bucket that refused it has a token again, a request over its quota when the next period starts.
func TestRetryAfterOn429(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 10, 23, 0, 0, 0, time.UTC)}
	s, base := newMeteredServer(t, dataplane.Options{Now: clock.Now})
	setMeteredStage(t, s, map[string]model.MethodSetting{"open/GET": setting(0.25, 1)})
	setMetering(t, s, metering(plan("p1", 0, 0, 1)))
	retryAfter := func(path, key string) (int, string) {
		req := newRequest(t, "GET", base+path, nil)
		if key != "" {
			req.Header.Set("x-api-key", key)
		}
		r := do(t, req)
		return r.Status, r.Header.Get("Retry-After")
	}
	for _, tc := range []struct {
		name, path, key string
		status          int
		retryAfter      string
	}{
		{"first open call", "/api1/prod/open", "", 200, ""},
		{"throttled at 0.25 rps: a token in 4s", "/api1/prod/open", "", 429, "4"},
		{"first keyed call", "/api1/prod/items", goodKey, 200, ""},
		{"over the daily quota at 23:00 UTC: an hour", "/api1/prod/items", goodKey, 429, "3600"},
	} {
		if status, ra := retryAfter(tc.path, tc.key); status != tc.status || ra != tc.retryAfter {
			t.Errorf("%s: %d with Retry-After %q, want %d with %q", tc.name, status, ra, tc.status, tc.retryAfter)
		}
	}
}
