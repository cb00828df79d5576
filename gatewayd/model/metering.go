package model

import (
	"fmt"
	"time"
)

// Quota periods.
const (
	PeriodDay   = "DAY"
	PeriodWeek  = "WEEK"
	PeriodMonth = "MONTH"
)

// QuotaPeriods lists the accepted quota periods.
var QuotaPeriods = []string{PeriodDay, PeriodMonth, PeriodWeek}

// Account-level throttle defaults, as API Gateway's.
const (
	DefaultAccountRateLimit  = 10000
	DefaultAccountBurstLimit = 5000
)

// Unauthorized cache-control strategies (the caching issue uses them).
var CacheControlStrategies = []string{"FAIL_WITH_403", "SUCCEED_WITHOUT_RESPONSE_HEADER", "SUCCEED_WITH_RESPONSE_HEADER"}

// MinAPIKeyLength is the shortest API key value a client may choose; generated keys are longer.
const MinAPIKeyLength = 20

// APIKey identifies a caller. Its value is kept only as a SHA-256 hash and returned once, by the call
// that creates it.
type APIKey struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	// Value is set by a client on create (optional) and returned only in the create answer.
	Value string `json:"value,omitempty"`
	// CustomerID is AWS Marketplace's customer of the key: stored and returned, with no meaning here.
	CustomerID string `json:"customer_id,omitempty"`
	// ARN is read-only and never stored: derived from the id and the daemon's region on every read.
	ARN             string            `json:"arn,omitempty"`
	Tags            map[string]string `json:"tags"`
	CreatedDate     time.Time         `json:"created_date"`
	LastUpdatedDate time.Time         `json:"last_updated_date"`
	Version         int64             `json:"version"`
}

// ThrottleSettings is a token bucket: RateLimit tokens per second, BurstLimit the bucket's size.
type ThrottleSettings struct {
	RateLimit  float64 `json:"rate_limit"`
	BurstLimit int     `json:"burst_limit"`
}

// QuotaSettings caps requests per period. Offset shifts the period's start: for WEEK the weekday
// (0 = Sunday ... 6 = Saturday), for MONTH the day of the month less one (0..27); DAY takes 0. All
// periods are in UTC.
type QuotaSettings struct {
	Limit  int64  `json:"limit"`
	Period string `json:"period"`
	Offset int    `json:"offset"`
}

// MethodThrottle is a usage plan's limit for one method of a stage; Path is "/resource/path/VERB".
type MethodThrottle struct {
	Path       string  `json:"path"`
	RateLimit  float64 `json:"rate_limit"`
	BurstLimit int     `json:"burst_limit"`
}

// UsagePlanStage attaches a usage plan to one stage of an API.
type UsagePlanStage struct {
	APIID    string           `json:"api_id"`
	Stage    string           `json:"stage"`
	Throttle []MethodThrottle `json:"throttle"`
}

// UsagePlan meters and limits the API keys attached to it, on the stages it lists. Nil Throttle or
// Quota means none at this level.
type UsagePlan struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Throttle    *ThrottleSettings `json:"throttle_settings"`
	Quota       *QuotaSettings    `json:"quota_settings"`
	APIStages   []UsagePlanStage  `json:"api_stages"`
	// ProductCode is the plan's AWS Marketplace product: stored and returned, with no meaning here.
	ProductCode string `json:"product_code,omitempty"`
	// ARN is read-only and never stored: derived from the id and the daemon's region on every read.
	ARN     string            `json:"arn,omitempty"`
	Tags    map[string]string `json:"tags"`
	Version int64             `json:"version"`
}

