package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
)

// rollbackBody is the optional body of a rollback: the deployment to go back to. Without it (or with
// an empty body) the stage goes back to the deployment it served before its current one.
type rollbackBody struct {
	DeploymentID string `json:"deployment_id"`
}

// promoteBody is the optional body of a canary promotion.
type promoteBody struct {
	MergeVariables bool `json:"merge_variables"`
}

// releaseRoutes serves releasing: rollback, canary promotion, deployment diffs.
func (a *API) releaseRoutes() {
	s := a.opts.Service
	const stage = "/v1/restapis/{api}/stages/{stage}"
	a.route("/v1/restapis/{api}/deployments/{from}/diff/{to}", map[string]handler{
		// JSON (model.DeploymentDiff) unless ?format=text or Accept: text/plain asks for its text.
		http.MethodGet: func(r *http.Request) (result, error) {
			d, err := s.DiffDeployments(r.Context(), r.PathValue("api"), r.PathValue("from"), r.PathValue("to"))
			if err != nil || !wantsText(r) {
				return ok(d, err)
			}
			return result{body: rawBody{contentType: "text/plain; charset=utf-8", data: []byte(d.Text)}}, nil
		},
	})
	a.route(stage+"/canary/promote", map[string]handler{
		// The optional body {"merge_variables": true} also merges the canary's stage variable
		// overrides into the stage's variables.
		http.MethodPost: func(r *http.Request) (result, error) {
			id := r.PathValue("api") + "/" + r.PathValue("stage")
			var in promoteBody
			if r.ContentLength != 0 {
				if err := decode(r, &in); err != nil {
					return result{objectID: id}, err
				}
			}
			pre, err := precondition(r)
			if err != nil {
				return result{objectID: id}, err
			}
			v, err := s.PromoteCanary(r.Context(), r.PathValue("api"), r.PathValue("stage"), in.MergeVariables, pre)
			return changed(v, id, err)
		},
	})
	a.route(stage+"/rollback", map[string]handler{
		http.MethodPost: func(r *http.Request) (result, error) {
			id := r.PathValue("api") + "/" + r.PathValue("stage")
			var in rollbackBody
			if r.ContentLength != 0 {
				if err := decode(r, &in); err != nil {
					return result{objectID: id}, err
				}
			}
			pre, err := precondition(r)
			if err != nil {
				return result{objectID: id}, err
			}
			v, err := s.RollbackStage(r.Context(), r.PathValue("api"), r.PathValue("stage"), in.DeploymentID, pre)
			return changed(v, id, err)
		},
	})
}

// rawBody is an answer that is not JSON: a diff as text, an export as YAML.
type rawBody struct {
	contentType string
	data        []byte
}

func (b rawBody) write(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", b.contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b.data)))
	w.WriteHeader(status)
	_, _ = w.Write(b.data)
}

// wantsText reports whether the caller asked for text: ?format=text, or an Accept header that names
// text/plain and not JSON.
func wantsText(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "text"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/plain") && !strings.Contains(accept, "json")
}

// historyDiffs answers GET .../history?diff=true: the entries with what each move changed.
func (a *API) historyDiffs(r *http.Request, limit int) (result, error) {
	v, err := a.opts.Service.StageHistoryDiffs(r.Context(), r.PathValue("api"), r.PathValue("stage"), limit)
	if err != nil || !wantsText(r) {
		return ok(items(v), err)
	}
	return result{body: rawBody{contentType: "text/plain; charset=utf-8", data: []byte(control.RenderHistory(v))}}, nil
}
