package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// list is the envelope of every collection response.
type list[T any] struct {
	Items []T `json:"items"`
}

func items[T any](v []T) list[T] {
	if v == nil {
		v = []T{}
	}
	return list[T]{Items: v}
}

func ok(body any, err error) (result, error) { return result{body: body}, err }

func created(body any, id string, err error) (result, error) {
	return result{status: http.StatusCreated, body: body, objectID: id}, err
}

func changed(body any, id string, err error) (result, error) {
	return result{body: body, objectID: id}, err
}

func deleted(id string, err error) (result, error) {
	return result{status: http.StatusNoContent, objectID: id}, err
}

func methodID(r *http.Request) control.MethodID {
	return control.MethodID{RestAPIID: r.PathValue("api"), ResourceID: r.PathValue("res"),
		HTTPMethod: strings.ToUpper(r.PathValue("verb"))}
}

// put decodes a body of type T and hands it with the precondition to fn.
func put[T any](fn func(r *http.Request, in T, pre control.Precondition) (any, string, error)) handler {
	return func(r *http.Request) (result, error) {
		var in T
		if err := decode(r, &in); err != nil {
			return result{}, err
		}
		pre, err := precondition(r)
		if err != nil {
			return result{}, err
		}
		body, id, err := fn(r, in, pre)
		return changed(body, id, err)
	}
}

// del hands the precondition to fn.
func del(fn func(r *http.Request, pre control.Precondition) (string, error)) handler {
	return func(r *http.Request) (result, error) {
		pre, err := precondition(r)
		if err != nil {
			return result{}, err
		}
		id, err := fn(r, pre)
		return deleted(id, err)
	}
}

