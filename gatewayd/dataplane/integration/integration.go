// Package integration calls a method's backend: MOCK, HTTP, HTTP_PROXY, AWS_PROXY (the Lambda proxy
// integration over the Lambda Invoke API) and AWS (an AWS service action, or a Lambda function without
// the proxy format). Integrations are compiled once per stage and are safe for
// concurrent use.
package integration

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/vpclink"
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
	// AWS resolves and signs calls of arn:aws:apigateway URIs; nil makes them misconfigured.
	AWS *awsapi.Client
	// VPCLinks holds the pools of connection_type VPC_LINK integrations; nil makes them misconfigured.
	VPCLinks *vpclink.Set
	// ClientCertificate is the stage's, presented to the https backends of HTTP and HTTP_PROXY
	// integrations that ask for one; nil presents none.
	ClientCertificate *ClientCertificate
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
	// contentHandling converts the request body: CONVERT_TO_TEXT (binary to base64), CONVERT_TO_BINARY
	// (base64 to binary), or "" to pass it as it is.
	contentHandling string
	stageVars       map[string]string
	client          *upstream.Client
	// aws is set when the uri is an arn:aws:apigateway ARN: calls are signed.
	aws *awsCall
	// vpcLink, when set, is the VPC link whose targets receive the calls (vpclink.go).
	vpcLink *linkCall
	// tls configures an https backend's connections when the defaults do not (tls.go); tlsName names
	// it in the connection pools.
	tls     *tls.Config
	tlsName string
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

		contentHandling: in.ContentHandling,
	}
	if it.timeout <= 0 {
		it.timeout = model.DefaultTimeoutMillis * time.Millisecond
	}
	var err error
	if it.templates, err = mapping.CompileRequestTemplates(in.RequestTemplates, in.PassthroughBehavior); err != nil {
		return nil, err
	}
	if it.params, err = mapping.CompileRequestParams(in.RequestParameters, spec.StageVars); err != nil {
		return nil, err
	}
	if it.responses, err = mapping.CompileResponses(spec.Responses, spec.StageVars); err != nil {
		return nil, err
	}
	switch in.Type {
	case model.IntegrationMock:
	case model.IntegrationHTTP, model.IntegrationHTTPProxy, model.IntegrationAWSProxy, model.IntegrationAWS:
		if in.URI == "" {
			return nil, fmt.Errorf("%s integration: uri is required", in.Type)
		}
		// A URI that cannot be used with this stage's variables makes the method misconfigured.
		if it.uri, err = mapping.CompileURI(in.URI, spec.StageVars); err != nil {
			return nil, err
		}
		if err := model.ValidateIntegrationURIForType(in.Type, model.ResolveStageVariables(in.URI, spec.StageVars)); err != nil {
			return nil, fmt.Errorf("integration uri: %w", err)
		}
		if it.uri.AWS != nil {
			if it.aws, err = compileAWS(it.uri, in.Credentials, spec.AWS); err != nil {
				return nil, err
			}
		} else if it.uri.Scheme == "https" && (in.Type == model.IntegrationHTTP || in.Type == model.IntegrationHTTPProxy) {
			it.tls, it.tlsName = compileTLS(in, it.uri.Addr, spec.ClientCertificate)
		}
		if it.vpcLink, err = compileVPCLink(in, spec); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported integration type %q", in.Type)
	}
	return it, nil
}

// Origin is the scheme://host of the integration's backend, "" for none (MOCK).
func (it *Integration) Origin() string {
	if it.uri == nil {
		return ""
	}
	return it.uri.Scheme + "://" + it.uri.Host
}

// CallsBackend reports whether Invoke leaves the gateway.
func (it *Integration) CallsBackend() bool { return it.kind != model.IntegrationMock }

// Invoke runs the integration for one method request.
func (it *Integration) Invoke(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	in.StageVars = it.stageVars
	switch it.kind {
	case model.IntegrationMock:
		return it.mock(in)
	case model.IntegrationHTTPProxy:
		return it.httpProxy(ctx, in)
	case model.IntegrationHTTP:
		return it.http(ctx, in)
	case model.IntegrationAWSProxy:
		return it.awsProxy(ctx, in)
	case model.IntegrationAWS:
		return it.awsService(ctx, in)
	}
	return nil, gwerror.Internal(fmt.Errorf("unsupported integration type %q", it.kind))
}

// mock answers from the integration responses alone. The request template's output (after the
// passthrough behaviour's check of the content type) chooses the status code, read leniently as API
// Gateway does ({"statusCode": 404}, {statusCode: 404}), and is what the response template's $input
// reads; its $context overrides reach the response template too.
func (it *Integration) mock(in *mapping.Input) (*message.Response, error) {
	req := in.Request
	ct := req.Header.Get("Content-Type")
	tpl, err := it.templates.Select(mapping.MediaType(ct))
	if err != nil {
		return nil, err
	}
	status := ""
	out := apigw.Output{}
	if tpl != nil {
		if out, err = mapping.Render(tpl, in, req.Body, ct, nil); err != nil {
			return nil, err
		}
		if n, ok := apigw.MockStatus(out.Body); ok {
			status = strconv.Itoa(n)
		}
	}
	r := it.responses.Mock(status)
	if r == nil {
		return nil, gwerror.Internal(errors.New("mock integration has no integration response to answer with"))
	}
	backend := &message.Response{Status: r.Status, Header: http.Header{"Content-Type": {"application/json"}}, Body: out.Body}
	return it.methodResponse(r, in, backend, &out.Overrides)
}

