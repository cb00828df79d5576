package control

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// VPC links are keyed by id and belong to no API. A change reloads the data plane's pools with the
// metering snapshot (OnMeteringChange), so integrations that name a link by id see the change
// without a redeploy, as in API Gateway.

func vpcLinkWhat(id string) string { return "vpc link " + id }

// vpcLinkStatus fills a link's read-only status from the operator's current target mapping: a link
// whose ARN target the mapping lost (after a restart with other --vpc-link-targets) is FAILED.
func (s *Service) vpcLinkStatus(l model.VPCLink) model.VPCLink {
	if _, err := s.opts.VPCLinkTargets.Resolve(l.TargetARNs); err != nil {
		l.Status, l.StatusMessage = model.VPCLinkFailed, err.Error()
	} else {
		l.Status, l.StatusMessage = model.VPCLinkAvailable, model.VPCLinkAvailableMessage
	}
	return l
}

// prepareVPCLink validates a link and refuses targets that resolve to no address.
func (s *Service) prepareVPCLink(in *model.VPCLink) error {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return invalid(err)
	}
	for i, t := range in.TargetARNs {
		if _, err := s.opts.VPCLinkTargets.Resolve([]string{t}); err != nil {
			return badRequest(fmt.Sprintf("target_arns[%d]", i), "%v", err)
		}
	}
	in.Status, in.StatusMessage = "", ""
	return nil
}

func getVPCLink(tx store.Tx, id string) (model.VPCLink, error) {
	l, ver, err := getJSON[model.VPCLink](tx, store.KindVPCLink, "", id, vpcLinkWhat(id))
	l.Version = ver
	return l, err
}

// CreateVPCLink adds a VPC link.
func (s *Service) CreateVPCLink(ctx context.Context, in model.VPCLink) (model.VPCLink, error) {
	if err := s.prepareVPCLink(&in); err != nil {
		return model.VPCLink{}, err
	}
	in.ID = newID()
	in.ARN = "arn:aws:apigateway:" + s.region() + "::/vpclinks/" + in.ID
	err := s.update(ctx, func(t *txn) error {
		var err error
		in.Version, err = putJSON(t, store.KindVPCLink, "", in.ID, in, store.ExpectAbsent, vpcLinkWhat(in.ID))
		t.meteringChanged()
		return err
	})
	return s.vpcLinkStatus(in), err
}

// GetVPCLink returns a VPC link.
func (s *Service) GetVPCLink(ctx context.Context, id string) (model.VPCLink, error) {
	var out model.VPCLink
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = getVPCLink(tx, id)
		return err
	})
	return s.vpcLinkStatus(out), err
}

// ListVPCLinks returns every VPC link, by id.
func (s *Service) ListVPCLinks(ctx context.Context) ([]model.VPCLink, error) {
	var out []model.VPCLink
	err := s.view(ctx, func(tx store.Tx) (err error) {
		out, err = listJSON(tx, store.KindVPCLink, "", "", func(l *model.VPCLink, v int64) { l.Version = v })
		return err
	})
	for i := range out {
		out[i] = s.vpcLinkStatus(out[i])
	}
	return out, err
}

// UpdateVPCLink replaces a link's name, description, targets, tags and balancing settings. Requests
// in flight finish on the targets they picked; the next ones use the new pool.
func (s *Service) UpdateVPCLink(ctx context.Context, id string, in model.VPCLink, pre Precondition) (model.VPCLink, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.VPCLink{}, err
	}
	if err := s.prepareVPCLink(&in); err != nil {
		return model.VPCLink{}, err
	}
	err := s.update(ctx, func(t *txn) error {
		cur, err := getVPCLink(t, id)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", vpcLinkWhat(id))
		}
		in.ID, in.ARN = cur.ID, cur.ARN
		if in.Version, err = putJSON(t, store.KindVPCLink, "", id, in, pre.expect(), vpcLinkWhat(id)); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
	return s.vpcLinkStatus(in), err
}

// DeleteVPCLink deletes a link no integration names (409 otherwise, naming them). An integration that
// reaches it through a stage variable is not seen here: its requests then answer 500.
func (s *Service) DeleteVPCLink(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		users, err := vpcLinkUsers(t, id)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return conflict("%s is used by the integrations of %s; point them elsewhere or delete them first", vpcLinkWhat(id), strings.Join(users, ", "))
		}
		if err := deleteRecord(t, store.KindVPCLink, "", id, pre.expect(), vpcLinkWhat(id)); err != nil {
			return err
		}
		t.meteringChanged()
		return nil
	})
}

// vpcLinkUsers names the integrations ("API/RESOURCE/VERB") whose connection_id is id.
func vpcLinkUsers(tx store.Tx, id string) ([]string, error) {
	apis, err := listJSON[model.RestAPI](tx, store.KindRestAPI, "", "", nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range apis {
		ins, err := listJSON[model.Integration](tx, store.KindIntegration, a.ID, "", nil)
		if err != nil {
			return nil, err
		}
		for _, in := range ins {
			if in.ConnectionType == model.ConnectionVPCLink && in.ConnectionID == id {
				out = append(out, a.ID+"/"+in.ResourceID+"/"+in.HTTPMethod)
			}
		}
	}
	return out, nil
}

// checkConnection refuses an integration that names a VPC link that does not exist (422). A
// ${stageVariables.NAME} reference is resolved per stage, by the data plane.
func checkConnection(tx store.Tx, in model.Integration, what string) error {
	if in.ConnectionType != model.ConnectionVPCLink || strings.HasPrefix(in.ConnectionID, "${") {
		return nil
	}
	if _, err := getVPCLink(tx, in.ConnectionID); IsNotFound(err) {
		return unprocessable("connection_id", "connection_id %q of %s names no VPC link", in.ConnectionID, what)
	} else if err != nil {
		return err
	}
	return nil
}
