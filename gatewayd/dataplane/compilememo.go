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
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/internal/pmap"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/router"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Incremental compilation (issue 17). An auto-deployed write changes one part of its API's snapshot
// (model.SnapshotPart), yet compiling the stage again compiled every method, its templates included:
// a write cost grew with the API. A stage compiled from a snapshot cut into parts remembers the
// endpoints each part compiled to; the next compile of that stage reuses the endpoints of every part
// whose hash is unchanged, as long as everything else an endpoint is compiled from (the stage's
// settings, the API-wide objects, canary or not) is the same, and compiles the other parts alone. The
// parts come in a tree of groups named by hash (model.SnapshotGroup): a compile walks only the groups
// whose hash changed, so that it costs the groups on the way to the parts changed, not the number of
// parts; the routing table and its slots are persistent structures changed in a copy for the same
// reason.

// compileMemo is what one compile of a stage (or of its canary) remembers for the next.
type compileMemo struct {
	// shared fingerprints the inputs every endpoint shares; an endpoint is reused only under the same.
	shared string
	auth   *authorize.Stage
	// top holds what the snapshot's groups compiled to.
	top *groupMemo
	// routes is the table compiled, which the next compile changes (a copy of) part by part.
	routes *routeState
}

// groupMemo is what a group of the snapshot's tree (model.SnapshotGroup) compiled to: per group and
// part under it, by name. A group whose hash is unchanged is reused whole, without a look inside, so
// that a compile walks only the groups that changed.
type groupMemo struct {
	hash   string
	groups map[string]*groupMemo
	parts  map[string]partMemo
}

// partMemo holds the endpoints of a part's methods as compiled, before the route conflicts of the
// whole stage were marked on them.
type partMemo struct {
	hash string
	eps  []*endpoint
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
	if len(snap.Groups) == 0 {
		return nil, nil
	}
	shared := sharedFingerprint(st, snap, isCanary)
	next = &compileMemo{shared: shared}
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
	apiPart := partHash(snap.Groups, "a")
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

// partHash returns the hash of the part of that name in the groups of that name (the API-wide part
// "a" is in group "a"), or "".
func partHash(groups []*model.SnapshotGroup, name string) string {
	for _, g := range groups {
		if g.Name != name {
			continue
		}
		for _, p := range g.Parts {
			if p.Name == name {
				return p.Hash
			}
		}
		if h := partHash(g.Groups, name); h != "" {
			return h
		}
	}
	return ""
}

// diffGroup compiles the parts of g that old (what the group of that name compiled to last time, or
// nil) does not hold with the same hash, through compile, and returns what g compiled to. It adds to
// added the parts compiled, and to removed the parts of old that are gone or changed.
func diffGroup(old *groupMemo, g *model.SnapshotGroup, compile func(*model.Snapshot) ([]*endpoint, error),
	added, removed *[]partEndpoints) (*groupMemo, error) {
	if old != nil && g.Hash != "" && old.hash == g.Hash {
		return old, nil
	}
	next := &groupMemo{hash: g.Hash, groups: make(map[string]*groupMemo, len(g.Groups)), parts: make(map[string]partMemo, len(g.Parts))}
	var oldGroups map[string]*groupMemo
	var oldParts map[string]partMemo
	if old != nil {
		oldGroups, oldParts = old.groups, old.parts
	}
	for _, sub := range g.Groups {
		m, err := diffGroup(oldGroups[sub.Name], sub, compile, added, removed)
		if err != nil {
			return nil, err
		}
		next.groups[sub.Name] = m
	}
	for name, m := range oldGroups {
		if next.groups[name] == nil {
			m.removeAll(removed)
		}
	}
	for _, p := range g.Parts {
		o, had := oldParts[p.Name]
		if had && o.hash == p.Hash {
			next.parts[p.Name] = o
			continue
		}
		eps, err := compile(p.Snapshot)
		if err != nil {
			return nil, err
		}
		*added = append(*added, partEndpoints{name: p.Name, eps: eps})
		if had {
			*removed = append(*removed, partEndpoints{name: p.Name, eps: o.eps})
		}
		next.parts[p.Name] = partMemo{hash: p.Hash, eps: eps}
	}
	for name, o := range oldParts {
		if _, ok := next.parts[name]; !ok {
			*removed = append(*removed, partEndpoints{name: name, eps: o.eps})
		}
	}
	return next, nil
}

// removeAll adds every part under m to removed.
func (m *groupMemo) removeAll(removed *[]partEndpoints) {
	for _, g := range m.groups {
		g.removeAll(removed)
	}
	for name, p := range m.parts {
		*removed = append(*removed, partEndpoints{name: name, eps: p.eps})
	}
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
	table *router.Table[*endpoint]
	// slots is persistent: the next update shares what it does not change.
	slots    pmap.Map[*slotState]
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
		next.problems = map[string]string{}
	} else {
		next.table = rs.table.Clone()
		next.slots, next.problems, next.execSink = rs.slots, maps.Clone(rs.problems), rs.execSink
	}
	ed := pmap.NewEdit()
	// The slots touched, with what the table holds for them now.
	touched := map[string]*slotState{}
	touch := func(k string) *slotState {
		cur, _ := next.slots.Get(k)
		if _, ok := touched[k]; !ok {
			touched[k] = cur
		}
		return cur
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
				next.slots.Delete(k, ed)
			} else {
				next.slots.Set(k, &slotState{members: keep}, ed)
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
			next.slots.Set(k, &slotState{members: ms}, ed)
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
		sl, _ := next.slots.Get(k)
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
