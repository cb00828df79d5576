// Package quota counts requests per usage plan and API key, per UTC day, and decides a plan's quota
// from those counts. Counting is in memory; what was counted since the last Drain is handed to the
// caller for persisting in batches, so no request waits for a store.
package quota

import (
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// ID identifies what is counted: one API key under one usage plan.
type ID struct {
	Plan, Key string
}

// dayLayout is the format of model.UsageCount.Day.
const dayLayout = "2006-01-02"

// keepDays is how long day counts are kept: the longest quota period (a month) and a day to spare.
const keepDays = 32

const shardCount = 64

// Local counts in process memory.
type Local struct {
	// track keeps what Drain hands out; without a store there is nothing to hand it to.
	track  bool
	seed   maphash.Seed
	shards [shardCount]shard
}

type shard struct {
	mu sync.RWMutex
	// m holds the entries by their ID's hash (hashing the ID once picks the shard and the entry);
	// entries whose IDs share a hash are chained through next.
	m map[uint64]*entry
	// dirty lists the entries with counts not drained yet.
	dirty []*entry
	_     [64]byte
}

type entry struct {
	id   ID
	next *entry // guarded by the shard's lock
	mu   sync.Mutex
	// days holds the counts of the last keepDays days by day ("2006-01-02").
	days  map[string]*day
	dirty bool

	// The current day and quota period, cached so that most requests compute no dates.
	today               *day
	todayEnd            time.Time
	periodValid         bool
	period              string
	offset              int
	periodStart, endsAt time.Time
	periodUsed          int64
}

type day struct {
	start time.Time
	// total is every request counted on the day; pending is the part not drained yet.
	total, pending int64
}

// NewLocal returns an empty counter. With track set, counts are kept for Drain.
func NewLocal(track bool) *Local {
	l := &Local{track: track, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].m = map[uint64]*entry{}
	}
	return l
}

func (l *Local) hash(id ID) uint64 { return maphash.Comparable(l.seed, id) }

// find returns the entry of id, or nil; the caller holds sh.mu.
func (sh *shard) find(h uint64, id ID) *entry {
	e := sh.m[h]
	for e != nil && e.id != id {
		e = e.next
	}
	return e
}

func (l *Local) entry(id ID) (*entry, *shard) { return l.entryAt(l.hash(id), id) }

// entryAt returns the entry of id, whose hash is h, creating it if need be.
func (l *Local) entryAt(h uint64, id ID) (*entry, *shard) {
	sh := &l.shards[h%shardCount]
	sh.mu.RLock()
	e := sh.find(h, id)
	sh.mu.RUnlock()
	if e != nil {
		return e, sh
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e = sh.find(h, id); e == nil {
		e = &entry{id: id, next: sh.m[h], days: map[string]*day{}}
		sh.m[h] = e
	}
	return e, sh
}

// Take counts one request of id at now, unless q (nil: no quota) is used up in the period that
// contains now. It reports whether the request was counted.
func (l *Local) Take(now time.Time, id ID, q *model.QuotaSettings) bool {
	e, sh := l.entry(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	now = now.UTC()
	if q != nil {
		if !e.periodValid || e.period != q.Period || e.offset != q.Offset || now.Before(e.periodStart) || !now.Before(e.endsAt) {
			e.setPeriod(now, q)
		}
		if e.periodUsed >= q.Limit {
			return false
		}
	}
	if e.today == nil || !now.Before(e.todayEnd) || now.Before(e.today.start) {
		e.setToday(now)
	}
	e.today.total++
	if q != nil {
		e.periodUsed++
	}
	if l.track {
		e.today.pending++
		if !e.dirty {
			e.dirty = true
			sh.mu.Lock()
			sh.dirty = append(sh.dirty, e)
			sh.mu.Unlock()
		}
	}
	return true
}

// setPeriod recomputes the current period and its use from the day counts.
func (e *entry) setPeriod(now time.Time, q *model.QuotaSettings) {
	e.period, e.offset = q.Period, q.Offset
	e.periodStart, e.endsAt = q.PeriodStart(now), q.PeriodEnd(now)
	e.periodUsed = 0
	for _, d := range e.days {
		if !d.start.Before(e.periodStart) && d.start.Before(e.endsAt) {
			e.periodUsed += d.total
		}
	}
	e.periodValid = true
}

// setToday finds or creates today's count and forgets days older than any period.
func (e *entry) setToday(now time.Time) {
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	name := start.Format(dayLayout)
	d := e.days[name]
	if d == nil {
		d = &day{start: start}
		e.days[name] = d
	}
	e.today, e.todayEnd = d, start.AddDate(0, 0, 1)
	oldest := start.AddDate(0, 0, -keepDays)
	for k, d := range e.days {
		if d.start.Before(oldest) && d.pending == 0 {
			delete(e.days, k)
		}
	}
}

// Used returns the count of id in the period of q that contains now, or the day's count when q is
// nil.
func (l *Local) Used(now time.Time, id ID, q *model.QuotaSettings) int64 {
	e, _ := l.entry(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	now = now.UTC()
	if q == nil {
		q = &model.QuotaSettings{Period: model.PeriodDay}
	}
	start, end := q.PeriodStart(now), q.PeriodEnd(now)
	var n int64
	for _, d := range e.days {
		if !d.start.Before(start) && d.start.Before(end) {
			n += d.total
		}
	}
	return n
}

// Seed sets day counts read from the store. Counts made here and not drained yet are kept on top.
func (l *Local) Seed(counts []model.UsageCount) error {
	for _, c := range counts {
		start, err := time.Parse(dayLayout, c.Day)
		if err != nil {
			return fmt.Errorf("usage of key %s in plan %s: bad day: %w", c.KeyID, c.UsagePlanID, err)
		}
		e, _ := l.entry(ID{Plan: c.UsagePlanID, Key: c.KeyID})
		e.mu.Lock()
		d := e.days[c.Day]
		if d == nil {
			d = &day{start: start}
			e.days[c.Day] = d
		}
		d.total = c.Count + d.pending
		e.periodValid = false
		e.mu.Unlock()
	}
	return nil
}

// Drain hands out the counts made since the last Drain, one per key and day, and forgets them.
func (l *Local) Drain() []model.UsageCount {
	var out []model.UsageCount
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		dirty := sh.dirty
		sh.dirty = nil
		sh.mu.Unlock()
		for _, e := range dirty {
			e.mu.Lock()
			for name, d := range e.days {
				if d.pending != 0 {
					out = append(out, model.UsageCount{UsagePlanID: e.id.Plan, KeyID: e.id.Key, Day: name, Count: d.pending})
					d.pending = 0
				}
			}
			e.dirty = false
			e.mu.Unlock()
		}
	}
	return out
}

// Restore takes back counts Drain handed out that could not be persisted, for the next Drain.
func (l *Local) Restore(deltas []model.UsageCount) {
	if !l.track {
		return
	}
	for _, c := range deltas {
		start, err := time.Parse(dayLayout, c.Day)
		if err != nil {
			continue // Drain never hands out such a day
		}
		e, sh := l.entry(ID{Plan: c.UsagePlanID, Key: c.KeyID})
		e.mu.Lock()
		d := e.days[c.Day]
		if d == nil {
			// The day was forgotten meanwhile: keep the delta, not the total.
			d = &day{start: start}
			e.days[c.Day] = d
		}
		d.pending += c.Count
		if !e.dirty {
			e.dirty = true
			sh.mu.Lock()
			sh.dirty = append(sh.dirty, e)
			sh.mu.Unlock()
		}
		e.mu.Unlock()
	}
}
