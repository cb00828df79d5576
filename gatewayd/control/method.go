package control

import (
	"context"
	"fmt"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// checkTemplates parses mapping templates as the data plane will, so that a syntax error is refused
// (400 naming the template, the line and the column) when it is written, not found on a request.
func checkTemplates(field string, templates map[string]string) error {
	for ct, src := range templates {
		if _, err := vtl.Parse(ct, src); err != nil {
			return badRequest(field+"."+ct, "%s[%q]: %v", field, ct, err)
		}
	}
	return nil
}

// MethodID names a method: the API, the resource and the verb.
type MethodID struct{ RestAPIID, ResourceID, HTTPMethod string }

func (m MethodID) key() string { return model.MethodKey(m.ResourceID, m.HTTPMethod) }

func (m MethodID) String() string {
	return fmt.Sprintf("method %s of resource %s of rest api %s", m.HTTPMethod, m.ResourceID, m.RestAPIID)
}

func setMethodVersion(m *model.Method, v int64)                 { m.Version = v }
func setIntegrationVersion(m *model.Integration, v int64)       { m.Version = v }
func setMethodResponseVersion(m *model.MethodResponse, v int64) { m.Version = v }
func setIntegrationResponseVersion(m *model.IntegrationResponse, v int64) {
	m.Version = v
}

// checkKey rejects a body whose identifying field disagrees with the URL.
func checkKey(field, body, url string) error {
	if body != "" && body != url {
		return badRequest(field, "%s %q in the body does not match %q in the URL", field, body, url)
	}
	return nil
}

// getOne reads one object of kind at key within an API, checking the API exists so that a missing API
// and a missing object give distinct messages.
func getOne[T any](s *Service, ctx context.Context, apiID string, kind store.Kind, key, what string) (T, error) {
	var out T
	var ver int64
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, ver, err = getJSON[T](tx, kind, apiID, key, what)
		return err
	})
	return out, setVersionOf(&out, ver, err)
}

// setVersionOf copies a record version into the objects that carry one.
func setVersionOf(v any, ver int64, err error) error {
	switch o := v.(type) {
	case *model.Method:
		o.Version = ver
	case *model.Integration:
		o.Version = ver
	case *model.MethodResponse:
		o.Version = ver
	case *model.IntegrationResponse:
		o.Version = ver
	case *model.Model:
		o.Version = ver
	case *model.RequestValidator:
		o.Version = ver
	}
	return err
}

// putChild writes obj at key after parent confirms what it hangs from exists, in one transaction.
func putChild[T any](s *Service, ctx context.Context, apiID string, kind store.Kind, key, what string,
	parent func(tx store.Tx) error, obj *T, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		if err := parent(t); err != nil {
			return err
		}
		ver, err := putJSON(t, kind, apiID, key, obj, pre.expect(), what)
		if err != nil {
			return err
		}
		_ = setVersionOf(obj, ver, nil)
		return t.contentChanged(apiID)
	})
}

// deleteChild deletes the object at key and everything under the given cascade prefixes.
func deleteChild(s *Service, ctx context.Context, apiID string, kind store.Kind, key, what string, pre Precondition, cascade map[store.Kind]string) error {
	return s.update(ctx, func(t *txn) error {
		if err := deleteRecord(t, kind, apiID, key, pre.expect(), what); err != nil {
			return err
		}
		for k, prefix := range cascade {
			if _, err := t.DeletePrefix(k, apiID, prefix); err != nil {
				return err
			}
		}
		return t.contentChanged(apiID)
	})
}

