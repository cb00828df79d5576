package admin

import (
	"net/http"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// iamRoutes serves gatewayd's IAM users, access keys and user policies, and REST APIs' resource
// policies.
func (a *API) iamRoutes() {
	s := a.opts.Service
	const user = "/v1/iam/users/{user}"
	a.route("/v1/iam/users", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListIAMUsers(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.IAMUser
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateIAMUser(r.Context(), in)
			return created(v, v.Name, err)
		},
	})
	a.route(user, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetIAMUser(r.Context(), r.PathValue("user"))) },
		http.MethodPut: put(func(r *http.Request, in model.IAMUser, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateIAMUser(r.Context(), r.PathValue("user"), in, pre)
			return v, r.PathValue("user"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("user"), s.DeleteIAMUser(r.Context(), r.PathValue("user"), pre)
		}),
	})
	a.route(user+"/policies", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListIAMUserPolicies(r.Context(), r.PathValue("user"))
			return ok(items(v), err)
		},
	})
	a.route(user+"/policies/{name}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetIAMUserPolicy(r.Context(), r.PathValue("user"), r.PathValue("name")))
		},
		http.MethodPut: put(func(r *http.Request, in model.IAMUserPolicy, pre control.Precondition) (any, string, error) {
			v, err := s.PutIAMUserPolicy(r.Context(), r.PathValue("user"), r.PathValue("name"), in, pre)
			return v, r.PathValue("user") + ":" + r.PathValue("name"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("user") + ":" + r.PathValue("name"), s.DeleteIAMUserPolicy(r.Context(), r.PathValue("user"), r.PathValue("name"), pre)
		}),
	})
	a.route("/v1/iam/accesskeys", map[string]handler{
		// ?user_name= lists one user's keys.
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListIAMAccessKeys(r.Context(), r.URL.Query().Get("user_name"))
			return ok(items(v), err)
		},
		// The answer is the only one that ever holds the secret.
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.IAMAccessKey
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateIAMAccessKey(r.Context(), in)
			return created(v, v.ID, err)
		},
	})
	a.route("/v1/iam/accesskeys/{id}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetIAMAccessKey(r.Context(), r.PathValue("id"))) },
		http.MethodPut: put(func(r *http.Request, in model.IAMAccessKey, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateIAMAccessKey(r.Context(), r.PathValue("id"), in, pre)
			return v, r.PathValue("id"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("id"), s.DeleteIAMAccessKey(r.Context(), r.PathValue("id"), pre)
		}),
	})
	a.route("/v1/restapis/{api}/policy", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetRestAPIPolicy(r.Context(), r.PathValue("api"))) },
		http.MethodPut: put(func(r *http.Request, in control.RestAPIPolicy, pre control.Precondition) (any, string, error) {
			if err := checkBodyKey("rest_api_id", in.RestAPIID, r.PathValue("api")); err != nil {
				return nil, "", err
			}
			v, err := s.PutRestAPIPolicy(r.Context(), r.PathValue("api"), in.Policy, pre)
			return v, r.PathValue("api"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("api"), s.DeleteRestAPIPolicy(r.Context(), r.PathValue("api"), pre)
		}),
	})
}

// checkBodyKey refuses a body whose identifying field disagrees with the URL.
func checkBodyKey(field, body, url string) error {
	if body != "" && body != url {
		return &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: field,
			Message: field + " " + body + " in the body does not match " + url + " in the URL"}
	}
	return nil
}
