package model

import (
	"testing"
	"time"
)

func TestQuotaPeriod(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name            string
		q               QuotaSettings
		now             string
		wantStart, wEnd string
	}{
		{"day", QuotaSettings{Period: PeriodDay}, "2026-11-21T23:59:59Z", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"},
		{"day boundary", QuotaSettings{Period: PeriodDay}, "2026-11-22T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z"},
		{"day in another zone is UTC", QuotaSettings{Period: PeriodDay}, "2026-11-22T01:00:00+02:00", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"},
		{"week from sunday", QuotaSettings{Period: PeriodWeek}, "2026-11-21T12:00:00Z", "2026-11-15T00:00:00Z", "2026-11-22T00:00:00Z"}, // a Saturday
		{"week on its first day", QuotaSettings{Period: PeriodWeek}, "2026-11-22T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"},
		{"week from monday", QuotaSettings{Period: PeriodWeek, Offset: 1}, "2026-11-22T12:00:00Z", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"},
		{"week from saturday across a year", QuotaSettings{Period: PeriodWeek, Offset: 6}, "2027-01-01T08:00:00Z", "2026-12-26T00:00:00Z", "2027-01-02T00:00:00Z"},
		{"month", QuotaSettings{Period: PeriodMonth}, "2026-11-30T23:00:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"month offset before its day", QuotaSettings{Period: PeriodMonth, Offset: 14}, "2026-11-10T00:00:00Z", "2026-10-15T00:00:00Z", "2026-11-15T00:00:00Z"},
		{"month offset on its day", QuotaSettings{Period: PeriodMonth, Offset: 14}, "2026-11-15T00:00:00Z", "2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z"},
		{"month offset across a year", QuotaSettings{Period: PeriodMonth, Offset: 27}, "2027-01-05T00:00:00Z", "2026-12-28T00:00:00Z", "2027-01-28T00:00:00Z"},
		{"leap february", QuotaSettings{Period: PeriodMonth}, "2028-02-29T10:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := at(tc.now)
			if got := tc.q.PeriodStart(now); !got.Equal(at(tc.wantStart)) {
				t.Errorf("PeriodStart(%s) = %s, want %s", tc.now, got.Format(time.RFC3339), tc.wantStart)
			}
			if got := tc.q.PeriodEnd(now); !got.Equal(at(tc.wEnd)) {
				t.Errorf("PeriodEnd(%s) = %s, want %s", tc.now, got.Format(time.RFC3339), tc.wEnd)
			}
		})
	}
}

func TestMeteringValidation(t *testing.T) {
	tests := map[string]struct {
		v         interface{ Validate() error }
		wantField string
	}{
		"key ok":             {&APIKey{Name: "k"}, ""},
		"key short value":    {&APIKey{Name: "k", Value: "short"}, "value"},
		"key space in value": {&APIKey{Name: "k", Value: "aaaaaaaaaa aaaaaaaaaaaa"}, "value"},
		"plan ok": {&UsagePlan{Name: "p", Quota: &QuotaSettings{Limit: 5, Period: "WEEK", Offset: 6},
			APIStages: []UsagePlanStage{{APIID: "a", Stage: "s", Throttle: []MethodThrottle{{Path: "/pets/{id}/GET", RateLimit: 1, BurstLimit: 1}}}}}, ""},
		"plan bad period":  {&UsagePlan{Name: "p", Quota: &QuotaSettings{Limit: 5, Period: "YEAR"}}, "quota_settings.period"},
		"plan day offset":  {&UsagePlan{Name: "p", Quota: &QuotaSettings{Limit: 5, Period: "DAY", Offset: 1}}, "quota_settings.offset"},
		"plan bad rate":    {&UsagePlan{Name: "p", Throttle: &ThrottleSettings{RateLimit: -1}}, "throttle_settings.rate_limit"},
		"plan bad path":    {&UsagePlan{Name: "p", APIStages: []UsagePlanStage{{APIID: "a", Stage: "s", Throttle: []MethodThrottle{{Path: "pets/GET"}}}}}, "api_stages[0].throttle[0].path"},
		"plan stage twice": {&UsagePlan{Name: "p", APIStages: []UsagePlanStage{{APIID: "a", Stage: "s"}, {APIID: "a", Stage: "s"}}}, "api_stages[1]"},
		"settings ok":      {&MethodSettings{MethodPath: "pets/{id}/GET", Settings: DefaultMethodSetting()}, ""},
		"settings star":    {&MethodSettings{MethodPath: "*/*", Settings: DefaultMethodSetting()}, ""},
		"settings slash":   {&MethodSettings{MethodPath: "/pets/GET", Settings: DefaultMethodSetting()}, "method_path"},
		"settings ttl":     {&MethodSettings{MethodPath: "*/*", Settings: MethodSetting{ThrottlingRateLimit: -1, ThrottlingBurstLimit: -1, CacheTTLInSeconds: 4000}}, "settings.cache_ttl_in_seconds"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.v.Validate()
			var field string
			if fe, ok := err.(*FieldError); ok {
				field = fe.Field
			} else if err != nil {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			if field != tc.wantField {
				t.Errorf("Validate() = %v, want field %q", err, tc.wantField)
			}
		})
	}
}
