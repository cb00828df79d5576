package control

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model/schema"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Models are keyed by name in their API's scope, as API Gateway addresses them; request validators by id.

func setModelVersion(m *model.Model, v int64)                       { m.Version = v }
func setRequestValidatorVersion(v *model.RequestValidator, n int64) { v.Version = n }

func modelWhat(apiID, name string) string { return "model " + name + " of rest api " + apiID }

func validatorWhat(apiID, id string) string {
	return "request validator " + id + " of rest api " + apiID
}

// defaultModels are the models API Gateway creates with every REST API; configurations name them
// (response_models = { "application/json" = "Empty" } is in most of them).
var defaultModels = []model.Model{
	{Name: "Empty", ContentType: "application/json", Description: "This is a default empty schema model",
		Schema: `{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}`},
	{Name: "Error", ContentType: "application/json", Description: "This is a default error schema model",
		Schema: `{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema", "type": "object", "properties": {"message": {"type": "string"}}}`},
}

// putDefaultModels creates the default models an API lacks.
func putDefaultModels(tx store.Tx, apiID string) error {
	for _, m := range defaultModels {
		if _, err := tx.Get(store.KindModel, apiID, m.Name); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		m.ID, m.RestAPIID = newID(), apiID
		if _, err := putJSON(tx, store.KindModel, apiID, m.Name, m, store.ExpectAbsent, modelWhat(apiID, m.Name)); err != nil {
			return err
		}
	}
	return nil
}

// EnsureDefaultModels gives every API the default models it lacks: APIs made by a gatewayd that did not
// create them. The daemon calls it at start.
func (s *Service) EnsureDefaultModels(ctx context.Context) error {
	apis, err := s.ListRestAPIs(ctx)
	if err != nil {
		return err
	}
	for _, a := range apis {
		var missing bool
		err := s.view(ctx, func(tx store.Tx) error {
			for _, m := range defaultModels {
				if _, err := tx.Get(store.KindModel, a.ID, m.Name); errors.Is(err, store.ErrNotFound) {
					missing = true
				} else if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || !missing {
			if err != nil {
				return err
			}
			continue
		}
		if err := s.update(ctx, func(t *txn) error { return putDefaultModels(t, a.ID) }); err != nil {
			return fmt.Errorf("adding the default models to rest api %s: %w", a.ID, err)
		}
	}
	return nil
}

// checkModels compiles every model of the API as the write leaves them, so that a schema that is not
// JSON Schema draft 4, or refers to a model that does not exist, is refused before it is saved.
func checkModels(tx store.Tx, apiID string) error {
	models, err := listJSON(tx, store.KindModel, apiID, "", setModelVersion)
	if err != nil {
		return err
	}
	if _, err := schema.Compile(apiID, models); err != nil {
		var se *schema.Error
		if errors.As(err, &se) {
			return badRequest("schema", "%v", err)
		}
		return err
	}
	return nil
}

// CreateModel adds a model to an API.
func (s *Service) CreateModel(ctx context.Context, apiID string, in model.Model) (model.Model, error) {
	in.RestAPIID = apiID
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Model{}, invalid(err)
	}
	in.ID = newID()
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		if _, err := t.Get(store.KindModel, apiID, in.Name); err == nil {
			return conflict("%s already exists; import it (ID %s/%s) or choose another name", modelWhat(apiID, in.Name), apiID, in.Name)
		}
		var err error
		if in.Version, err = putJSON(t, store.KindModel, apiID, in.Name, in, store.ExpectAbsent, modelWhat(apiID, in.Name)); err != nil {
			return err
		}
		if err := checkModels(t, apiID); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return in, err
}

// GetModel returns one model.
func (s *Service) GetModel(ctx context.Context, apiID, name string) (model.Model, error) {
	m, err := getOne[model.Model](s, ctx, apiID, store.KindModel, name, modelWhat(apiID, name))
	return m, err
}

// ListModels returns an API's models ordered by name.
func (s *Service) ListModels(ctx context.Context, apiID string) ([]model.Model, error) {
	var out []model.Model
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = listJSON(tx, store.KindModel, apiID, "", setModelVersion)
		return err
	})
	return out, err
}

// UpdateModel replaces a model's description, content type and schema; the name is its key.
func (s *Service) UpdateModel(ctx context.Context, apiID, name string, in model.Model, pre Precondition) (model.Model, error) {
	if err := checkKey("name", in.Name, name); err != nil {
		return model.Model{}, err
	}
	in.RestAPIID, in.Name = apiID, name
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Model{}, invalid(err)
	}
	var out model.Model
	err := s.update(ctx, func(t *txn) error {
		cur, _, err := getJSON[model.Model](t, store.KindModel, apiID, name, modelWhat(apiID, name))
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", modelWhat(apiID, name))
		}
		cur.Description, cur.ContentType, cur.Schema = in.Description, in.ContentType, in.Schema
		if cur.Version, err = putJSON(t, store.KindModel, apiID, name, cur, pre.expect(), modelWhat(apiID, name)); err != nil {
			return err
		}
		if err := checkModels(t, apiID); err != nil {
			return err
		}
		out = cur
		return t.contentChanged(apiID)
	})
	return out, err
}

