package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// DiffDeployments says what differs between two deployments of an API (see DiffSnapshots). A
// deployment that was deleted but is still served (retired) can be compared too.
func (s *Service) DiffDeployments(ctx context.Context, apiID, from, to string) (model.DeploymentDiff, error) {
	var out model.DeploymentDiff
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		a, err := deploymentSnapshot(tx, apiID, from)
		if err != nil {
			return err
		}
		b, err := deploymentSnapshot(tx, apiID, to)
		if err != nil {
			return err
		}
		out = DiffSnapshots(apiID, from, to, a, b)
		return nil
	})
	return out, err
}

// StageHistoryDiffs returns the last limit entries of a stage's history (all when limit <= 0), oldest
// first, each with the diff of its move. Deployments gatewayd no longer keeps cannot be compared: the
// entry then says so in DiffError.
func (s *Service) StageHistoryDiffs(ctx context.Context, apiID, name string, limit int) ([]model.StageHistoryDiff, error) {
	var out []model.StageHistoryDiff
	err := s.view(ctx, func(tx store.Tx) error {
		if _, err := getStageRecord(tx, apiID, name); err != nil {
			return err
		}
		hist, err := listJSON[model.StageHistoryEntry](tx, store.KindStageHistory, apiID, name+"/", nil)
		if err != nil {
			return err
		}
		sort.Slice(hist, func(i, j int) bool { return hist[i].Seq < hist[j].Seq })
		if limit > 0 && len(hist) > limit {
			hist = hist[len(hist)-limit:]
		}
		snaps := map[string]*model.Snapshot{}
		get := func(id string) (*model.Snapshot, error) {
			if snap, ok := snaps[id]; ok {
				return snap, nil
			}
			snap, err := deploymentSnapshot(tx, apiID, id)
			if err != nil {
				return nil, err
			}
			snaps[id] = snap
			return snap, nil
		}
		for _, h := range hist {
			e := model.StageHistoryDiff{StageHistoryEntry: h}
			if h.PreviousDeploymentID == "" {
				e.DiffError = "the stage's first deployment: nothing to compare it with"
				out = append(out, e)
				continue
			}
			a, errA := get(h.PreviousDeploymentID)
			b, errB := get(h.DeploymentID)
			switch {
			case errA != nil:
				e.DiffError = errA.Error()
			case errB != nil:
				e.DiffError = errB.Error()
			default:
				d := DiffSnapshots(apiID, h.PreviousDeploymentID, h.DeploymentID, a, b)
				e.Diff = &d
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// deploymentSnapshot reads the snapshot of a deployment, live or retired.
func deploymentSnapshot(tx store.Tx, apiID, id string) (*model.Snapshot, error) {
	if _, err := getDeploymentRecord(tx, apiID, id); err != nil {
		return nil, notFound("deployment %s of rest api %s not found (gatewayd keeps the deployments stages serve, those created by clients, and the newest auto-deployed ones)", id, apiID)
	}
	return loadSnapshot(tx, apiID, id, "snapshot of deployment "+id, nil, "")
}

// Order of the kinds within one route.
var diffKindOrder = map[string]int{
	model.DiffAPI: 0, model.DiffRoute: 1, model.DiffMethod: 2, model.DiffIntegration: 3,
	model.DiffMethodResponse: 4, model.DiffIntegrationResponse: 5, model.DiffModel: 6, model.DiffRequestValidator: 7,
}

// diffObject is one object of a snapshot, flattened for comparison.
type diffObject struct {
	kind, key string
	// route is the resource path the object sits on, for ordering; "" for the API, "~" after every
	// route for models and validators.
	route  string
	fields map[string]json.RawMessage
}

// Fields that identify an object or are bookkeeping, not what it does.
var diffIgnored = map[string]bool{
	"version": true, "rest_api_id": true, "resource_id": true, "http_method": true, "status_code": true,
	"id": true, "created_date": true, "root_resource_id": true, "parent_id": true, "path": true, "path_part": true,
}

// DiffSnapshots compares two snapshots of API apiID. Objects are matched by what names them to a
// caller (a method by verb and resource path, a response by its status too, a model or request
// validator by name), never by internal id, so that a resource recreated at the same path is the same
// route. A method's request_validator_id is compared as the validator's name (request_validator).
func DiffSnapshots(apiID, fromID, toID string, from, to *model.Snapshot) model.DeploymentDiff {
	a, b := indexSnapshot(from), indexSnapshot(to)
	var changes []model.DiffChange
	var order []diffObject
	seen := map[[2]string]bool{}
	for _, side := range []map[[2]string]diffObject{a, b} {
		for k, o := range side {
			if !seen[k] {
				seen[k] = true
				order = append(order, o)
			}
		}
	}
	sort.Slice(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if x.route != y.route {
			return x.route < y.route
		}
		if diffKindOrder[x.kind] != diffKindOrder[y.kind] {
			return diffKindOrder[x.kind] < diffKindOrder[y.kind]
		}
		return x.key < y.key
	})
	for _, o := range order {
		k := [2]string{o.kind, o.key}
		oa, inA := a[k]
		ob, inB := b[k]
		switch {
		case !inA:
			changes = append(changes, model.DiffChange{Kind: o.kind, Key: o.key, Action: model.DiffAdded})
		case !inB:
			changes = append(changes, model.DiffChange{Kind: o.kind, Key: o.key, Action: model.DiffRemoved})
		default:
			if fields := diffFields(oa.fields, ob.fields); len(fields) > 0 {
				changes = append(changes, model.DiffChange{Kind: o.kind, Key: o.key, Action: model.DiffChanged, Fields: fields})
			}
		}
	}
	if changes == nil {
		changes = []model.DiffChange{}
	}
	d := model.DeploymentDiff{RestAPIID: apiID, FromDeploymentID: fromID, ToDeploymentID: toID, Changes: changes}
	d.Text = RenderDiff(d)
	return d
}

func indexSnapshot(snap *model.Snapshot) map[[2]string]diffObject {
	out := map[[2]string]diffObject{}
	add := func(kind, key, route string, v any, rename map[string]string) {
		out[[2]string{kind, key}] = diffObject{kind: kind, key: key, route: route, fields: flatten(v, rename)}
	}
	paths := map[string]string{}
	for _, r := range snap.Resources {
		paths[r.ID] = r.Path
	}
	validators := map[string]string{}
	for _, v := range snap.RequestValidators {
		validators[v.ID] = v.Name
	}
	api := snap.RestAPI
	add(model.DiffAPI, "", "", api, nil)
	for _, r := range snap.Resources {
		add(model.DiffRoute, r.Path, r.Path, struct{}{}, nil)
	}
	methodKey := func(resourceID, verb string) (key, route string) {
		return verb + " " + paths[resourceID], paths[resourceID]
	}
	for _, m := range snap.Methods {
		key, route := methodKey(m.ResourceID, m.HTTPMethod)
		validator := m.RequestValidatorID
		if name, ok := validators[validator]; ok {
			validator = name
		}
		m.RequestValidatorID = validator
		add(model.DiffMethod, key, route, m, map[string]string{"request_validator_id": "request_validator"})
	}
	for _, in := range snap.Integrations {
		key, route := methodKey(in.ResourceID, in.HTTPMethod)
		add(model.DiffIntegration, key, route, in, nil)
	}
	for _, r := range snap.MethodResponses {
		key, route := methodKey(r.ResourceID, r.HTTPMethod)
		add(model.DiffMethodResponse, key+" "+r.StatusCode, route, r, nil)
	}
	for _, r := range snap.IntegrationResponses {
		key, route := methodKey(r.ResourceID, r.HTTPMethod)
		add(model.DiffIntegrationResponse, key+" "+r.StatusCode, route, r, nil)
	}
	for _, m := range snap.Models {
		add(model.DiffModel, m.Name, "~", m, nil)
	}
	for _, v := range snap.RequestValidators {
		add(model.DiffRequestValidator, v.Name, "~", v, nil)
	}
	return out
}

// flatten turns an object into its fields as canonical JSON, map fields entry by entry.
func flatten(v any, rename map[string]string) map[string]json.RawMessage {
	data, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	out := map[string]json.RawMessage{}
	for k, v := range m {
		if diffIgnored[k] {
			continue
		}
		if r, ok := rename[k]; ok {
			k = r
		}
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range sub {
				out[k+"."+sk] = canonical(sv)
			}
			continue
		}
		out[k] = canonical(v)
	}
	return out
}

func canonical(v any) json.RawMessage {
	if s, ok := v.([]any); ok && len(s) == 0 {
		v = nil // [] and null say the same
	}
	b, _ := json.Marshal(v)
	return b
}

var jsonNull = json.RawMessage("null")

func diffFields(a, b map[string]json.RawMessage) []model.DiffField {
	names := map[string]bool{}
	for k := range a {
		names[k] = true
	}
	for k := range b {
		names[k] = true
	}
	var out []model.DiffField
	for k := range names {
		va, ok := a[k]
		if !ok {
			va = jsonNull
		}
		vb, ok := b[k]
		if !ok {
			vb = jsonNull
		}
		if !bytes.Equal(va, vb) {
			out = append(out, model.DiffField{Field: k, From: va, To: vb})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// RenderDiff writes a diff for people: a header, then one line per change ("+" added, "-" removed,
// "~" changed) and, under a changed object, one line per field; multi-line text (mapping templates,
// schemas) is shown as a line diff.
func RenderDiff(d model.DeploymentDiff) string {
	var b strings.Builder
	switch n := len(d.Changes); n {
	case 0:
		fmt.Fprintf(&b, "deployments %s and %s of rest api %s serve the same configuration\n", d.FromDeploymentID, d.ToDeploymentID, d.RestAPIID)
		return b.String()
	case 1:
		fmt.Fprintf(&b, "deployment %s -> %s of rest api %s: 1 change\n", d.FromDeploymentID, d.ToDeploymentID, d.RestAPIID)
	default:
		fmt.Fprintf(&b, "deployment %s -> %s of rest api %s: %d changes\n", d.FromDeploymentID, d.ToDeploymentID, d.RestAPIID, n)
	}
	for _, c := range d.Changes {
		sign := map[string]string{model.DiffAdded: "+", model.DiffRemoved: "-", model.DiffChanged: "~"}[c.Action]
		name := strings.ReplaceAll(c.Kind, "_", " ")
		if c.Key != "" {
			name += " " + c.Key
		}
		fmt.Fprintf(&b, "%s %s\n", sign, name)
		for _, f := range c.Fields {
			var from, to string
			_ = json.Unmarshal(f.From, &from)
			_ = json.Unmarshal(f.To, &to)
			if strings.Contains(from, "\n") || strings.Contains(to, "\n") {
				fmt.Fprintf(&b, "    %s:\n", f.Field)
				for _, l := range lineDiff(from, to) {
					fmt.Fprintf(&b, "      %s\n", l)
				}
				continue
			}
			fmt.Fprintf(&b, "    %s: %s -> %s\n", f.Field, showJSON(f.From), showJSON(f.To))
		}
	}
	return b.String()
}

func showJSON(v json.RawMessage) string {
	if bytes.Equal(v, jsonNull) {
		return "(none)"
	}
	return string(v)
}

// maxLineDiffCells bounds the work of one line diff; longer texts are summarized.
const maxLineDiffCells = 1 << 20

// lineDiff returns the lines of a and b as a diff ("  " same, "- " removed, "+ " added), from their
// longest common subsequence.
func lineDiff(a, b string) []string {
	la, lb := splitLines(a), splitLines(b)
	if len(la)*len(lb) > maxLineDiffCells {
		return []string{fmt.Sprintf("- (%d lines)", len(la)), fmt.Sprintf("+ (%d lines)", len(lb))}
	}
	// lcs[i][j] is the length of the LCS of la[i:] and lb[j:].
	lcs := make([][]int, len(la)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(lb)+1)
	}
	for i := len(la) - 1; i >= 0; i-- {
		for j := len(lb) - 1; j >= 0; j-- {
			if la[i] == lb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(la) || j < len(lb) {
		switch {
		case i < len(la) && j < len(lb) && la[i] == lb[j]:
			out = append(out, "  "+la[i])
			i, j = i+1, j+1
		case j < len(lb) && (i == len(la) || lcs[i][j+1] > lcs[i+1][j]):
			out = append(out, "+ "+lb[j])
			j++
		default:
			out = append(out, "- "+la[i])
			i++
		}
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// RenderHistory writes stage history entries for people, each with the diff of its move.
func RenderHistory(entries []model.StageHistoryDiff) string {
	var b strings.Builder
	for _, e := range entries {
		prev := e.PreviousDeploymentID
		if prev == "" {
			prev = "(none)"
		}
		fmt.Fprintf(&b, "#%d %s %s: %s -> %s\n", e.Seq, e.ChangedAt.Format(time.RFC3339), e.Reason, prev, e.DeploymentID)
		switch {
		case e.Diff != nil && len(e.Diff.Changes) == 0:
			b.WriteString("    (the same configuration)\n")
		case e.Diff != nil:
			lines := strings.Split(strings.TrimSuffix(e.Diff.Text, "\n"), "\n")
			for _, l := range lines[1:] { // the header repeats the entry's line
				b.WriteString("    " + l + "\n")
			}
		case e.DiffError != "":
			b.WriteString("    (" + e.DiffError + ")\n")
		}
	}
	return b.String()
}
