package dataplane

import (
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/vpclink"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// VPC links: integrations with connection_type VPC_LINK look their link's pool up per request
// (integration/vpclink.go), so SetVPCLinks reaches every stage without recompiling it.

func newVPCLinks(opts Options) (*vpclink.Set, error) {
	set := vpclink.NewSet(vpclink.Options{Targets: opts.VPCLinkTargets, Logger: opts.Logger, Now: opts.Now})
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(set.Collector()); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// SetVPCLinks replaces the VPC links' pools. A target that stays keeps its health state.
func (s *Server) SetVPCLinks(links []model.VPCLink) {
	s.vpcLinks.Apply(links)
}
