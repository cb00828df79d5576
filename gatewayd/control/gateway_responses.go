package control

import (
	"context"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Gateway responses are keyed by response type in their API's scope, as API Gateway addresses them.

func setGatewayResponseVersion(g *model.GatewayResponse, v int64) { g.Version = v }

func gatewayResponseWhat(apiID, typ string) string {
	return "gateway response " + typ + " of rest api " + apiID
}

// PutGatewayResponse creates or replaces the gateway response of one type.
func (s *Service) PutGatewayResponse(ctx context.Context, apiID, typ string, in model.GatewayResponse, pre Precondition) (model.GatewayResponse, error) {
	if err := checkKey("response_type", in.ResponseType, typ); err != nil {
		return model.GatewayResponse{}, err
	}
	in.RestAPIID, in.ResponseType = apiID, typ
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.GatewayResponse{}, invalid(err)
	}
	if err := checkTemplates("response_templates", in.ResponseTemplates); err != nil {
		return model.GatewayResponse{}, err
	}
	err := s.update(ctx, func(t *txn) error {
		if _, err := getAPI(t, apiID); err != nil {
			return err
		}
		var err error
		if in.Version, err = putJSON(t, store.KindGatewayResponse, apiID, typ, in, pre.expect(), gatewayResponseWhat(apiID, typ)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
	return in, err
}

// GetGatewayResponse returns the gateway response of one type.
func (s *Service) GetGatewayResponse(ctx context.Context, apiID, typ string) (model.GatewayResponse, error) {
	var out model.GatewayResponse
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, out.Version, err = getJSON[model.GatewayResponse](tx, store.KindGatewayResponse, apiID, typ, gatewayResponseWhat(apiID, typ))
		return err
	})
	return out, err
}

// ListGatewayResponses returns an API's customized gateway responses.
func (s *Service) ListGatewayResponses(ctx context.Context, apiID string) ([]model.GatewayResponse, error) {
	var out []model.GatewayResponse
	err := s.view(ctx, func(tx store.Tx) (err error) {
		if _, err := getAPI(tx, apiID); err != nil {
			return err
		}
		out, err = listJSON(tx, store.KindGatewayResponse, apiID, "", setGatewayResponseVersion)
		return err
	})
	return out, err
}

// DeleteGatewayResponse deletes a customization: the type answers as API Gateway's default again.
func (s *Service) DeleteGatewayResponse(ctx context.Context, apiID, typ string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if err := deleteRecord(t, store.KindGatewayResponse, apiID, typ, pre.expect(), gatewayResponseWhat(apiID, typ)); err != nil {
			return err
		}
		return t.contentChanged(apiID)
	})
}
