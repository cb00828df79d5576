package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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
		// ?mode=overwrite|merge imports an OpenAPI document instead (routes_release.go).
		http.MethodPut: func(r *http.Request) (result, error) {
			if r.URL.Query().Has("mode") {
				return a.importAPI(r)
			}
			return put(func(r *http.Request, in model.RestAPI, pre control.Precondition) (any, string, error) {
				v, err := s.UpdateRestAPI(r.Context(), r.PathValue("api"), in, pre)
				return v, v.ID, err
			})(r)
		},
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
				// StageName, when set, points that existing stage at the new deployment, or, with
				// CanarySettings, makes the new deployment that stage's canary.
				StageName      string                `json:"stage_name"`
				CanarySettings *model.CanarySettings `json:"canary_settings"`
			}
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			if in.CanarySettings != nil {
				v, err := s.CreateCanaryDeployment(r.Context(), r.PathValue("api"), in.Deployment, in.StageName, *in.CanarySettings)
				return created(v, v.ID, err)
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
	a.route(api+"/stages/{stage}/cache", map[string]handler{
		http.MethodDelete: func(r *http.Request) (result, error) {
			apiID, stage := r.PathValue("api"), r.PathValue("stage")
			if _, err := s.GetStage(r.Context(), apiID, stage); err != nil {
				return result{}, err
			}
			if a.opts.FlushStageCache == nil {
				return result{}, &control.Error{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "this gatewayd has no response cache"}
			}
			return deleted(apiID+"/"+stage, a.opts.FlushStageCache(r.Context(), apiID, stage))
		},
	})
	a.route(api+"/stages/{stage}/history", map[string]handler{
		// ?limit=N keeps the N latest entries, still oldest first; ?diff=true adds what each move changed.
		http.MethodGet: func(r *http.Request) (result, error) {
			q := r.URL.Query()
			limit, err := parseInt(q.Get("limit"), 0)
			if q.Has("limit") && (err != nil || limit < 1 || limit > 1000) {
				return result{}, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: "limit",
					Message: fmt.Sprintf("limit must be a number of entries between 1 and 1000, got %q", q.Get("limit"))}
			}
			if q.Get("diff") == "true" {
				return a.historyDiffs(r, int(limit))
			}
			v, err := s.StageHistory(r.Context(), r.PathValue("api"), r.PathValue("stage"))
			if limit > 0 && int64(len(v)) > limit {
				v = v[int64(len(v))-limit:]
			}
			return ok(items(v), err)
		},
	})

	a.meteringRoutes()
	a.modelRoutes()
	a.authorizerRoutes()
	a.iamRoutes()
	a.domainRoutes()
	a.vpcLinkRoutes()
	a.clientCertificateRoutes()
	a.accountRoutes()
	a.documentationRoutes()
	a.releaseRoutes()

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

// apiKeyBody decodes an API key whose "enabled" is true when the body leaves it out, as the AWS
// provider's default: the outer *bool shadows model.APIKey's bool for encoding/json (the shallower field
// wins), so an absent field stays nil and is told apart from false.
type apiKeyBody struct {
	model.APIKey
	Enabled *bool `json:"enabled"`
}

func (b apiKeyBody) key() model.APIKey {
	k := b.APIKey
	k.Enabled = b.Enabled == nil || *b.Enabled
	return k
}

// planKeyBody is the body that attaches a key to a plan.
type planKeyBody struct {
	KeyID   string `json:"key_id"`
	KeyType string `json:"key_type"`
}

// methodSettingsBody decodes a PUT of method settings seeded with the defaults, so that a field the body
// leaves out takes its default value rather than Go's zero value.
func methodSettingsBody(r *http.Request) (model.MethodSetting, error) {
	in := model.MethodSettings{Settings: model.DefaultMethodSetting()}
	if err := decode(r, &in); err != nil {
		return model.MethodSetting{}, err
	}
	for _, f := range []struct{ field, body, url string }{{"rest_api_id", in.RestAPIID, r.PathValue("api")},
		{"stage_name", in.StageName, r.PathValue("stage")}, {"method_path", in.MethodPath, r.PathValue("path")}} {
		if f.body != "" && f.body != f.url {
			return model.MethodSetting{}, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: f.field,
				Message: fmt.Sprintf("%s %q in the body does not match %q in the URL", f.field, f.body, f.url)}
		}
	}
	return in.Settings, nil
}

func parseDay(q url.Values, field string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, q.Get(field))
	if err != nil {
		return d, &control.Error{Status: http.StatusBadRequest, Code: control.CodeBadRequest, Field: field,
			Message: fmt.Sprintf("%s must be a date such as 2006-01-02, got %q", field, q.Get(field))}
	}
	return d, nil
}

