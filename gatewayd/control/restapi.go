package control

import (
	"context"
	"sort"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

func setAPIVersion(a *model.RestAPI, v int64) { a.Version = v }

// withARNs fills an API's read-only ARNs.
func (s *Service) withARNs(a model.RestAPI) model.RestAPI {
	a.ARN = "arn:aws:apigateway:" + s.region() + "::/restapis/" + a.ID
	a.ExecutionARN = "arn:aws:execute-api:" + s.region() + ":" + model.AccountID + ":" + a.ID
	return a
}

func getAPI(tx store.Tx, id string) (model.RestAPI, error) {
	a, ver, err := getJSON[model.RestAPI](tx, store.KindRestAPI, "", id, "rest api "+id)
	a.Version = ver
	return a, err
}

// CreateRestAPI creates an API, its root resource "/" and, as API Gateway does, the models Empty and Error.
func (s *Service) CreateRestAPI(ctx context.Context, in model.RestAPI) (model.RestAPI, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.RestAPI{}, invalid(err)
	}
	if err := checkResourcePolicy(in.Policy); err != nil {
		return model.RestAPI{}, err
	}
	in.ID = newID()
	in.RootResourceID = newID()
	in.ARN, in.ExecutionARN = "", "" // derived on read, never stored
	in.CreatedDate = s.now()
	err := s.update(ctx, func(t *txn) error {
		ver, err := putJSON(t, store.KindRestAPI, "", in.ID, in, store.ExpectAbsent, "rest api "+in.ID)
		if err != nil {
			return err
		}
		in.Version = ver
		root := model.Resource{ID: in.RootResourceID, RestAPIID: in.ID, Path: "/"}
		if _, err = putJSON(t, store.KindResource, in.ID, root.ID, root, store.ExpectAbsent, "resource "+root.ID); err != nil {
			return err
		}
		return putDefaultModels(t, in.ID)
	})
	return s.withARNs(in), err
}

// GetRestAPI returns one API.
func (s *Service) GetRestAPI(ctx context.Context, id string) (model.RestAPI, error) {
	var a model.RestAPI
	err := s.view(ctx, func(tx store.Tx) (err error) {
		a, err = getAPI(tx, id)
		return err
	})
	return s.withARNs(a), err
}

// ListRestAPIs returns every API, ordered by name then id.
func (s *Service) ListRestAPIs(ctx context.Context) ([]model.RestAPI, error) {
	var out []model.RestAPI
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = listJSON(tx, store.KindRestAPI, "", "", setAPIVersion)
		return err
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := range out {
		out[i] = s.withARNs(out[i])
	}
	return out, err
}

// UpdateRestAPI replaces an API's settable fields.
func (s *Service) UpdateRestAPI(ctx context.Context, id string, in model.RestAPI, pre Precondition) (model.RestAPI, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.RestAPI{}, invalid(err)
	}
	if err := checkResourcePolicy(in.Policy); err != nil {
		return model.RestAPI{}, err
	}
	var out model.RestAPI
	err := s.update(ctx, func(t *txn) error {
		cur, err := getAPI(t, id)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("rest api %s already exists", id)
		}
		cur.Name, cur.Description, cur.APIKeySource = in.Name, in.Description, in.APIKeySource
		cur.BinaryMediaTypes, cur.Tags, cur.Policy = in.BinaryMediaTypes, in.Tags, in.Policy
		cur.MinimumCompressionSize = in.MinimumCompressionSize
		cur.DisableExecuteAPIEndpoint = in.DisableExecuteAPIEndpoint
		ver, err := putJSON(t, store.KindRestAPI, "", id, cur, pre.expect(), "rest api "+id)
		if err != nil {
			return err
		}
		cur.Version = ver
		out = s.withARNs(cur)
		return t.contentChanged(id)
	})
	return out, err
}

// DeleteRestAPI deletes an API with everything in it: resources, methods, deployments, stages and their
// method settings. Usage plans that list its stages lose those entries.
func (s *Service) DeleteRestAPI(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, id); err != nil {
			return err
		}
		stages, err := listJSON[stageRecord](t, store.KindStage, id, "", nil)
		if err != nil {
			return err
		}
		if err := deleteRecord(t, store.KindRestAPI, "", id, pre.expect(), "rest api "+id); err != nil {
			return err
		}
		for _, st := range stages {
			t.stageChanged(id, st.StageName)
		}
		if err := t.dropPlanStages(id, ""); err != nil {
			return err
		}
		return t.DeleteScope(id)
	})
}
