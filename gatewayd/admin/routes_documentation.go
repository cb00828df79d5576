package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// documentationRoutes serves an API's documentation parts (by id) and versions (by name), at API
// Gateway's paths.
func (a *API) documentationRoutes() {
	s := a.opts.Service
	const docs = "/v1/restapis/{api}/documentation"
	a.route(docs+"/parts", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListDocumentationParts(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.DocumentationPart
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateDocumentationPart(r.Context(), r.PathValue("api"), in)
			return created(v, v.ID, err)
		},
	})
	a.route(docs+"/parts/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetDocumentationPart(r.Context(), r.PathValue("api"), r.PathValue("id")))
		},
		http.MethodPut: put(func(r *http.Request, in model.DocumentationPart, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateDocumentationPart(r.Context(), r.PathValue("api"), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteDocumentationPart(r.Context(), r.PathValue("api"), r.PathValue("id"), pre)
		}),
	})
	a.route(docs+"/versions", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListDocumentationVersions(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.DocumentationVersion
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateDocumentationVersion(r.Context(), r.PathValue("api"), in)
			return created(v, v.Version, err)
		},
	})
	a.route(docs+"/versions/{version}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetDocumentationVersion(r.Context(), r.PathValue("api"), r.PathValue("version")))
		},
		http.MethodPut: put(func(r *http.Request, in model.DocumentationVersion, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateDocumentationVersion(r.Context(), r.PathValue("api"), r.PathValue("version"), in, pre)
			return v, r.PathValue("version"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("version"), s.DeleteDocumentationVersion(r.Context(), r.PathValue("api"), r.PathValue("version"), pre)
		}),
	})
}
