package control

import (
	"context"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// APIConfig reads an API's whole current configuration (what its next deployment would freeze) in one
// read transaction, for the web console's resource tree.
func (s *Service) APIConfig(ctx context.Context, apiID string) (*model.Snapshot, error) {
	var snap *model.Snapshot
	err := s.view(ctx, func(tx store.Tx) (err error) {
		snap, err = snapshot(tx, apiID)
		return err
	})
	return snap, err
}
