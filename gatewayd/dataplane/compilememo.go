package dataplane

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Incremental compilation (issue 17). An auto-deployed write changes one part of its API's snapshot
// (model.SnapshotPart), yet compiling the stage again compiled every method, its templates included:
// a write cost grew with the API. A stage compiled from a snapshot cut into parts remembers the
// endpoints each part compiled to; the next compile of that stage reuses the endpoints of every part
// whose hash is unchanged, as long as everything else an endpoint is compiled from (the stage's
// settings, the API-wide objects, canary or not) is the same, and compiles the other parts alone.

// compileMemo is what one compile of a stage (or of its canary) remembers for the next.
type compileMemo struct {
	// shared fingerprints the inputs every endpoint shares; an endpoint is reused only under the same.
	shared string
	auth   *authorize.Stage
	// parts holds, per part hash, the endpoints of the part's methods as compiled, before the route
	// conflicts of the whole stage were marked on them.
	parts map[string][]*endpoint
}

// compileMemos holds the memo of each stage and canary, by "API/STAGE" and canary or not.
type compileMemos struct {
	mu sync.Mutex
	m  map[memoKey]*compileMemo
}

type memoKey struct {
	api, stage string
	canary     bool
}

// begin returns the memo of the stage's last compile, when its shared inputs are those of this one,
// and a memo for this compile to fill; both nil when snap is not cut into parts.
func (c *compileMemos) begin(st model.Stage, snap *model.Snapshot, isCanary bool) (prev, next *compileMemo) {
	if len(snap.Parts) == 0 {
		return nil, nil
	}
	shared := sharedFingerprint(st, snap, isCanary)
	if shared == "" {
		return nil, nil
	}
	next = &compileMemo{shared: shared, parts: map[string][]*endpoint{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.m[memoKey{st.RestAPIID, st.StageName, isCanary}]; p != nil && p.shared == shared {
		prev = p
	}
	return prev, next
}

// store keeps next as the stage's memo, after a compile that succeeded.
func (c *compileMemos) store(st model.Stage, isCanary bool, next *compileMemo) {
	if next == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[memoKey]*compileMemo{}
	}
	c.m[memoKey{st.RestAPIID, st.StageName, isCanary}] = next
}

// forget drops the memos of a stage no longer served.
func (c *compileMemos) forget(apiID, stageName string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, memoKey{apiID, stageName, false})
	delete(c.m, memoKey{apiID, stageName, true})
}

// sharedFingerprint encodes what every endpoint of the stage is compiled from besides its own part:
// the stage's settings (not which deployment it serves, nor when it changed) and the API-wide part.
// It is "" when the snapshot has no API-wide part to name.
func sharedFingerprint(st model.Stage, snap *model.Snapshot, isCanary bool) string {
	apiPart := ""
	for _, p := range snap.Parts {
		if p.Name == "a" {
			apiPart = p.Hash
		}
	}
	if apiPart == "" {
		return ""
	}
	st.DeploymentID, st.Version, st.Status, st.LastError, st.InvokeURL = "", 0, "", "", ""
	st.CreatedDate, st.LastUpdatedDate = time.Time{}, time.Time{}
	data, err := json.Marshal(struct {
		Stage    model.Stage
		API      string
		IsCanary bool
	}{st, apiPart, isCanary})
	if err != nil {
		return ""
	}
	return string(data)
}

// reuse returns the endpoints the part of that hash compiled to, when m remembers it.
func (m *compileMemo) reuse(hash string) ([]*endpoint, bool) {
	if m == nil {
		return nil, false
	}
	eps, ok := m.parts[hash]
	return eps, ok
}
