package admin

import (
	"net/http"
)

// rollbackBody is the optional body of a rollback: the deployment to go back to. Without it (or with
// an empty body) the stage goes back to the deployment it served before its current one.
type rollbackBody struct {
	DeploymentID string `json:"deployment_id"`
}

// releaseRoutes serves releasing: rollback.
func (a *API) releaseRoutes() {
	s := a.opts.Service
	const stage = "/v1/restapis/{api}/stages/{stage}"
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
