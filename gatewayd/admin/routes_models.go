package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// modelRoutes serves an API's models (keyed by name, as API Gateway's) and request validators.
func (a *API) modelRoutes() {
	s := a.opts.Service
	const api = "/v1/restapis/{api}"
	a.route(api+"/models", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListModels(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.Model
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateModel(r.Context(), r.PathValue("api"), in)
			return created(v, v.Name, err)
		},
	})
	a.route(api+"/models/{name}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetModel(r.Context(), r.PathValue("api"), r.PathValue("name")))
		},
		http.MethodPut: put(func(r *http.Request, in model.Model, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateModel(r.Context(), r.PathValue("api"), r.PathValue("name"), in, pre)
			return v, r.PathValue("name"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("name"), s.DeleteModel(r.Context(), r.PathValue("api"), r.PathValue("name"), pre)
		}),
	})
	a.route(api+"/requestvalidators", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListRequestValidators(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.RequestValidator
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateRequestValidator(r.Context(), r.PathValue("api"), in)
			return created(v, v.ID, err)
		},
	})
	a.route(api+"/requestvalidators/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetRequestValidator(r.Context(), r.PathValue("api"), r.PathValue("id")))
		},
		http.MethodPut: put(func(r *http.Request, in model.RequestValidator, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateRequestValidator(r.Context(), r.PathValue("api"), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteRequestValidator(r.Context(), r.PathValue("api"), r.PathValue("id"), pre)
		}),
	})
}
