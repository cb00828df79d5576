package model

import "math"

// Account is the gateway's account-level settings, API Gateway's Account: one per gateway (per
// cluster of nodes sharing a store).
type Account struct {
	// CloudwatchRoleARN is stored and returned, as API Gateway's; gatewayd writes its logs itself and
	// assumes no role for them, so it has no effect here.
	CloudwatchRoleARN string `json:"cloudwatch_role_arn"`
	// ThrottleRateLimit and ThrottleBurstLimit replace the daemon's --account-rate-limit and
	// --account-burst-limit while set: the account-level token bucket every request meets last. nil
	// keeps the flag's value. gatewayd-specific: API Gateway's account limits are set by AWS.
	ThrottleRateLimit  *float64 `json:"throttle_rate_limit,omitempty"`
	ThrottleBurstLimit *int     `json:"throttle_burst_limit,omitempty"`
	// ThrottleSettings is read-only: the account limits in force.
	ThrottleSettings AccountThrottleSettings `json:"throttle_settings"`
	Version          int64                   `json:"version"`
}

// AccountThrottleSettings are the account limits in force, as API Gateway shows them.
type AccountThrottleSettings struct {
	BurstLimit int     `json:"burst_limit"`
	RateLimit  float64 `json:"rate_limit"`
}

// Validate checks the writable fields.
func (a *Account) Validate() error {
	if a.CloudwatchRoleARN != "" {
		if err := ValidateIAMRoleARN(a.CloudwatchRoleARN); err != nil {
			return fieldErr("cloudwatch_role_arn", "%v", err)
		}
	}
	if r := a.ThrottleRateLimit; r != nil && (!(*r > 0) || math.IsInf(*r, 0)) {
		return fieldErr("throttle_rate_limit", "must be a number of requests per second above 0, got %v", *r)
	}
	if b := a.ThrottleBurstLimit; b != nil && *b < 1 {
		return fieldErr("throttle_burst_limit", "must be at least 1 (a bucket of 0 refuses every request), got %d", *b)
	}
	return nil
}
