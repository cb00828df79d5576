package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

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

// do sends req to a target of the link. A target whose connection fails counts a failure, and the
// request goes to another target (at most once per target) when the backend cannot have acted on it
// (the connection was refused) or when acting twice is harmless (an idempotent method whose
// connection broke before an answer, as nginx's proxy_next_upstream does by default). A timeout, an
// answer, or a broken non-idempotent request is the answer.
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
		if err == nil {
			pool.Done(t, resp.Status >= 500)
			return resp, nil
		}
		failed, retry := false, false
		switch {
		case ctx.Err() != nil: // the client went away: says nothing of the target
		case errors.Is(err, upstream.ErrTimeout):
			failed = true
		case isDialError(err):
			failed, retry = true, true
		case isBrokenConnection(err):
			failed, retry = true, idempotent(req.Method)
		}
		pool.Done(t, failed)
		if retry && len(tried)+1 < pool.Len() {
			tried = append(tried, t)
			continue
		}
		return nil, fmt.Errorf("VPC link %s target %s: %w", l.id, t.Endpoint, err)
	}
}

// isDialError reports whether err is a failure to connect, after which the backend has seen nothing.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !op.Timeout()
}

// isBrokenConnection reports whether err is a connection that failed before an answer (reset, closed,
// a network error), as opposed to a request gatewayd refused to send or an answer it could not use.
func isBrokenConnection(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// idempotent reports whether sending a request twice is harmless (RFC 9110, 9.2.2).
func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE":
		return true
	}
	return false
}
