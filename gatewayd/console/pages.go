package console

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// pageNames are the templates under templates/, each rendered inside layout.html.
var pageNames = []string{"signin", "error", "apis", "api", "stage", "audit", "diff"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05Z")
		},
		"lower": strings.ToLower,
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console: parsing page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// layoutView is what layout.html reads; Page is the page's own view.
type layoutView struct {
	Title string
	// CSRF is the session's token, for the sign-out form; empty when signed out.
	CSRF string
	Page any
}

type errorView struct{ Message string }

// render writes a page, rendered in full before the status goes out so that a template error is a
// clean 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, sess *session, page any) {
	v := layoutView{Title: titles[name], Page: page}
	if sess != nil {
		v.CSRF = sess.csrf
	}
	if t, ok := page.(interface{ title() string }); ok {
		v.Title = t.title()
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, v); err != nil {
		c.opts.Logger.Error("console: rendering page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var titles = map[string]string{"signin": "Sign in", "error": "Error", "apis": "APIs", "audit": "Audit log"}

// apiRow is one API in the APIs list.
type apiRow struct {
	API    model.RestAPI
	Stages []model.Stage
}

type apisView struct{ APIs []apiRow }

func (c *Console) apisPage(w http.ResponseWriter, r *http.Request, sess *session) {
	apis, err := c.opts.Service.ListRestAPIs(r.Context())
	if err != nil {
		c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
		return
	}
	v := apisView{}
	for _, a := range apis {
		st, err := c.opts.Service.ListStages(r.Context(), a.ID)
		if err != nil {
			c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
			return
		}
		v.APIs = append(v.APIs, apiRow{API: a, Stages: st})
	}
	c.render(w, r, http.StatusOK, "apis", sess, v)
}

// node is one resource of an API's tree with its methods and children.
type node struct {
	Resource model.Resource
	Methods  []methodView
	Children []*node
}

type methodView struct {
	Method      model.Method
	Integration *model.Integration
}

type apiView struct {
	API    model.RestAPI
	Root   *node
	Stages []model.Stage
}

func (v apiView) title() string { return "API " + v.API.Name }

// tree arranges a configuration's resources by parent, children and methods in path order.
func tree(snap *model.Snapshot) *node {
	nodes := map[string]*node{}
	for _, r := range snap.Resources {
		nodes[r.ID] = &node{Resource: r}
	}
	integrations := map[string]*model.Integration{}
	for i := range snap.Integrations {
		in := &snap.Integrations[i]
		integrations[model.MethodKey(in.ResourceID, in.HTTPMethod)] = in
	}
	for _, m := range snap.Methods {
		if n := nodes[m.ResourceID]; n != nil {
			n.Methods = append(n.Methods, methodView{Method: m, Integration: integrations[model.MethodKey(m.ResourceID, m.HTTPMethod)]})
		}
	}
	var root *node
	for _, n := range nodes {
		slices.SortFunc(n.Methods, func(a, b methodView) int { return strings.Compare(a.Method.HTTPMethod, b.Method.HTTPMethod) })
		if p := nodes[n.Resource.ParentID]; p != nil && n.Resource.ParentID != "" {
			p.Children = append(p.Children, n)
		} else if n.Resource.ParentID == "" {
			root = n
		}
	}
	for _, n := range nodes {
		slices.SortFunc(n.Children, func(a, b *node) int { return strings.Compare(a.Resource.PathPart, b.Resource.PathPart) })
	}
	return root
}

func (c *Console) apiPage(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("api")
	snap, err := c.opts.Service.APIConfig(r.Context(), id)
	if err != nil {
		c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
		return
	}
	stages, err := c.opts.Service.ListStages(r.Context(), id)
	if err != nil {
		c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
		return
	}
	c.render(w, r, http.StatusOK, "api", sess, apiView{API: snap.RestAPI, Root: tree(snap), Stages: stages})
}

// historyRow is one change of a stage's deployment; CanRollBack is set when the stage may go back
// to it (another deployment than the current one, and one that still exists).
type historyRow struct {
	Entry       model.StageHistoryEntry
	Description string
	CanRollBack bool
}

type stageView struct {
	API     model.RestAPI
	Stage   model.Stage
	History []historyRow
	Metrics stageMetrics
	// RolledBack names the deployment a rollback just moved the stage to; Error says why one failed.
	RolledBack, Error string
	CSRF              string
	// Window is the span of the charts (?window=60|300|3600 seconds, default 300).
	Window  chartWindow
	Windows []chartWindow
}

type chartWindow struct {
	Seconds int
	Label   string
}

var chartWindows = []chartWindow{{60, "1 minute"}, {300, "5 minutes"}, {3600, "1 hour"}}

func (v stageView) title() string { return "Stage " + v.Stage.StageName + " of " + v.API.Name }

func (c *Console) stageView(ctx context.Context, apiID, name string) (stageView, error) {
	s := c.opts.Service
	api, err := s.GetRestAPI(ctx, apiID)
	if err != nil {
		return stageView{}, err
	}
	st, err := s.GetStage(ctx, apiID, name)
	if err != nil {
		return stageView{}, err
	}
	hist, err := s.StageHistory(ctx, apiID, name)
	if err != nil {
		return stageView{}, err
	}
	deps, err := s.ListDeployments(ctx, apiID)
	if err != nil {
		return stageView{}, err
	}
	desc := map[string]string{}
	for _, d := range deps {
		desc[d.ID] = d.Description
	}
	v := stageView{API: api, Stage: st, Metrics: c.sampler.metrics(apiID, name, 0)}
	// Newest first: in an incident the latest changes are the ones that matter.
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		_, exists := desc[h.DeploymentID]
		v.History = append(v.History, historyRow{Entry: h, Description: desc[h.DeploymentID],
			CanRollBack: exists && h.DeploymentID != st.DeploymentID})
	}
	return v, nil
}

func (c *Console) stagePage(w http.ResponseWriter, r *http.Request, sess *session) {
	v, err := c.stageView(r.Context(), r.PathValue("api"), r.PathValue("stage"))
	if err != nil {
		c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
		return
	}
	v.CSRF = sess.csrf
	v.Window, v.Windows = chartWindows[1], chartWindows
	for _, cw := range chartWindows {
		if r.URL.Query().Get("window") == strconv.Itoa(cw.Seconds) {
			v.Window = cw
		}
	}
	// The note shows only when it is true, so that a crafted link cannot claim a rollback.
	if d := r.URL.Query().Get("rolled_back"); d != "" && d == v.Stage.DeploymentID {
		v.RolledBack = d
	}
	c.render(w, r, http.StatusOK, "stage", sess, v)
}

// stageMetrics answers the stage page's poll: totals, the last minute and one point per second
// (?seconds=N, default 300, at most an hour).
func (c *Console) stageMetrics(w http.ResponseWriter, r *http.Request, _ *session) {
	n := 300
	if s := r.URL.Query().Get("seconds"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > historyLen {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("seconds must be a number between 1 and %d, got %q", historyLen, s)})
			return
		}
		n = v
	}
	writeJSON(w, http.StatusOK, c.sampler.metrics(r.PathValue("api"), r.PathValue("stage"), n))
}