func (a *API) meteringRoutes() {
	s := a.opts.Service
	const key = "/v1/apikeys/{key}"
	const plan = "/v1/usageplans/{plan}"
	const settings = "/v1/restapis/{api}/stages/{stage}/methodsettings"
	settingsID := func(r *http.Request) string {
		return r.PathValue("api") + "/" + r.PathValue("stage") + "/" + r.PathValue("path")
	}

	a.route("/v1/apikeys", map[string]handler{
		// ?customer_id= lists the keys of one customer, as API Gateway's GetApiKeys customerId.
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListAPIKeys(r.Context())
			if q := r.URL.Query(); q.Has("customer_id") {
				c := q.Get("customer_id")
				v = slices.DeleteFunc(v, func(k model.APIKey) bool { return k.CustomerID != c })
			}
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in apiKeyBody
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateAPIKey(r.Context(), in.key())
			return created(v, v.ID, err)
		},
	})
	a.route(key, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetAPIKey(r.Context(), r.PathValue("key"))) },
		http.MethodPut: put(func(r *http.Request, in apiKeyBody, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateAPIKey(r.Context(), r.PathValue("key"), in.key(), pre)
			return v, r.PathValue("key"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("key"), s.DeleteAPIKey(r.Context(), r.PathValue("key"), pre)
		}),
	})

	a.route("/v1/usageplans", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListUsagePlans(r.Context())
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in model.UsagePlan
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateUsagePlan(r.Context(), in)
			return created(v, v.ID, err)
		},
	})
	a.route(plan, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) { return ok(s.GetUsagePlan(r.Context(), r.PathValue("plan"))) },
		http.MethodPut: put(func(r *http.Request, in model.UsagePlan, pre control.Precondition) (any, string, error) {
			v, err := s.UpdateUsagePlan(r.Context(), r.PathValue("plan"), in, pre)
			return v, r.PathValue("plan"), err
		}),
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("plan"), s.DeleteUsagePlan(r.Context(), r.PathValue("plan"), pre)
		}),
	})
	a.route(plan+"/keys", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListUsagePlanKeys(r.Context(), r.PathValue("plan"))
			return ok(items(v), err)
		},
		http.MethodPost: func(r *http.Request) (result, error) {
			var in planKeyBody
			if err := decode(r, &in); err != nil {
				return result{}, err
			}
			v, err := s.CreateUsagePlanKey(r.Context(), r.PathValue("plan"), in.KeyID, in.KeyType)
			return created(v, r.PathValue("plan")+"/"+in.KeyID, err)
		},
	})
	a.route(plan+"/keys/{key}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetUsagePlanKey(r.Context(), r.PathValue("plan"), r.PathValue("key")))
		},
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return r.PathValue("plan") + "/" + r.PathValue("key"), s.DeleteUsagePlanKey(r.Context(), r.PathValue("plan"), r.PathValue("key"), pre)
		}),
	})
	a.route(plan+"/usage", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			q := r.URL.Query()
			start, err := parseDay(q, "startDate")
			if err != nil {
				return result{}, err
			}
			end, err := parseDay(q, "endDate")
			if err != nil {
				return result{}, err
			}
			if a.opts.BeforeUsageReport != nil {
				if err := a.opts.BeforeUsageReport(r.Context()); err != nil {
					return result{}, fmt.Errorf("flushing usage counters before the report: %w", err)
				}
			}
			return ok(s.UsageReport(r.Context(), r.PathValue("plan"), q.Get("keyId"), start, end))
		},
	})

	a.route(settings, map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			v, err := s.ListMethodSettings(r.Context(), r.PathValue("api"), r.PathValue("stage"))
			return ok(items(v), err)
		},
	})
	// The method path holds slashes ("pets/{petId}/GET", "*/*"): a trailing wildcard takes them all.
	a.route(settings+"/{path...}", map[string]handler{
		http.MethodGet: func(r *http.Request) (result, error) {
			return ok(s.GetMethodSettings(r.Context(), r.PathValue("api"), r.PathValue("stage"), r.PathValue("path")))
		},
		http.MethodPut: func(r *http.Request) (result, error) {
			in, err := methodSettingsBody(r)
			if err != nil {
				return result{}, err
			}
			pre, err := precondition(r)
			if err != nil {
				return result{}, err
			}
			v, err := s.PutMethodSettings(r.Context(), r.PathValue("api"), r.PathValue("stage"), r.PathValue("path"), in, pre)
			return changed(v, settingsID(r), err)
		},
		http.MethodDelete: del(func(r *http.Request, pre control.Precondition) (string, error) {
			return settingsID(r), s.DeleteMethodSettings(r.Context(), r.PathValue("api"), r.PathValue("stage"), r.PathValue("path"), pre)
		}),
	})
}