// UsagePlanKey attaches an API key to a usage plan.
type UsagePlanKey struct {
	UsagePlanID string `json:"usage_plan_id"`
	KeyID       string `json:"key_id"`
	// KeyType is always API_KEY.
	KeyType string `json:"key_type"`
	// Name is the key's name, for reading.
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

// MethodSetting holds a stage's settings for one method path. A throttling value of -1 means not set:
// the method inherits the stage default ("*/*") and then the account limit.
type MethodSetting struct {
	ThrottlingRateLimit                    float64 `json:"throttling_rate_limit"`
	ThrottlingBurstLimit                   int     `json:"throttling_burst_limit"`
	CachingEnabled                         bool    `json:"caching_enabled"`
	CacheTTLInSeconds                      int     `json:"cache_ttl_in_seconds"`
	RequireAuthorizationForCacheControl    bool    `json:"require_authorization_for_cache_control"`
	UnauthorizedCacheControlHeaderStrategy string  `json:"unauthorized_cache_control_header_strategy"`
	// MetricsEnabled gives the methods these settings apply to metric series of their own (API Gateway's
	// detailed metrics); without it they count in the stage's series.
	MetricsEnabled bool `json:"metrics_enabled"`
	// LoggingLevel (OFF, ERROR, INFO) and DataTraceEnabled make the execution log (the data plane's
	// execlog.go). CacheDataEncrypted is accepted so that ported configurations apply unchanged; stored
	// and echoed only.
	LoggingLevel       string `json:"logging_level"`
	DataTraceEnabled   bool   `json:"data_trace_enabled"`
	CacheDataEncrypted bool   `json:"cache_data_encrypted"`
}

// LoggingLevels are the accepted method-settings logging levels.
var LoggingLevels = []string{"ERROR", "INFO", "OFF"}

// MethodSettings are a stage's settings for MethodPath: "*/*" (the stage default) or
// "resource/path/VERB" (the resource path without its leading slash, e.g. "pets/{petId}/GET").
type MethodSettings struct {
	RestAPIID  string        `json:"rest_api_id"`
	StageName  string        `json:"stage_name"`
	MethodPath string        `json:"method_path"`
	Settings   MethodSetting `json:"settings"`
	Version    int64         `json:"version"`
}

// UsageReport is GetUsage's answer: per key, one [used, remaining] pair per day from StartDate to
// EndDate (inclusive, UTC); remaining is the quota left in that day's period, or -1 with no quota.
type UsageReport struct {
	UsagePlanID string                `json:"usage_plan_id"`
	StartDate   string                `json:"start_date"`
	EndDate     string                `json:"end_date"`
	Items       map[string][][2]int64 `json:"items"`
}

// Normalize fills defaults.
func (k *APIKey) Normalize() { k.Tags, k.ARN = emptyIfNil(k.Tags), "" }

// Validate checks the fields a client sets.
func (k *APIKey) Validate() error {
	if err := checkName("name", k.Name, MaxMeteringNameLength); err != nil {
		return err
	}
	if err := checkText("description", k.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	if k.Value != "" && (len(k.Value) < MinAPIKeyLength || len(k.Value) > 128 || !APIKeyValuePattern.MatchString(k.Value)) {
		return fieldErr("value", "must be %d to 128 printable ASCII characters without spaces", MinAPIKeyLength)
	}
	return validateTags("tags", k.Tags)
}

func (t *ThrottleSettings) validate(field string) error {
	if t == nil {
		return nil
	}
	if t.RateLimit < 0 {
		return fieldErr(field+".rate_limit", "must be 0 or more requests per second, got %v", t.RateLimit)
	}
	if t.BurstLimit < 0 {
		return fieldErr(field+".burst_limit", "must be 0 or more, got %d", t.BurstLimit)
	}
	return nil
}

func (q *QuotaSettings) validate() error {
	if q == nil {
		return nil
	}
	if q.Limit < 0 {
		return fieldErr("quota_settings.limit", "must be 0 or more, got %d", q.Limit)
	}
	if err := oneOf("quota_settings.period", q.Period, QuotaPeriods); err != nil {
		return err
	}
	max := map[string]int{PeriodDay: 0, PeriodWeek: 6, PeriodMonth: 27}[q.Period]
	if q.Offset < 0 || q.Offset > max {
		return fieldErr("quota_settings.offset", "must be between 0 and %d for period %s, got %d", max, q.Period, q.Offset)
	}
	return nil
}

// Normalize fills defaults.
func (p *UsagePlan) Normalize() {
	p.ARN = "" // derived on read
	p.Tags = emptyIfNil(p.Tags)
	if p.APIStages == nil {
		p.APIStages = []UsagePlanStage{}
	}
	for i := range p.APIStages {
		if p.APIStages[i].Throttle == nil {
			p.APIStages[i].Throttle = []MethodThrottle{}
		}
	}
}

// Validate checks the fields a client sets.
func (p *UsagePlan) Validate() error {
	if err := checkName("name", p.Name, MaxMeteringNameLength); err != nil {
		return err
	}
	if err := checkText("description", p.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	if err := p.Throttle.validate("throttle_settings"); err != nil {
		return err
	}
	if err := p.Quota.validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, s := range p.APIStages {
		f := fmt.Sprintf("api_stages[%d]", i)
		if s.APIID == "" || s.Stage == "" {
			return fieldErr(f, "needs api_id and stage")
		}
		if seen[s.APIID+"/"+s.Stage] {
			return fieldErr(f, "lists stage %s of api %s twice", s.Stage, s.APIID)
		}
		seen[s.APIID+"/"+s.Stage] = true
		paths := map[string]bool{}
		for j, t := range s.Throttle {
			tf := fmt.Sprintf("%s.throttle[%d]", f, j)
			if !PlanMethodPathPattern.MatchString(t.Path) {
				return fieldErr(tf+".path", "must look like /resource/path/VERB (e.g. /pets/{petId}/GET), got %q", t.Path)
			}
			if paths[t.Path] {
				return fieldErr(tf+".path", "%q is listed twice", t.Path)
			}
			paths[t.Path] = true
			ts := ThrottleSettings{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
			if err := ts.validate(tf); err != nil {
				return err
			}
		}
	}
	return validateTags("tags", p.Tags)
}

// DefaultMethodSetting is what a method path has when nothing is set.
func DefaultMethodSetting() MethodSetting {
	return MethodSetting{ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1, CacheTTLInSeconds: 300,
		RequireAuthorizationForCacheControl: true, UnauthorizedCacheControlHeaderStrategy: "SUCCEED_WITH_RESPONSE_HEADER",
		LoggingLevel: "OFF"}
}

// Validate checks the fields a client sets.
func (m *MethodSettings) Validate() error {
	if !MethodSettingsPathPattern.MatchString(m.MethodPath) {
		return fieldErr("method_path", `must be "*/*" or resource/path/VERB without a leading slash (e.g. pets/{petId}/GET), got %q`, m.MethodPath)
	}
	s := m.Settings
	if s.ThrottlingRateLimit < 0 && s.ThrottlingRateLimit != -1 {
		return fieldErr("settings.throttling_rate_limit", "must be -1 (not set) or 0 or more, got %v", s.ThrottlingRateLimit)
	}
	if s.ThrottlingBurstLimit < -1 {
		return fieldErr("settings.throttling_burst_limit", "must be -1 (not set) or 0 or more, got %d", s.ThrottlingBurstLimit)
	}
	if s.CacheTTLInSeconds < 0 || s.CacheTTLInSeconds > 3600 {
		return fieldErr("settings.cache_ttl_in_seconds", "must be between 0 and 3600, got %d", s.CacheTTLInSeconds)
	}
	if s.LoggingLevel != "" {
		if err := oneOf("settings.logging_level", s.LoggingLevel, LoggingLevels); err != nil {
			return err
		}
	}
	if s.UnauthorizedCacheControlHeaderStrategy != "" {
		if err := oneOf("settings.unauthorized_cache_control_header_strategy", s.UnauthorizedCacheControlHeaderStrategy, CacheControlStrategies); err != nil {
			return err
		}
	}
	return nil
}

// PeriodStart returns the start (UTC) of the quota period that contains t.
func (q QuotaSettings) PeriodStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch q.Period {
	case PeriodWeek:
		back := (int(day.Weekday()) - q.Offset + 7) % 7
		return day.AddDate(0, 0, -back)
	case PeriodMonth:
		start := time.Date(t.Year(), t.Month(), 1+q.Offset, 0, 0, 0, 0, time.UTC)
		if day.Before(start) {
			start = start.AddDate(0, -1, 0)
		}
		return start
	}
	return day
}

// PeriodEnd returns the start of the period after the one that contains t.
func (q QuotaSettings) PeriodEnd(t time.Time) time.Time {
	start := q.PeriodStart(t)
	switch q.Period {
	case PeriodWeek:
		return start.AddDate(0, 0, 7)
	case PeriodMonth:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// APIKeyHash is an API key as the data plane sees it: never its value, only its SHA-256 (hex).
type APIKeyHash struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Enabled   bool   `json:"enabled"`
	ValueHash string `json:"value_hash"`
}

// MeteringSnapshot is everything the data plane needs to authorize keys and apply plans. The control
// plane builds it in one read; the data plane compiles it and swaps it in atomically.
type MeteringSnapshot struct {
	Keys     []APIKeyHash   `json:"keys"`
	Plans    []UsagePlan    `json:"plans"`
	PlanKeys []UsagePlanKey `json:"plan_keys"`
}

// UsageCount is the number of requests a key made under a plan on one UTC day ("2006-01-02").
type UsageCount struct {
	UsagePlanID string `json:"usage_plan_id"`
	KeyID       string `json:"key_id"`
	Day         string `json:"day"`
	Count       int64  `json:"count"`
}
