package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// clientCertificateRoutes serves client certificates: POST generates one (API Gateway's
// GenerateClientCertificate).
func (a *API) clientCertificateRoutes() {
	s := a.opts.Service
	a.route("/v1/clientcertificates", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListClientCertificates(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.ClientCertificate
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.GenerateClientCertificate(r.Context(), in)
			return created(v, v.ID, err)
		},
	})
	a.route("/v1/clientcertificates/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetClientCertificate(r.Context(), r.PathValue("id")))
		},
		http.MethodPut: put(func(r *http.Request, in model.ClientCertificate, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateClientCertificate(r.Context(), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteClientCertificate(r.Context(), r.PathValue("id"), pre)
		}),
	})
}
