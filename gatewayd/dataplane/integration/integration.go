// Package integration calls an method's backend: MOCK, HTTP, HTTP_PROXY and AWS_PROXY (the Lambda proxy
// integration over the Lambda Invoke API). Integrations are compiled once per stage and are safe for
// concurrent use.
package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// RequestIDHeader carries the gateway's request id, to clients and to backends.
const RequestIDHeader = "X-Gatewayd-Request-Id"

// Spec is what an integration is compiled from.
type Spec struct {
	API         model.RestAPI
	Integration model.Integration
	// Responses are the method's integration responses.
	Responses []model.IntegrationResponse
	StageVars map[string]string
}

// Integration is a compiled integration.
type Integration struct {
	kind    string
	method  string
	timeout time.Duration
	// uri is nil when the integration has none.
	uri       *mapping.URI
	params    *mapping.RequestParams
	templates *mapping.RequestTemplates
	responses *mapping.Responses
	binary    []string
	stageVars map[string]string
	client    *upstream.Client
}

// Compile compiles spec; backends are called through client.
func Compile(spec Spec, client *upstream.Client) (*Integration, error) {
	in := spec.Integration
	it := &Integration{
		kind:      in.Type,
		method:    strings.ToUpper(in.IntegrationHTTPMethod),
		timeout:   time.Duration(in.TimeoutMilliseconds) * time.Millisecond,
		binary:    spec.API.BinaryMediaTypes,
		stageVars: spec.StageVars,
		client:    client,
		templates: mapping.CompileRequestTemplates(in.RequestTemplates, in.PassthroughBehavior),
	}
	if it.timeout <= 0 {
		it.timeout = model.DefaultTimeoutMillis * time.Millisecond
	}
	var err error
	if it.params, err = mapping.CompileRequestParams(in.RequestParameters, spec.StageVars); err != nil {
		return nil, err
	}
	if it.responses, err = mapping.CompileResponses(spec.Responses, spec.StageVars); err != nil {
		return nil, err
	}
	switch in.Type {
	case model.IntegrationMock:
	case model.IntegrationHTTP, model.IntegrationHTTPProxy, model.IntegrationAWSProxy:
		if in.URI == "" {
			return nil, fmt.Errorf("%s integration: uri is required", in.Type)
		}
		// A URI that cannot be used with this stage's variables makes the method misconfigured.
		if it.uri, err = mapping.CompileURI(in.URI, spec.StageVars); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported integration type %q", in.Type)
	}
	return it, nil
}

// CallsBackend reports whether Invoke leaves the gateway.
func (it *Integration) CallsBackend() bool { return it.kind != model.IntegrationMock }

// Invoke runs the integration for one method request.
func (it *Integration) Invoke(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	switch it.kind {
	case model.IntegrationMock:
		return it.mock(in)
	case model.IntegrationHTTPProxy:
		return it.httpProxy(ctx, in)
	case model.IntegrationHTTP:
		return it.http(ctx, in)
	case model.IntegrationAWSProxy:
		return it.awsProxy(ctx, in)
	}
	return nil, gwerror.Internal(fmt.Errorf("unsupported integration type %q", it.kind))
}

func (it *Integration) mock(in *mapping.Input) (*message.Response, error) {
	// A MOCK integration's request template only chooses the status code; the passthrough behaviour
	// still refuses content types it does not accept.
	if _, err := it.templates.Body(in.Request.Header.Get("Content-Type"), in.Request.Body); err != nil {
		return nil, err
	}
	r := it.responses.Mock(it.templates.MockStatus(in.Request.Header.Get("Content-Type")))
	if r == nil {
		return nil, gwerror.Internal(errors.New("mock integration has no integration response to answer with"))
	}
	return methodResponse(r, in, nil, in.Request.Header.Get("Accept")), nil
}

// methodResponse builds the client's answer from an integration response and, for HTTP, the backend's.
func methodResponse(r *mapping.Response, in *mapping.Input, backend *message.Response, accept string) *message.Response {
	resp := &message.Response{Status: r.Status, Header: http.Header{}}
	r.Headers(resp.Header, in, backend)
	if body, ct, ok := r.Body(accept); ok {
		resp.Body = body
		if resp.Header.Get("Content-Type") == "" {
			resp.Header.Set("Content-Type", ct)
		}
		return resp
	}
	if backend != nil {
		resp.Body = backend.Body
		if ct := backend.Header.Get("Content-Type"); ct != "" && resp.Header.Get("Content-Type") == "" {
			resp.Header.Set("Content-Type", ct)
		}
	}
	if resp.Header.Get("Content-Type") == "" {
		resp.Header.Set("Content-Type", "application/json")
	}
	return resp
}

// pathParam resolves a URI placeholder: a mapped integration.request.path value, else the method's
// path parameter of the same name.
func pathParam(m mapping.Mapped, in *mapping.Input) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if v, ok := m.Path[name]; ok {
			return v, true
		}
		return in.PathParam(name)
	}
}

func (it *Integration) call(ctx context.Context, req *upstream.Request) (*message.Response, error) {
	req.Scheme, req.Addr, req.Host, req.Timeout = it.uri.Scheme, it.uri.Addr, it.uri.Host, it.timeout
	resp, err := it.client.Do(ctx, req)
	switch {
	case err == nil:
		return resp, nil
	case errors.Is(err, context.Canceled):
		return nil, err // the client went away; there is no one to answer
	case errors.Is(err, upstream.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return nil, gwerror.Timeout(err)
	}
	return nil, gwerror.BadGateway(err)
}

func (it *Integration) http(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	m := it.params.Apply(in)
	target, err := it.uri.Target(pathParam(m, in), m.Query.Encode())
	if err != nil {
		return nil, gwerror.Internal(err)
	}
	ct := in.Request.Header.Get("Content-Type")
	body, err := it.templates.Body(ct, in.Request.Body)
	if err != nil {
		return nil, err
	}
	h := m.Header
	if h == nil {
		h = http.Header{}
	}
	if ct != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", ct)
	}
	h[RequestIDHeader] = []string{in.Request.ID}
	method := it.method
	if method == "" || method == "ANY" {
		method = in.Request.Method
	}
	backend, err := it.call(ctx, &upstream.Request{Method: method, URI: target, Header: h, Body: body})
	if err != nil {
		return nil, err
	}
	r := it.responses.Select(fmt.Sprint(backend.Status))
	if r == nil {
		return nil, gwerror.Internal(fmt.Errorf("no integration response matches backend status %d and none is the default", backend.Status))
	}
	return methodResponse(r, in, backend, in.Request.Header.Get("Accept")), nil
}
