package quota

import (
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

var id = ID{Plan: "p1", Key: "k1"}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestPeriods takes requests at the given times against a quota of 2 and reports which were counted.
func TestPeriods(t *testing.T) {
	tests := []struct {
		name  string
		q     model.QuotaSettings
		times []string
		want  []bool
	}{
		{"day", model.QuotaSettings{Limit: 2, Period: model.PeriodDay},
			[]string{"2025-03-10T00:00:00Z", "2025-03-10T12:00:00Z", "2025-03-10T23:59:59Z", "2025-03-11T00:00:00Z"},
			[]bool{true, true, false, true}},
		{"day in another zone is the UTC day", model.QuotaSettings{Limit: 2, Period: model.PeriodDay},
			[]string{"2025-03-10T23:00:00-02:00", "2025-03-11T00:30:00Z", "2025-03-11T03:00:00+02:00"},
			[]bool{true, true, false}},
		{"week from Monday", model.QuotaSettings{Limit: 2, Period: model.PeriodWeek, Offset: 1},
			[]string{"2025-03-10T00:00:00Z", "2025-03-16T23:00:00Z", "2025-03-16T23:59:59Z", "2025-03-17T00:00:00Z"},
			[]bool{true, true, false, true}},
		{"month from the 5th", model.QuotaSettings{Limit: 2, Period: model.PeriodMonth, Offset: 4},
			[]string{"2025-03-04T10:00:00Z", "2025-03-05T00:00:00Z", "2025-04-04T23:59:59Z", "2025-04-04T23:59:59Z", "2025-04-05T00:00:00Z"},
			[]bool{true, true, true, false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLocal(false)
			var got []bool
			for _, s := range tc.times {
				got = append(got, l.Take(at(s), id, &tc.q))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestChangedQuota(t *testing.T) {
	l := NewLocal(false)
	now := at("2025-03-12T10:00:00Z")
	day := &model.QuotaSettings{Limit: 3, Period: model.PeriodDay}
	var got []bool
	for range 4 {
		got = append(got, l.Take(now, id, day))
	}
	// A weekly quota counts the day's requests too; a raised limit applies at once.
	week := &model.QuotaSettings{Limit: 5, Period: model.PeriodWeek}
	for range 3 {
		got = append(got, l.Take(now, id, week))
	}
	// No quota: counted, never refused.
	got = append(got, l.Take(now, id, nil))
	if diff := cmp.Diff([]bool{true, true, true, false, true, true, false, true}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := l.Used(now, id, nil); got != 6 {
		t.Errorf("Used = %d, want 6", got)
	}
}

func sorted(c []model.UsageCount) []model.UsageCount {
	sort.Slice(c, func(i, j int) bool {
		if c[i].KeyID != c[j].KeyID {
			return c[i].KeyID < c[j].KeyID
		}
		return c[i].Day < c[j].Day
	})
	return c
}

func TestDrainRestoreSeed(t *testing.T) {
	l := NewLocal(true)
	d1, d2 := at("2025-03-10T10:00:00Z"), at("2025-03-11T10:00:00Z")
	other := ID{Plan: "p1", Key: "k2"}
	for range 3 {
		l.Take(d1, id, nil)
	}
	l.Take(d2, id, nil)
	l.Take(d2, other, nil)
	want := []model.UsageCount{
		{UsagePlanID: "p1", KeyID: "k1", Day: "2025-03-10", Count: 3},
		{UsagePlanID: "p1", KeyID: "k1", Day: "2025-03-11", Count: 1},
		{UsagePlanID: "p1", KeyID: "k2", Day: "2025-03-11", Count: 1},
	}
	drained := sorted(l.Drain())
	if diff := cmp.Diff(want, drained); diff != "" {
		t.Fatalf("Drain (-want +got):\n%s", diff)
	}
	if got := l.Drain(); len(got) != 0 {
		t.Errorf("second Drain = %v, want nothing", got)
	}
	// A failed write gives the counts back, merged with new ones.
	l.Restore(drained)
	l.Take(d2, id, nil)
	want[1].Count = 2
	if diff := cmp.Diff(want, sorted(l.Drain())); diff != "" {
		t.Errorf("Drain after Restore (-want +got):\n%s", diff)
	}

	// Seeding a new counter from the store: the quota sees the stored counts, and counts made before
	// the seed are kept on top.
	n := NewLocal(true)
	n.Take(d2, id, nil)
	if err := n.Seed(want); err != nil {
		t.Fatal(err)
	}
	q := &model.QuotaSettings{Limit: 4, Period: model.PeriodWeek, Offset: 1}
	if got := n.Used(d2, id, q); got != 6 {
		t.Errorf("Used after Seed = %d, want 6 (3 + 2 stored, 1 not flushed)", got)
	}
	if n.Take(d2, id, q) {
		t.Error("Take over a seeded quota: counted")
	}
	if diff := cmp.Diff([]model.UsageCount{{UsagePlanID: "p1", KeyID: "k1", Day: "2025-03-11", Count: 1}}, n.Drain()); diff != "" {
		t.Errorf("Drain after Seed hands out only what this counter counted (-want +got):\n%s", diff)
	}
	if err := n.Seed([]model.UsageCount{{Day: "yesterday"}}); err == nil {
		t.Error("Seed with a bad day: no error")
	}
}

// TestHashCollision puts two IDs under one hash, as IDs whose hashes collide would be: each keeps its
// own entry and counts.
func TestHashCollision(t *testing.T) {
	l := NewLocal(false)
	other := ID{Plan: "p1", Key: "k2"}
	h := l.hash(id)
	now := at("2025-03-10T12:00:00Z")
	a, _ := l.entryAt(h, id)
	b, _ := l.entryAt(h, other)
	if a == b {
		t.Fatal("two IDs under one hash share an entry")
	}
	for range 3 {
		l.Take(now, id, nil)
	}
	if got, _ := l.entryAt(h, other); got != b {
		t.Error("the second entry of a chain was not found again")
	}
	if got, _ := l.entryAt(h, id); got != a || a.today.total != 3 || b.today != nil {
		t.Errorf("counts: %s %v, %s %v; want 3 and none", id, a.today, other, b.today)
	}
}
