package dataplane

import (
	"math"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Retry-After of the data plane's 429s, in whole seconds (RFC 9110 allows no less than one).

// maxThrottleRetryAfter bounds the Retry-After of a throttled request: a bucket with a very low rate
// (or none: a limit of 0 admits nothing) is not worth a client waiting longer than this to ask again.
const maxThrottleRetryAfter = 60

// throttleRetryAfter is how long a throttled client waits for the refusing bucket to hold a token
// again: one token at the bucket's rate, at least a second.
func throttleRetryAfter(l throttle.Limit) int {
	if l.Rate <= 0 {
		return maxThrottleRetryAfter
	}
	return int(min(max(math.Ceil(1/l.Rate), 1), maxThrottleRetryAfter))
}

// quotaRetryAfter is how long a client over its quota waits for the next quota period.
func quotaRetryAfter(now time.Time, q *model.QuotaSettings) int {
	if q == nil {
		return 1
	}
	return max(int(math.Ceil(q.PeriodEnd(now).Sub(now).Seconds())), 1)
}