// PutMethod creates or replaces a method.
func (s *Service) PutMethod(ctx context.Context, id MethodID, in model.Method, pre Precondition) (model.Method, error) {
	if err := checkKey("http_method", in.HTTPMethod, id.HTTPMethod); err != nil {
		return model.Method{}, err
	}
	if err := checkKey("resource_id", in.ResourceID, id.ResourceID); err != nil {
		return model.Method{}, err
	}
	in.RestAPIID, in.ResourceID, in.HTTPMethod = id.RestAPIID, id.ResourceID, id.HTTPMethod
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Method{}, invalid(err)
	}
	err := putChild(s, ctx, id.RestAPIID, store.KindMethod, id.key(), id.String(), func(tx store.Tx) error {
		if _, err := getResource(tx, id.RestAPIID, id.ResourceID); err != nil {
			return err
		}
		return checkMethodReferences(tx, id.RestAPIID, in)
	}, &in, pre)
	return in, err
}

// GetMethod returns one method.
func (s *Service) GetMethod(ctx context.Context, id MethodID) (model.Method, error) {
	return getOne[model.Method](s, ctx, id.RestAPIID, store.KindMethod, id.key(), id.String())
}

// DeleteMethod deletes a method with its integration and responses.
func (s *Service) DeleteMethod(ctx context.Context, id MethodID, pre Precondition) error {
	p := id.key() + "/"
	return deleteChild(s, ctx, id.RestAPIID, store.KindMethod, id.key(), id.String(), pre, map[store.Kind]string{
		store.KindIntegration: id.key(), store.KindMethodResponse: p, store.KindIntegrationResponse: p,
	})
}

func (m MethodID) integrationWhat() string { return "integration of " + m.String() }

// PutIntegration creates or replaces a method's integration.
func (s *Service) PutIntegration(ctx context.Context, id MethodID, in model.Integration, pre Precondition) (model.Integration, error) {
	if err := checkKey("http_method", in.HTTPMethod, id.HTTPMethod); err != nil {
		return model.Integration{}, err
	}
	if err := checkKey("resource_id", in.ResourceID, id.ResourceID); err != nil {
		return model.Integration{}, err
	}
	in.RestAPIID, in.ResourceID, in.HTTPMethod = id.RestAPIID, id.ResourceID, id.HTTPMethod
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Integration{}, invalid(err)
	}
	if err := checkTemplates("request_templates", in.RequestTemplates); err != nil {
		return model.Integration{}, err
	}
	err := putChild(s, ctx, id.RestAPIID, store.KindIntegration, id.key(), id.integrationWhat(), func(tx store.Tx) error {
		if _, _, err := getJSON[model.Method](tx, store.KindMethod, id.RestAPIID, id.key(), id.String()); err != nil {
			return err
		}
		return checkConnection(tx, in, id.integrationWhat())
	}, &in, pre)
	return in, err
}

// GetIntegration returns a method's integration.
func (s *Service) GetIntegration(ctx context.Context, id MethodID) (model.Integration, error) {
	return getOne[model.Integration](s, ctx, id.RestAPIID, store.KindIntegration, id.key(), id.integrationWhat())
}

// DeleteIntegration deletes a method's integration and its integration responses.
func (s *Service) DeleteIntegration(ctx context.Context, id MethodID, pre Precondition) error {
	return deleteChild(s, ctx, id.RestAPIID, store.KindIntegration, id.key(), id.integrationWhat(), pre,
		map[store.Kind]string{store.KindIntegrationResponse: id.key() + "/"})
}

func responseWhat(kind string, id MethodID, status string) string {
	return fmt.Sprintf("%s %s of %s", kind, status, id)
}

// PutMethodResponse creates or replaces a method response.
func (s *Service) PutMethodResponse(ctx context.Context, id MethodID, status string, in model.MethodResponse, pre Precondition) (model.MethodResponse, error) {
	if err := checkKey("status_code", in.StatusCode, status); err != nil {
		return model.MethodResponse{}, err
	}
	if err := checkKey("http_method", in.HTTPMethod, id.HTTPMethod); err != nil {
		return model.MethodResponse{}, err
	}
	in.RestAPIID, in.ResourceID, in.HTTPMethod, in.StatusCode = id.RestAPIID, id.ResourceID, id.HTTPMethod, status
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.MethodResponse{}, invalid(err)
	}
	key := model.ResponseKey(id.ResourceID, id.HTTPMethod, status)
	err := putChild(s, ctx, id.RestAPIID, store.KindMethodResponse, key, responseWhat("method response", id, status), func(tx store.Tx) error {
		if _, _, err := getJSON[model.Method](tx, store.KindMethod, id.RestAPIID, id.key(), id.String()); err != nil {
			return err
		}
		return checkModelNames(tx, id.RestAPIID, "response_models", in.ResponseModels)
	}, &in, pre)
	return in, err
}

