package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Revisions. Each committed batch that changes what the data plane serves (a stage, or API keys, usage
// plans and IAM credentials) takes the next revision and records a Change under it, in its own
// transaction: the change is in the store exactly when the writes are. Every node follows the log
// from the revision it last applied, whichever node made the change (daemon's reconciler), so no
// node's memory is written by another node's admin call.
//
// The revision is the version of one record, the head: every write transaction that takes a revision
// writes that row, so such transactions are ordered by it (SQLite's single writer; in PostgreSQL a row
// lock and a serialization failure for the later one), and a revision never becomes visible before a
// lower one. A follower that reads head N can read every change up to N.

// keepChanges is how many changes the log keeps (Service.keepChanges, which tests lower). A follower
// that fell further behind reloads everything instead.
const keepChanges = 1000

const headKey = "head"

// StageRef names a stage.
type StageRef struct {
	RestAPIID string `json:"rest_api_id"`
	StageName string `json:"stage_name"`
}

// Change is what one revision changed.
type Change struct {
	Revision int64      `json:"revision"`
	Stages   []StageRef `json:"stages,omitempty"`
	// Metering: API keys, usage plans, plan keys, or IAM users, access keys and policies changed.
	Metering bool `json:"metering,omitempty"`
	// Flushes are the stages whose response caches every node empties (FlushStageCache).
	Flushes []StageRef `json:"flushes,omitempty"`
}

func changeKey(rev int64) string { return fmt.Sprintf("%019d", rev) }

// recordChange takes the next revision for c, inside the transaction of the writes it describes.
func recordChange(tx store.Tx, c Change, keep int64) (int64, error) {
	rev, err := tx.Put(store.KindRevision, "", headKey, nil, store.AnyVersion)
	if err != nil {
		return 0, fmt.Errorf("taking a revision: %w", err)
	}
	c.Revision = rev
	data, err := json.Marshal(c)
	if err != nil {
		return 0, fmt.Errorf("encoding change %d: %w", rev, err)
	}
	if _, err := tx.Put(store.KindChange, "", changeKey(rev), data, store.ExpectAbsent); err != nil {
		return 0, fmt.Errorf("recording change %d: %w", rev, err)
	}
	if old := rev - keep; old > 0 {
		if err := tx.Delete(store.KindChange, "", changeKey(old), store.AnyVersion); err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("pruning change %d: %w", old, err)
		}
	}
	return rev, nil
}

// Revision returns the latest committed revision (0 before the first change).
func (s *Service) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		rev, err = headRevision(tx)
		return err
	})
	return rev, err
}

func headRevision(tx store.Tx) (int64, error) {
	r, err := tx.Get(store.KindRevision, "", headKey)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the revision: %w", err)
	}
	return r.Version, nil
}

// Changes returns the latest revision and the changes after revision after, oldest first, read in
// one snapshot. complete is false when the log no longer holds all of them (after is older than the
// changes it keeps): the caller must then reload everything, as of head.
func (s *Service) Changes(ctx context.Context, after int64) (head int64, changes []Change, complete bool, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		if head, err = headRevision(tx); err != nil || head <= after {
			return err
		}
		// The keys from after+1 to head share a prefix of digits: list only those.
		from, to := changeKey(after+1), changeKey(head)
		n := 0
		for n < len(from) && from[n] == to[n] {
			n++
		}
		recs, err := tx.List(store.KindChange, "", from[:n])
		if err != nil {
			return fmt.Errorf("reading changes: %w", err)
		}
		for _, r := range recs {
			var c Change
			if err := json.Unmarshal(r.Data, &c); err != nil {
				return fmt.Errorf("decoding change %s: %w", r.Key, err)
			}
			if c.Revision > after && c.Revision <= head {
				changes = append(changes, c)
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, false, err
	}
	complete = int64(len(changes)) == head-after || head <= after
	return head, changes, complete, nil
}

// changeOf is the Change a batch made, its stages sorted, or nil when it changed nothing the data
// plane serves.
func changeOf(stages map[[2]string]bool, metering bool, flushes map[[2]string]bool) *Change {
	if len(stages) == 0 && !metering && len(flushes) == 0 {
		return nil
	}
	return &Change{Stages: stageRefs(stages), Metering: metering, Flushes: stageRefs(flushes)}
}

func stageRefs(set map[[2]string]bool) []StageRef {
	var out []StageRef
	for k := range set {
		out = append(out, StageRef{RestAPIID: k[0], StageName: k[1]})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.RestAPIID < b.RestAPIID || (a.RestAPIID == b.RestAPIID && a.StageName < b.StageName)
	})
	return out
}

// FlushStageCache empties a stage's response cache on every node, as API Gateway's FlushStageCache:
// it takes a revision whose change names the stage, and each node flushes when it applies it (this
// node before FlushStageCache returns).
func (s *Service) FlushStageCache(ctx context.Context, apiID, stage string) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getStageRecord(t, apiID, stage); err != nil {
			return err
		}
		t.flushes[[2]string{apiID, stage}] = true
		return nil
	})
}
