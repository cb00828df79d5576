package control

import (
	"context"
	"slices"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Authorizers are keyed by id in their API's scope.

func setAuthorizerVersion(a *model.Authorizer, v int64) { a.Version = v }

func authorizerWhat(apiID, id string) string { return "authorizer " + id + " of rest api " + apiID }

// withAuthorizerARN fills an authorizer's read-only ARN.
func (s *Service) withAuthorizerARN(a model.Authorizer) model.Authorizer {
	a.ARN = "arn:aws:apigateway:" + s.region() + "::/restapis/" + a.RestAPIID + "/authorizers/" + a.ID
	return a
}

// CreateAuthorizer adds an authorizer to an API.
func (s *Service) CreateAuthorizer(ctx context.Context, apiID string, in model.Authorizer) (model.Authorizer, error) {
	in.RestAPIID = apiID
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Authorizer{}, invalid(err)
	}
	in.ID = newID()
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		var err error
		if in.Version, err = putJSON(t, store.KindAuthorizer, apiID, in.ID, in, store.ExpectAbsent, authorizerWhat(apiID, in.ID)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return s.withAuthorizerARN(in), err
}

// GetAuthorizer returns one authorizer.
func (s *Service) GetAuthorizer(ctx context.Context, apiID, id string) (model.Authorizer, error) {
	var out model.Authorizer
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, out.Version, err = getJSON[model.Authorizer](tx, store.KindAuthorizer, apiID, id, authorizerWhat(apiID, id))
		return err
	})
	return s.withAuthorizerARN(out), err
}

// ListAuthorizers returns an API's authorizers.
func (s *Service) ListAuthorizers(ctx context.Context, apiID string) ([]model.Authorizer, error) {
	var out []model.Authorizer
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = listJSON(tx, store.KindAuthorizer, apiID, "", setAuthorizerVersion)
		return err
	})
	for i := range out {
		out[i] = s.withAuthorizerARN(out[i])
	}
	return out, err
}

// UpdateAuthorizer replaces an authorizer's settings. A change of type that the methods using it could
// not keep (a CUSTOM method's authorizer becoming COGNITO_USER_POOLS) is refused with 409.
func (s *Service) UpdateAuthorizer(ctx context.Context, apiID, id string, in model.Authorizer, pre Precondition) (model.Authorizer, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.Authorizer{}, err
	}
	in.ID, in.RestAPIID = id, apiID
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Authorizer{}, invalid(err)
	}
	err := s.update(ctx, func(t *txn) error {
		cur, _, err := getJSON[model.Authorizer](t, store.KindAuthorizer, apiID, id, authorizerWhat(apiID, id))
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", authorizerWhat(apiID, id))
		}
		if cur.Type != in.Type {
			methods, err := listJSON(t, store.KindMethod, apiID, "", setMethodVersion)
			if err != nil {
				return err
			}
			for _, m := range methods {
				if m.AuthorizerID == id && !authorizationFits(m.Authorization, in.Type) {
					return conflict("%s is used by method %s of resource %s with authorization %s, which a %s authorizer cannot serve; change the method first",
						authorizerWhat(apiID, id), m.HTTPMethod, m.ResourceID, m.Authorization, in.Type)
				}
			}
		}
		if in.Version, err = putJSON(t, store.KindAuthorizer, apiID, id, in, pre.expect(), authorizerWhat(apiID, id)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return s.withAuthorizerARN(in), err
}

// DeleteAuthorizer deletes an authorizer no method uses (409 otherwise, as in API Gateway).
func (s *Service) DeleteAuthorizer(ctx context.Context, apiID, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, _, err := getJSON[model.Authorizer](t, store.KindAuthorizer, apiID, id, authorizerWhat(apiID, id)); err != nil {
			return err
		}
		methods, err := listJSON(t, store.KindMethod, apiID, "", setMethodVersion)
		if err != nil {
			return err
		}
		for _, m := range methods {
			if m.AuthorizerID == id {
				return conflict("%s is used by method %s of resource %s; change the method first", authorizerWhat(apiID, id), m.HTTPMethod, m.ResourceID)
			}
		}
		if err := deleteRecord(t, store.KindAuthorizer, apiID, id, pre.expect(), authorizerWhat(apiID, id)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
}

// authorizationFits reports whether a method's authorization can use an authorizer of type typ:
// CUSTOM takes TOKEN and REQUEST authorizers, COGNITO_USER_POOLS (and JWT) COGNITO_USER_POOLS ones.
func authorizationFits(authorization, typ string) bool {
	switch authorization {
	case model.AuthCustom:
		return typ == model.AuthorizerToken || typ == model.AuthorizerRequest
	case model.AuthCognito, model.AuthJWT:
		return typ == model.AuthorizerCognito
	}
	return false
}

// checkMethodAuthorizer refuses (422) a method whose authorizer_id names no authorizer of its API, or
// one its authorization cannot use.
func checkMethodAuthorizer(tx store.Tx, apiID string, m model.Method) error {
	if m.AuthorizerID == "" {
		return nil
	}
	a, _, err := getJSON[model.Authorizer](tx, store.KindAuthorizer, apiID, m.AuthorizerID, authorizerWhat(apiID, m.AuthorizerID))
	if IsNotFound(err) {
		return unprocessable("authorizer_id", "authorizer_id %q is not an authorizer of rest api %s", m.AuthorizerID, apiID)
	} else if err != nil {
		return err
	}
	if !authorizationFits(m.Authorization, a.Type) {
		want := []string{model.AuthCustom}
		if a.Type == model.AuthorizerCognito {
			want = []string{model.AuthCognito, model.AuthJWT}
		}
		return unprocessable("authorization", "authorization %s cannot use authorizer %s, a %s authorizer: use authorization %s",
			m.Authorization, m.AuthorizerID, a.Type, joinOr(want))
	}
	return nil
}

func joinOr(s []string) string {
	s = slices.Clone(s)
	if len(s) == 1 {
		return s[0]
	}
	return s[0] + " or " + s[1]
}