// DeleteModel deletes a model that no method and no other model refers to (409 otherwise, as in API
// Gateway): a method's request_models or a $ref would otherwise point at nothing.
func (s *Service) DeleteModel(ctx context.Context, apiID, name string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.Model](t, store.KindModel, apiID, name, modelWhat(apiID, name)); err != nil {
			return err
		}
		methods, err := listJSON(t, store.KindMethod, apiID, "", setMethodVersion)
		if err != nil {
			return err
		}
		for _, m := range methods {
			for ct, used := range m.RequestModels {
				if used == name {
					return conflict("%s is the %s request model of method %s of resource %s; change the method first", modelWhat(apiID, name), ct, m.HTTPMethod, m.ResourceID)
				}
			}
		}
		responses, err := listJSON(t, store.KindMethodResponse, apiID, "", setMethodResponseVersion)
		if err != nil {
			return err
		}
		for _, r := range responses {
			for ct, used := range r.ResponseModels {
				if used == name {
					return conflict("%s is the %s model of response %s of method %s of resource %s; change the response first", modelWhat(apiID, name), ct, r.StatusCode, r.HTTPMethod, r.ResourceID)
				}
			}
		}
		models, err := listJSON(t, store.KindModel, apiID, "", setModelVersion)
		if err != nil {
			return err
		}
		for _, other := range models {
			if other.Name != name && slices.Contains(schema.References(apiID, other.Schema), name) {
				return conflict("%s is referred to by the schema of model %s; change that model first", modelWhat(apiID, name), other.Name)
			}
		}
		if err := deleteRecord(t, store.KindModel, apiID, name, pre.expect(), modelWhat(apiID, name)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
}

// CreateRequestValidator adds a request validator to an API.
func (s *Service) CreateRequestValidator(ctx context.Context, apiID string, in model.RequestValidator) (model.RequestValidator, error) {
	in.RestAPIID = apiID
	if err := in.Validate(); err != nil {
		return model.RequestValidator{}, invalid(err)
	}
	in.ID = newID()
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		var err error
		if in.Version, err = putJSON(t, store.KindRequestValidator, apiID, in.ID, in, store.ExpectAbsent, validatorWhat(apiID, in.ID)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return in, err
}

// GetRequestValidator returns one request validator.
func (s *Service) GetRequestValidator(ctx context.Context, apiID, id string) (model.RequestValidator, error) {
	return getOne[model.RequestValidator](s, ctx, apiID, store.KindRequestValidator, id, validatorWhat(apiID, id))
}

// ListRequestValidators returns an API's request validators.
func (s *Service) ListRequestValidators(ctx context.Context, apiID string) ([]model.RequestValidator, error) {
	var out []model.RequestValidator
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = listJSON(tx, store.KindRequestValidator, apiID, "", setRequestValidatorVersion)
		return err
	})
	return out, err
}

// UpdateRequestValidator replaces a validator's name and what it checks.
func (s *Service) UpdateRequestValidator(ctx context.Context, apiID, id string, in model.RequestValidator, pre Precondition) (model.RequestValidator, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.RequestValidator{}, err
	}
	if err := in.Validate(); err != nil {
		return model.RequestValidator{}, invalid(err)
	}
	var out model.RequestValidator
	err := s.update(ctx, func(t *txn) error {
		cur, _, err := getJSON[model.RequestValidator](t, store.KindRequestValidator, apiID, id, validatorWhat(apiID, id))
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", validatorWhat(apiID, id))
		}
		cur.Name, cur.ValidateRequestBody, cur.ValidateRequestParameters = in.Name, in.ValidateRequestBody, in.ValidateRequestParameters
		if cur.Version, err = putJSON(t, store.KindRequestValidator, apiID, id, cur, pre.expect(), validatorWhat(apiID, id)); err != nil {
			return err
		}
		out = cur
		return t.contentChanged(apiID)
	})
	return out, err
}

// DeleteRequestValidator deletes a validator no method names (409 otherwise).
func (s *Service) DeleteRequestValidator(ctx context.Context, apiID, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.RequestValidator](t, store.KindRequestValidator, apiID, id, validatorWhat(apiID, id)); err != nil {
			return err
		}
		methods, err := listJSON(t, store.KindMethod, apiID, "", setMethodVersion)
		if err != nil {
			return err
		}
		for _, m := range methods {
			if m.RequestValidatorID == id {
				return conflict("%s is used by method %s of resource %s; change the method first", validatorWhat(apiID, id), m.HTTPMethod, m.ResourceID)
			}
		}
		if err := deleteRecord(t, store.KindRequestValidator, apiID, id, pre.expect(), validatorWhat(apiID, id)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
}

// checkMethodReferences refuses a method whose request validator or request models do not exist (422).
func checkMethodReferences(tx store.Tx, apiID string, m model.Method) error {
	if m.RequestValidatorID != "" {
		if _, err := tx.Get(store.KindRequestValidator, apiID, m.RequestValidatorID); errors.Is(err, store.ErrNotFound) {
			return unprocessable("request_validator_id", "request_validator_id %q is not a request validator of rest api %s", m.RequestValidatorID, apiID)
		} else if err != nil {
			return err
		}
	}
	if err := checkModelNames(tx, apiID, "request_models", m.RequestModels); err != nil {
		return err
	}
	return checkMethodAuthorizer(tx, apiID, m)
}

// checkModelNames refuses (422) a request_models or response_models map naming a model that does not exist.
func checkModelNames(tx store.Tx, apiID, field string, models map[string]string) error {
	for ct, name := range models {
		if _, err := tx.Get(store.KindModel, apiID, name); errors.Is(err, store.ErrNotFound) {
			return unprocessable(field, "%s[%q] names %q, which is not a model of rest api %s", field, ct, name, apiID)
		} else if err != nil {
			return err
		}
	}
	return nil
}