// GetMethodResponse returns one method response.
func (s *Service) GetMethodResponse(ctx context.Context, id MethodID, status string) (model.MethodResponse, error) {
	key := model.ResponseKey(id.ResourceID, id.HTTPMethod, status)
	return getOne[model.MethodResponse](s, ctx, id.RestAPIID, store.KindMethodResponse, key, responseWhat("method response", id, status))
}

// DeleteMethodResponse deletes one method response.
func (s *Service) DeleteMethodResponse(ctx context.Context, id MethodID, status string, pre Precondition) error {
	key := model.ResponseKey(id.ResourceID, id.HTTPMethod, status)
	return deleteChild(s, ctx, id.RestAPIID, store.KindMethodResponse, key, responseWhat("method response", id, status), pre, nil)
}

// PutIntegrationResponse creates or replaces an integration response.
func (s *Service) PutIntegrationResponse(ctx context.Context, id MethodID, status string, in model.IntegrationResponse, pre Precondition) (model.IntegrationResponse, error) {
	if err := checkKey("status_code", in.StatusCode, status); err != nil {
		return model.IntegrationResponse{}, err
	}
	if err := checkKey("http_method", in.HTTPMethod, id.HTTPMethod); err != nil {
		return model.IntegrationResponse{}, err
	}
	in.RestAPIID, in.ResourceID, in.HTTPMethod, in.StatusCode = id.RestAPIID, id.ResourceID, id.HTTPMethod, status
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.IntegrationResponse{}, invalid(err)
	}
	if err := checkTemplates("response_templates", in.ResponseTemplates); err != nil {
		return model.IntegrationResponse{}, err
	}
	key := model.ResponseKey(id.ResourceID, id.HTTPMethod, status)
	err := putChild(s, ctx, id.RestAPIID, store.KindIntegrationResponse, key, responseWhat("integration response", id, status), func(tx store.Tx) error {
		if _, _, err := getJSON[model.Integration](tx, store.KindIntegration, id.RestAPIID, id.key(), id.integrationWhat()); err != nil {
			return err
		}
		if in.SelectionPattern != "" {
			return nil
		}
		// The response with no selection pattern is the default; two would leave the choice to chance.
		others, err := listJSON[model.IntegrationResponse](tx, store.KindIntegrationResponse, id.RestAPIID, id.key()+"/", nil)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.StatusCode != status && o.SelectionPattern == "" {
				return conflict("integration response %s of %s is already the default (empty selection_pattern); give this one a selection_pattern, or change that one first", o.StatusCode, id)
			}
		}
		return nil
	}, &in, pre)
	return in, err
}

// GetIntegrationResponse returns one integration response.
func (s *Service) GetIntegrationResponse(ctx context.Context, id MethodID, status string) (model.IntegrationResponse, error) {
	key := model.ResponseKey(id.ResourceID, id.HTTPMethod, status)
	return getOne[model.IntegrationResponse](s, ctx, id.RestAPIID, store.KindIntegrationResponse, key, responseWhat("integration response", id, status))
}

// DeleteIntegrationResponse deletes one integration response.
func (s *Service) DeleteIntegrationResponse(ctx context.Context, id MethodID, status string, pre Precondition) error {
	key := model.ResponseKey(id.ResourceID, id.HTTPMethod, status)
	return deleteChild(s, ctx, id.RestAPIID, store.KindIntegrationResponse, key, responseWhat("integration response", id, status), pre, nil)
}
