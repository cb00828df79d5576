package control

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// dayLayout is the form of UsageCount.Day and of the usage report's dates.
const dayLayout = "2006-01-02"

// MaxUsageReportDays is the longest range a usage report covers, as API Gateway's GetUsage.
const MaxUsageReportDays = 90

func usageKey(planID, keyID, day string) string { return planID + "/" + keyID + "/" + day }

func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// AddUsage adds per plan, key and day request counts to the stored ones, in one transaction. Counts for
// a plan that no longer exists are dropped, so that a flush racing a plan's deletion cannot bring its
// counts back.
func (s *Service) AddUsage(ctx context.Context, deltas []model.UsageCount) error {
	sum := map[string]model.UsageCount{}
	for i, d := range deltas {
		if _, err := time.Parse(dayLayout, d.Day); err != nil {
			return badRequest("day", "usage count %d: day must look like 2006-01-02, got %q", i, d.Day)
		}
		if d.UsagePlanID == "" || d.KeyID == "" || strings.Contains(d.UsagePlanID+d.KeyID, "/") {
			return badRequest("usage_plan_id", "usage count %d: needs a usage plan id and a key id without slashes", i)
		}
		if d.Count == 0 {
			continue
		}
		k := usageKey(d.UsagePlanID, d.KeyID, d.Day)
		c := sum[k]
		c.UsagePlanID, c.KeyID, c.Day = d.UsagePlanID, d.KeyID, d.Day
		c.Count += d.Count
		sum[k] = c
	}
	if len(sum) == 0 {
		return nil
	}
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return s.update(ctx, func(t *txn) error {
		plans := map[string]bool{}
		for _, k := range keys {
			d := sum[k]
			live, seen := plans[d.UsagePlanID]
			if !seen {
				_, err := getPlan(t, d.UsagePlanID)
				if err != nil && !IsNotFound(err) {
					return err
				}
				live = err == nil
				plans[d.UsagePlanID] = live
			}
			if !live {
				continue
			}
			cur, _, err := getJSON[model.UsageCount](t, store.KindUsage, "", k, "usage "+k)
			if err != nil && !IsNotFound(err) {
				return err
			}
			d.Count += cur.Count
			if _, err := putJSON(t, store.KindUsage, "", k, d, store.AnyVersion, "usage "+k); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoadUsage returns every stored count of a day on or after since's UTC day, for the data plane to
// resume its quota counters at start.
func (s *Service) LoadUsage(ctx context.Context, since time.Time) ([]model.UsageCount, error) {
	from := utcDay(since).Format(dayLayout)
	var out []model.UsageCount
	err := s.view(ctx, func(tx store.Tx) error {
		all, err := listJSON[model.UsageCount](tx, store.KindUsage, "", "", nil)
		if err != nil {
			return err
		}
		for _, c := range all {
			if c.Day >= from { // the day layout sorts as text
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// UsageReport returns, per key of the plan (or only keyID), one [used, remaining] pair per UTC day from
// start to end inclusive. remaining is the quota limit less what the key used in that day's quota
// period up to and including that day (never below 0), or -1 when the plan has no quota.
func (s *Service) UsageReport(ctx context.Context, planID, keyID string, start, end time.Time) (model.UsageReport, error) {
	start, end = utcDay(start), utcDay(end)
	if end.Before(start) {
		return model.UsageReport{}, badRequest("endDate", "endDate %s is before startDate %s", end.Format(dayLayout), start.Format(dayLayout))
	}
	days := int(end.Sub(start).Hours()/24) + 1
	if days > MaxUsageReportDays {
		return model.UsageReport{}, badRequest("endDate", "the report covers %d days; at most %d are allowed", days, MaxUsageReportDays)
	}
	rep := model.UsageReport{UsagePlanID: planID, StartDate: start.Format(dayLayout), EndDate: end.Format(dayLayout),
		Items: map[string][][2]int64{}}
	err := s.view(ctx, func(tx store.Tx) error {
		plan, err := getPlan(tx, planID)
		if err != nil {
			return err
		}
		var keys []string
		if keyID != "" {
			keys = []string{keyID}
		} else {
			links, err := listJSON[model.UsagePlanKey](tx, store.KindUsagePlanKey, "", planID+"/", nil)
			if err != nil {
				return err
			}
			for _, l := range links {
				keys = append(keys, l.KeyID)
			}
		}
		// Counts are needed from the start of the first day's quota period.
		from := start
		if plan.Quota != nil {
			from = plan.Quota.PeriodStart(start)
		}
		for _, k := range keys {
			recs, err := listJSON[model.UsageCount](tx, store.KindUsage, "", planID+"/"+k+"/", nil)
			if err != nil {
				return err
			}
			counts := make(map[string]int64, len(recs))
			for _, c := range recs {
				counts[c.Day] = c.Count
			}
			rep.Items[k] = reportKey(plan.Quota, counts, from, start, end)
		}
		return nil
	})
	if err != nil {
		return model.UsageReport{}, err
	}
	return rep, nil
}

// reportKey computes one key's pairs from its counts by day.
func reportKey(q *model.QuotaSettings, counts map[string]int64, from, start, end time.Time) [][2]int64 {
	var out [][2]int64
	var periodStart time.Time
	var usedInPeriod int64
	for d := from; !d.After(end); d = d.AddDate(0, 0, 1) {
		used := counts[d.Format(dayLayout)]
		remaining := int64(-1)
		if q != nil {
			if ps := q.PeriodStart(d); !ps.Equal(periodStart) {
				periodStart, usedInPeriod = ps, 0
			}
			usedInPeriod += used
			remaining = max(q.Limit-usedInPeriod, 0)
		}
		if !d.Before(start) {
			out = append(out, [2]int64{used, remaining})
		}
	}
	return out
}