// rollback moves the stage back to the form's deployment_id through the control plane's rollback
// (which records the stage's history) and writes the audit entry the admin API would write for
// POST .../rollback, with the console session as its actor.
func (c *Console) rollback(w http.ResponseWriter, r *http.Request, sess *session) {
	apiID, name := r.PathValue("api"), r.PathValue("stage")
	dep := strings.TrimSpace(r.PostFormValue("deployment_id"))
	var err error
	if dep == "" {
		err = &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: "deployment_id",
			Message: "choose the deployment to roll back to (deployment_id is empty)"}
	} else {
		_, err = c.opts.Service.RollbackStage(r.Context(), apiID, name, dep, control.Precondition{})
	}
	status := http.StatusOK
	outcome := "ok"
	if err != nil {
		status, outcome = statusOf(err), err.Error()
	}
	e := model.AuditEntry{Time: c.opts.Now().UTC(), Actor: actor(sess), Remote: r.RemoteAddr, Method: http.MethodPost,
		Path: "/v1/restapis/" + apiID + "/stages/" + name + "/rollback", Status: status, Result: outcome, ObjectID: apiID + "/" + name}
	if _, aerr := c.opts.Audit.AppendAudit(context.WithoutCancel(r.Context()), e); aerr != nil {
		c.opts.Logger.Error("writing audit entry", "err", aerr, "path", e.Path)
	}
	if err != nil {
		v, verr := c.stageView(r.Context(), apiID, name)
		if verr != nil {
			c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
			return
		}
		v.CSRF, v.Error = sess.csrf, c.messageOf(r, err)
		v.Window, v.Windows = chartWindows[1], chartWindows
		c.render(w, r, status, "stage", sess, v)
		return
	}
	c.opts.Logger.Info("console rollback", "api", apiID, "stage", name, "deployment", dep, "session", sess.label)
	http.Redirect(w, r, "/console/apis/"+apiID+"/stages/"+name+"?rolled_back="+dep, http.StatusSeeOther)
}

