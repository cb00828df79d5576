package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// vpcLinkRoutes serves VPC links at API Gateway's paths (/vpclinks, /vpclinks/{id}).
func (a *API) vpcLinkRoutes() {
	s := a.opts.Service
	a.route("/v1/vpclinks", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListVPCLinks(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.VPCLink
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateVPCLink(r.Context(), in)
			return created(v, v.ID, err)
		},
	})
	a.route("/v1/vpclinks/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetVPCLink(r.Context(), r.PathValue("id"))) },
		http.MethodPut: put(func(r *http.Request, in model.VPCLink, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateVPCLink(r.Context(), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteVPCLink(r.Context(), r.PathValue("id"), pre)
		}),
	})
}
