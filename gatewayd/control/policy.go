package control

import (
	"context"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/authorize/iampolicy"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// A REST API's resource policy is its policy field; these calls read and write it alone, for
// gatewayd_rest_api_policy.

// checkResourcePolicy refuses (400) a resource policy gatewayd cannot evaluate; "" is no policy.
func checkResourcePolicy(doc string) error {
	if doc == "" {
		return nil
	}
	return checkPolicyDocument("policy", doc, iampolicy.Resource)
}

// RestAPIPolicy is an API's resource policy with the API's version.
type RestAPIPolicy struct {
	RestAPIID string `json:"rest_api_id"`
	Policy    string `json:"policy"`
	Version   int64  `json:"version"`
}

// GetRestAPIPolicy returns an API's resource policy; 404 when it has none.
func (s *Service) GetRestAPIPolicy(ctx context.Context, apiID string) (RestAPIPolicy, error) {
	api, err := s.GetRestAPI(ctx, apiID)
	if err != nil {
		return RestAPIPolicy{}, err
	}
	if api.Policy == "" {
		return RestAPIPolicy{}, notFound("rest api %s has no resource policy", apiID)
	}
	return RestAPIPolicy{RestAPIID: apiID, Policy: api.Policy, Version: api.Version}, nil
}

// PutRestAPIPolicy sets an API's resource policy. pre applies to the API's version.
func (s *Service) PutRestAPIPolicy(ctx context.Context, apiID, doc string, pre Precondition) (RestAPIPolicy, error) {
	if err := (&model.RestAPI{Name: "x", APIKeySource: "HEADER", Policy: doc}).Validate(); err != nil {
		return RestAPIPolicy{}, invalid(err)
	}
	if doc == "" {
		return RestAPIPolicy{}, badRequest("policy", "policy must be an IAM policy document; delete the policy to remove it")
	}
	if err := checkResourcePolicy(doc); err != nil {
		return RestAPIPolicy{}, err
	}
	var out RestAPIPolicy
	err := s.update(ctx, func(t *txn) error {
		cur, err := getAPI(t, apiID)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch && cur.Policy != "" {
			return conflict("rest api %s has a resource policy already", apiID)
		}
		expect := store.AnyVersion
		if pre.IfMatch > 0 {
			expect = pre.IfMatch
		}
		cur.Policy = doc
		if cur.Version, err = putJSON(t, store.KindRestAPI, "", apiID, cur, expect, "rest api "+apiID); err != nil {
			return err
		}
		out = RestAPIPolicy{RestAPIID: apiID, Policy: doc, Version: cur.Version}
		return t.contentChanged(apiID)
	})
	return out, err
}

// DeleteRestAPIPolicy removes an API's resource policy.
func (s *Service) DeleteRestAPIPolicy(ctx context.Context, apiID string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		cur, err := getAPI(t, apiID)
		if err != nil {
			return err
		}
		if cur.Policy == "" {
			return notFound("rest api %s has no resource policy", apiID)
		}
		cur.Policy = ""
		if _, err := putJSON(t, store.KindRestAPI, "", apiID, cur, pre.expect(), "rest api "+apiID); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
}
