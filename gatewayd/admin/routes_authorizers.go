package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// authorizerRoutes serves an API's authorizers and gateway responses (keyed by response type, as API
// Gateway's).
func (a *API) authorizerRoutes() {
	s := a.opts.Service
	const api = "/v1/restapis/{api}"
	a.route(api+"/authorizers", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListAuthorizers(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.Authorizer
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateAuthorizer(r.Context(), r.PathValue("api"), in)
			return created(v, v.ID, err)
		},
	})
	a.route(api+"/authorizers/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetAuthorizer(r.Context(), r.PathValue("api"), r.PathValue("id")))
		},
		http.MethodPut: put(func(r *http.Request, in model.Authorizer, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateAuthorizer(r.Context(), r.PathValue("api"), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteAuthorizer(r.Context(), r.PathValue("api"), r.PathValue("id"), pre)
		}),
	})
	a.route(api+"/gatewayresponses", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListGatewayResponses(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
	})
	a.route(api+"/gatewayresponses/{type}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetGatewayResponse(r.Context(), r.PathValue("api"), r.PathValue("type")))
		},
		http.MethodPut: put(func(r *http.Request, in model.GatewayResponse, pre control.Precondition) (any, string, error) {
			v, err := s.PutGatewayResponse(r.Context(), r.PathValue("api"), r.PathValue("type"), in, pre)
			return v, r.PathValue("type"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("type"), s.DeleteGatewayResponse(r.Context(), r.PathValue("api"), r.PathValue("type"), pre)
		}),
	})
}
