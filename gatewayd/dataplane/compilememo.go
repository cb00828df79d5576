package dataplane

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/accesslog"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/router"
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
	// conflicts of the whole stage were marked on them; names, the part's name.
	parts map[string][]*endpoint
	names map[string]string
	// routes is the table compiled, which the next compile changes (a copy of) part by part.
	routes *routeState
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
// and a memo for this compile to fill; both nil when snap is not cut into parts (a snapshot cut into
// parts is compiled from its parts whatever the memo holds).
func (c *compileMemos) begin(st model.Stage, snap *model.Snapshot, isCanary bool) (prev, next *compileMemo) {
	if len(snap.Parts) == 0 {
		return nil, nil
	}
	shared := sharedFingerprint(st, snap, isCanary)
	next = &compileMemo{shared: shared, parts: map[string][]*endpoint{}, names: map[string]string{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.m[memoKey{st.RestAPIID, st.StageName, isCanary}]; p != nil && shared != "" && p.shared == shared {
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
	st.ARN, st.ExecutionARN = "", ""
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

// partEndpoints are the endpoints one part compiled to, in its order; name is "" for a snapshot
// not cut into parts.
type partEndpoints struct {
	name string
	eps  []*endpoint
}

// Routes. Methods of one route (the same verb on sibling parameters such as {id} and {name}, or two
// greedy siblings) cannot be told apart: the route answers 500 rather than pick one. A slot holds the
// methods of one route; its first in the snapshot's order is the one in the table.

// member is one endpoint of a slot, as compiled, with its place in the snapshot: its part, then its
// index in the part.
type member struct {
	part string
	i    int
	ep   *endpoint
}

func (m member) before(o member) bool { return m.part < o.part || m.part == o.part && m.i < o.i }

// slotState is never changed once a table uses it: an update makes a new one.
type slotState struct {
	members []member // sorted
}

// routeState is a stage's routing table with what an update needs to change it.
type routeState struct {
	table    *router.Table[*endpoint]
	slots    map[string]*slotState
	problems map[string]string // slot key -> why its route answers 500
	execSink *accesslog.Sink
}

func slotKey(ep *endpoint) string { return router.Shape(ep.resourcePath) + " " + ep.verb }

// update returns the routes of rs (nil: none) without the parts named in removed and with added,
// sharing what did not change: it costs as many routes as the parts hold, not as the stage has.
func (rs *routeState) update(removed, added []partEndpoints) (*routeState, error) {
	next := &routeState{}
	if rs == nil {
		next.table = router.New[*endpoint]()
		next.slots, next.problems = map[string]*slotState{}, map[string]string{}
	} else {
		next.table = rs.table.Clone()
		next.slots, next.problems, next.execSink = maps.Clone(rs.slots), maps.Clone(rs.problems), rs.execSink
	}
	// The slots touched, with what the table holds for them now.
	touched := map[string]*slotState{}
	touch := func(k string) *slotState {
		if _, ok := touched[k]; !ok {
			touched[k] = next.slots[k]
		}
		return next.slots[k]
	}
	for _, p := range removed {
		for _, ep := range p.eps {
			k := slotKey(ep)
			cur := touch(k)
			if cur == nil {
				continue
			}
			keep := make([]member, 0, len(cur.members))
			for _, m := range cur.members {
				if m.part != p.name {
					keep = append(keep, m)
				}
			}
			if len(keep) == 0 {
				delete(next.slots, k)
			} else {
				next.slots[k] = &slotState{members: keep}
			}
		}
	}
	for _, p := range added {
		for i, ep := range p.eps {
			if ep.execLog != nil {
				next.execSink = ep.execLog.sink
			}
			k := slotKey(ep)
			cur := touch(k)
			m := member{part: p.name, i: i, ep: ep}
			var ms []member
			if cur != nil {
				ms = make([]member, 0, len(cur.members)+1)
				ms = append(ms, cur.members...)
			}
			at := len(ms)
			for at > 0 && m.before(ms[at-1]) {
				at--
			}
			ms = slices.Insert(ms, at, m)
			next.slots[k] = &slotState{members: ms}
		}
	}
	keys := make([]string, 0, len(touched))
	for k := range touched {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if old := touched[k]; old != nil {
			w := old.members[0].ep
			if err := next.table.Remove(w.resourcePath, w.verb); err != nil {
				return nil, err
			}
		}
		delete(next.problems, k)
		sl := next.slots[k]
		if sl == nil {
			continue
		}
		ep := *sl.members[0].ep // the table's copy: the conflict is marked on it only
		if len(sl.members) > 1 {
			paths := make([]string, len(sl.members))
			for i, m := range sl.members {
				paths[i] = m.ep.verb + " " + m.ep.resourcePath
			}
			slices.Sort(paths)
			ep.misconfigured = fmt.Errorf("methods %s are one route: the resources are sibling parameters", strings.Join(paths, " and "))
		}
		if ep.misconfigured != nil {
			next.problems[k] = ep.misconfigured.Error()
		}
		if err := next.table.Add(ep.resourcePath, ep.verb, &ep); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// problemList lists the routes that answer 500, ordered by route.
func (rs *routeState) problemList() []string {
	keys := slices.Sorted(maps.Keys(rs.problems))
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = rs.problems[k]
	}
	return out
}
