package integration

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/vpclink"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// linkCall sends an integration's calls to the targets of a VPC link. As in API Gateway, the uri's
// host then only names the Host header; its scheme, path and query are used as written, unless a
// target names its own scheme (https://host:port).
type linkCall struct {
	id    string
	links *vpclink.Set
}

// compileVPCLink resolves the integration's connection_id with the stage's variables. The link itself
// is looked up per request, so that a link created, changed or deleted later is seen without a
// redeploy.
func compileVPCLink(in model.Integration, spec Spec) (*linkCall, error) {
	if in.ConnectionType != model.ConnectionVPCLink {
		return nil, nil
	}
	id := in.VPCLinkID(spec.StageVars)
	if id == "" {
		return nil, fmt.Errorf("connection_id %s is empty with this stage's variables", in.ConnectionID)
	}
	if spec.VPCLinks == nil {
		return nil, errors.New("VPC links are not available to this data plane")
	}
	return &linkCall{id: id, links: spec.VPCLinks}, nil
}

// do sends req to a target of the link. A target whose connection fails (refused, unreachable: the
// request never reached it) counts as a failure and the request goes to another target, at most once
// per target; any other failure is the answer, since the backend may have acted on the request.
func (l *linkCall) do(ctx context.Context, it *Integration, req *upstream.Request) (*message.Response, error) {
	pool := l.links.Pool(l.id)
	if pool == nil {
		return nil, gwerror.Internal(fmt.Errorf("integration connection_id %q names no VPC link", l.id))
	}
	var tried []*vpclink.Target
	for {
		t, err := pool.Pick(tried)
		if err != nil {
			return nil, gwerror.Internal(fmt.Errorf("VPC link %s: %w", l.id, err))
		}
		req.Scheme, req.Addr = it.uri.Scheme, t.Endpoint.Addr
		if t.Endpoint.Scheme != "" {
			req.Scheme = t.Endpoint.Scheme
		}
		resp, err := it.client.Do(ctx, req)
		cancelled := err != nil && ctx.Err() != nil
		pool.Done(t, !cancelled && (err != nil || resp.Status >= 500))
		if err != nil && !cancelled && isDialError(err) && len(tried)+1 < pool.Len() {
			tried = append(tried, t)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("VPC link %s target %s: %w", l.id, t.Endpoint, err)
		}
		return resp, nil
	}
}

// isDialError reports whether err is a failure to connect, after which the backend has seen nothing.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !op.Timeout()
}