// methodResponse builds the client's answer from an integration response and the integration's answer
// (a backend's, or a MOCK's request template output): response parameters, the content handling, the
// response template chosen by the client's Accept header, and the $context.responseOverride values the
// templates set.
func (it *Integration) methodResponse(r *mapping.Response, in *mapping.Input, backend *message.Response, overrides *apigw.Overrides) (*message.Response, error) {
	resp := &message.Response{Status: r.Status, Header: http.Header{}}
	r.Headers(resp.Header, in, backend)
	backendType := backend.Header.Get("Content-Type")
	body := backend.Body
	binary := isBinary(backendType, it.binary)
	if binary && r.ContentHandling == model.ContentHandlingConvertToText {
		body, binary = base64Encode(body), false
	}
	contentType := backendType
	// A binary body passes through untransformed unless it was converted to text.
	if tpl, ct, ok := r.Template(in.Request.Header.Get("Accept")); ok && !binary {
		out, err := mapping.Render(tpl, in, body, backendType, overrides)
		if err != nil {
			return nil, err
		}
		body, contentType, overrides = out.Body, ct, &out.Overrides
	}
	if r.ContentHandling == model.ContentHandlingConvertToBinary && !binary {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(body)))
		if err != nil {
			return nil, gwerror.Internal(fmt.Errorf("integration response %d: CONVERT_TO_BINARY of a body that is not base64: %w", r.Status, err))
		}
		body = b
	}
	resp.Body = body
	if resp.Header.Get("Content-Type") == "" {
		if contentType == "" {
			contentType = "application/json"
		}
		resp.Header.Set("Content-Type", contentType)
	}
	if overrides != nil {
		if overrides.ResponseStatus != 0 {
			resp.Status = overrides.ResponseStatus
		}
		for k, vv := range overrides.ResponseHeader {
			resp.Header[http.CanonicalHeaderKey(k)] = vv
		}
	}
	return resp, nil
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
	req.TLS, req.TLSName = it.tls, it.tlsName
	if it.aws != nil {
		// The signature covers Header: the headers sent go there.
		if req.Set != nil || req.Forward != nil {
			req.Header, req.Set, req.Forward = req.SentHeader(), nil, nil
		}
		if err := it.aws.signer.Sign(ctx, req); err != nil {
			return nil, gwerror.Internal(err)
		}
	}
	var resp *message.Response
	var err error
	if it.vpcLink != nil {
		resp, err = it.vpcLink.do(ctx, it, req)
		if ge := (*gwerror.Error)(nil); errors.As(err, &ge) {
			return nil, err // the link's own answer (no such link)
		}
	} else {
		resp, err = it.client.Do(ctx, req)
	}
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

// http calls an HTTP backend with the request mapped (see request), then maps the backend's answer
// with the integration response its status selects.
func (it *Integration) http(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	req, overrides, err := it.request(in)
	if err != nil {
		return nil, err
	}
	backend, err := it.call(ctx, req)
	if err != nil {
		return nil, err
	}
	in.Context.IntegrationStatus = backend.Status
	r := it.responses.Select(strconv.Itoa(backend.Status))
	if r == nil {
		return nil, gwerror.Internal(fmt.Errorf("no integration response matches backend status %d and none is the default", backend.Status))
	}
	return it.methodResponse(r, in, backend, overrides)
}

// request maps a method request to the backend request of an HTTP or AWS integration: request
// parameters, the content handling, the request template chosen by the Content-Type (and the
// passthrough behaviour) and the $context.requestOverride values it set.
func (it *Integration) request(in *mapping.Input) (*upstream.Request, *apigw.Overrides, error) {
	req := in.Request
	m := it.params.Apply(in)
	ct := req.Header.Get("Content-Type")
	tpl, err := it.templates.Select(mapping.MediaType(ct))
	if err != nil {
		return nil, nil, err
	}
	body := req.Body
	binary := isBinary(ct, it.binary)
	if binary && it.contentHandling == model.ContentHandlingConvertToText {
		body, binary = base64Encode(body), false
	}
	var overrides *apigw.Overrides
	// A binary body passes through untransformed unless it was converted to text.
	if tpl != nil && !binary {
		out, err := mapping.Render(tpl, in, body, ct, nil)
		if err != nil {
			return nil, nil, err
		}
		body, overrides = out.Body, &out.Overrides
	}
	if it.contentHandling == model.ContentHandlingConvertToBinary && !binary {
		if body, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(body))); err != nil {
			return nil, nil, gwerror.BadRequest("Invalid request body", fmt.Errorf("CONVERT_TO_BINARY of a body that is not base64: %w", err))
		}
	}
	h := m.Header
	if h == nil {
		h = http.Header{}
	}
	if ct != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", ct)
	}
	if overrides != nil {
		m.Override(overrides.RequestQuery, overrides.RequestPath)
		for k, vv := range overrides.RequestHeader {
			h[http.CanonicalHeaderKey(k)] = vv
		}
	}
	target, err := it.uri.Target(pathParam(m, in), m.Query.Encode())
	if err != nil {
		return nil, nil, gwerror.Internal(err)
	}
	h[RequestIDHeader] = []string{req.ID}
	method := it.method
	if method == "" || method == "ANY" {
		method = req.Method
	}
	in.Context.EndpointURI, in.Context.EndpointHeader = target, h
	return &upstream.Request{Method: method, URI: target, Header: h, Body: body}, overrides, nil
}

func base64Encode(b []byte) []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}
