package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// accountRoutes serves the account's settings: one object that always exists; DELETE resets it.
func (a *API) accountRoutes() {
	s := a.opts.Service
	a.route("/v1/account", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetAccount(r.Context())) },
		http.MethodPut: put(func(r *http.Request, in model.Account, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateAccount(r.Context(), in, pre)
			return v, "account", err
		}),
		http.MethodDelete: del(func(r *http.Request, _ control.Precondition) (string, error) {
			return "account", s.ResetAccount(r.Context())
		}),
	})
}