func (a *API) routes() {
	s := a.opts.Service
	const api = "/v1/restapis/{api}"
	const res = api + "/resources/{res}"
	const method = res + "/methods/{verb}"

	a.route("/v1/restapis", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListRestAPIs(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.RestAPI
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateRestAPI(r.Context(), in)
			return created(v, v.ID, err)
		},
	})
	a.route(api, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetRestAPI(r.Context(), r.PathValue("api"))) },
		http.MethodPut: put(func(r *http.Request, in model.RestAPI, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateRestAPI(r.Context(), r.PathValue("api"), in, pre)
			return v, v.ID, err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("api"), s.DeleteRestAPI(r.Context(), r.PathValue("api"), pre)
		}),
	})

	a.route(api+"/resources", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListResources(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.Resource
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateResource(r.Context(), r.PathValue("api"), in)
			return created(v, v.ID, err)
		},
	})
	a.route(res, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetResource(r.Context(), r.PathValue("api"), r.PathValue("res")))
		},
		http.MethodPut: put(func(r *http.Request, in model.Resource, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateResource(r.Context(), r.PathValue("api"), r.PathValue("res"), in, pre)
			return v, r.PathValue("res"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("res"), s.DeleteResource(r.Context(), r.PathValue("api"), r.PathValue("res"), pre)
		}),
	})

	a.route(method, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetMethod(r.Context(), methodID(r))) },
		http.MethodPut: put(func(r *http.Request, in model.Method, pre control.Precondition) (any, string, error) {
			v, err := s.PutMethod(r.Context(), methodID(r), in, pre)
			return v, methodID(r).String(), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return methodID(r).String(), s.DeleteMethod(r.Context(), methodID(r), pre)
		}),
	})
	a.route(method+"/integration", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetIntegration(r.Context(), methodID(r))) },
		http.MethodPut: put(func(r *http.Request, in model.Integration, pre control.Precondition) (any, string, error) {
			v, err := s.PutIntegration(r.Context(), methodID(r), in, pre)
			return v, "integration of " + methodID(r).String(), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return "integration of " + methodID(r).String(), s.DeleteIntegration(r.Context(), methodID(r), pre)
		}),
	})
	a.route(method+"/responses/{status}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetMethodResponse(r.Context(), methodID(r), r.PathValue("status")))
		},
		http.MethodPut: put(func(r *http.Request, in model.MethodResponse, pre control.Precondition) (any, string, error) {
			v, err := s.PutMethodResponse(r.Context(), methodID(r), r.PathValue("status"), in, pre)
			return v, r.PathValue("status"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("status"), s.DeleteMethodResponse(r.Context(), methodID(r), r.PathValue("status"), pre)
		}),
	})
	a.route(method+"/integration/responses/{status}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetIntegrationResponse(r.Context(), methodID(r), r.PathValue("status")))
		},
		http.MethodPut: put(func(r *http.Request, in model.IntegrationResponse, pre control.Precondition) (any, string, error) {
			v, err := s.PutIntegrationResponse(r.Context(), methodID(r), r.PathValue("status"), in, pre)
			return v, r.PathValue("status"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("status"), s.DeleteIntegrationResponse(r.Context(), methodID(r), r.PathValue("status"), pre)
		}),
	})

	a.route(api+"/deployments", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListDeployments(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in struct {
				model.Deployment
				// StageName, when set, points that existing stage at the new deployment.
				StageName string `json:"stage_name"`
			}
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateDeployment(r.Context(), r.PathValue("api"), in.Deployment, in.StageName)
			return created(v, v.ID, err)
		},
	})
	a.route(api+"/deployments/{dep}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetDeployment(r.Context(), r.PathValue("api"), r.PathValue("dep")))
		},
		http.MethodPut: put(func(r *http.Request, in model.Deployment, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateDeployment(r.Context(), r.PathValue("api"), r.PathValue("dep"), in, pre)
			return v, r.PathValue("dep"), err
		}),
		http.MethodDelete: func(r *http.Request) (result, error) {
			pre, err := precondition(r)
			if err != nil {
				return result{}, err
			}
			whenUnused, _ := strconv.ParseBool(r.URL.Query().Get("when_unused"))
			deferred, err := s.DeleteDeployment(r.Context(), r.PathValue("api"), r.PathValue("dep"), whenUnused, pre)
			if deferred {
				return result{status: http.StatusAccepted, objectID: r.PathValue("dep"),
					body: map[string]string{"message": "deployment retired; it is removed when no stage serves it"}}, err
			}
			return deleted(r.PathValue("dep"), err)
		},
	})
	a.route(api+"/deployments/{dep}/snapshot", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetDeploymentSnapshot(r.Context(), r.PathValue("api"), r.PathValue("dep")))
		},
	})

	a.route(api+"/stages", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListStages(r.Context(), r.PathValue("api"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.Stage
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateStage(r.Context(), r.PathValue("api"), in)
			return created(v, v.StageName, err)
		},
	})
	a.route(api+"/stages/{stage}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetStage(r.Context(), r.PathValue("api"), r.PathValue("stage")))
		},
		http.MethodPut: put(func(r *http.Request, in model.Stage, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateStage(r.Context(), r.PathValue("api"), r.PathValue("stage"), in, pre)
			return v, r.PathValue("stage"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("stage"), s.DeleteStage(r.Context(), r.PathValue("api"), r.PathValue("stage"), pre)
		}),
	})
	a.route(api+"/stages/{stage}/history", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.StageHistory(r.Context(), r.PathValue("api"), r.PathValue("stage"))
			return ok(items(v), err)
		},
	})

	a.route("/v1/audit", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			q := r.URL.Query()
			after, err1 := parseInt(q.Get("after"), 0)
			limit, err2 := parseInt(q.Get("limit"), 100)
			if err1 != nil || err2 != nil || limit < 1 || limit > 1000 {
				return result{}, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: "after",
					Message: "after must be a sequence number and limit between 1 and 1000"}
			}
			v, err := a.opts.Audit.ListAudit(r.Context(), after, int(limit))
			return ok(items(v), err)
		},
	})
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.writeJSON(w, http.StatusNotFound, apiError{Code: control.CodeNotFound, Message: "no admin route " + r.URL.Path})
	})
}

func parseInt(s string, def int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseInt(s, 10, 64)
}