// auditShown is how many entries the audit page shows, newest first.
const auditShown = 200

type auditView struct {
	Entries        []model.AuditEntry
	Actor, Object  string
	Total, Matched int
}

// auditPage shows the latest entries, newest first, optionally those whose actor or object contains
// ?actor= or ?object=. The store lists entries oldest first from a sequence number, so the page reads
// the log through in pages of 1,000 and keeps the last auditShown that match.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	v := auditView{Actor: strings.TrimSpace(q.Get("actor")), Object: strings.TrimSpace(q.Get("object"))}
	var after int64
	for {
		page, err := c.opts.Audit.ListAudit(r.Context(), after, 1000)
		if err != nil {
			c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
			return
		}
		for _, e := range page {
			v.Total++
			if (v.Actor == "" || strings.Contains(e.Actor, v.Actor)) && (v.Object == "" || strings.Contains(e.ObjectID, v.Object)) {
				v.Matched++
				v.Entries = append(v.Entries, e)
				if len(v.Entries) > 2*auditShown {
					v.Entries = append(v.Entries[:0], v.Entries[len(v.Entries)-auditShown:]...)
				}
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(v.Entries) > auditShown {
		v.Entries = v.Entries[len(v.Entries)-auditShown:]
	}
	slices.Reverse(v.Entries)
	c.render(w, r, http.StatusOK, "audit", sess, v)
}

type diffView struct {
	API   model.RestAPI
	Diff  model.DeploymentDiff
	Stage string
}

func (v diffView) title() string {
	return "Changes from " + v.Diff.FromDeploymentID + " to " + v.Diff.ToDeploymentID
}

// diffPage shows what changed between two deployments of an API (?from=&to=), as
// GET .../deployments/{from}/diff/{to}?format=text does; ?stage= links back to a stage.
func (c *Console) diffPage(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	api, err := c.opts.Service.GetRestAPI(r.Context(), r.PathValue("api"))
	if err == nil {
		var d model.DeploymentDiff
		if d, err = c.opts.Service.DiffDeployments(r.Context(), api.ID, q.Get("from"), q.Get("to")); err == nil {
			c.render(w, r, http.StatusOK, "diff", sess, diffView{API: api, Diff: d, Stage: q.Get("stage")})
			return
		}
	}
	c.render(w, r, statusOf(err), "error", sess, errorView{Message: c.messageOf(r, err)})
}
