package integration

import (
	"context"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
)

// hopByHop are the headers of one connection (RFC 9110, 7.6.1), never forwarded.
var hopByHop = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
}

// untrusted are the client's claims about the path a request took; the gateway states its own.
var untrusted = map[string]bool{
	"X-Forwarded-For":   true,
	"X-Forwarded-Proto": true,
	"X-Forwarded-Host":  true,
	"X-Forwarded-Port":  true,
	"Forwarded":         true,
	"X-Real-Ip":         true,
	"Host":              true,
	"Content-Length":    true,
	"Expect":            true,
	RequestIDHeader:     true,
}

// forwardSkip are the client's headers an HTTP_PROXY request does not forward: hop-by-hop and
// untrusted ones (and, upstream applies that rule, those its Connection header names).
var forwardSkip = union(hopByHop, untrusted)

func union(sets ...map[string]bool) map[string]bool {
	m := make(map[string]bool)
	for _, set := range sets {
		for k := range set {
			m[k] = true
		}
	}
	return m
}

// proxyCall is the backend request of an HTTP_PROXY call with the gateway's own headers: one
// allocation for both.
type proxyCall struct {
	req upstream.Request
	own [4]upstream.Field
}

func (it *Integration) httpProxy(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	req := in.Request
	m := it.params.Apply(in)
	query := req.RawQuery
	if len(m.Query) > 0 {
		if query != "" {
			query += "&"
		}
		query += m.Query.Encode()
	}
	target, err := it.uri.Target(pathParam(m, in), query)
	if err != nil {
		return nil, gwerror.Internal(err)
	}
	method := it.method
	if method == "" || method == "ANY" {
		method = req.Method
	}
	// The client's headers are forwarded as upstream writes the request, not copied into a map of
	// their own; the mapped ones override them, and the gateway's own win over both. The answer
	// leaves out hop-by-hop headers, those its Connection header names, and responseSkip while
	// upstream parses it.
	pc := &proxyCall{own: [...]upstream.Field{
		{Name: "X-Forwarded-For", Value: req.SourceIP},
		{Name: "X-Forwarded-Proto", Value: req.Scheme},
		{Name: "X-Forwarded-Host", Value: req.Host},
		{Name: RequestIDHeader, Value: req.ID},
	}}
	pc.req = upstream.Request{Method: method, URI: target, Header: m.Header, Forward: req.Header, ForwardSkip: forwardSkip,
		Body: req.Body, DropResponse: responseDrop}
	pc.req.Set = pc.own[:]
	// The execution log builds the headers sent only when it is on (upstream.Request.SentHeader).
	in.Context.EndpointURI, in.Context.EndpointRequest = target, &pc.req
	resp, err := it.call(ctx, &pc.req)
	if err != nil {
		return nil, err
	}
	in.Context.IntegrationStatus = resp.Status
	return resp, nil
}

// responseSkip are backend headers the gateway sets itself.
var responseSkip = map[string]bool{"Content-Length": true, RequestIDHeader: true}

// responseDrop are the headers of a backend answer an HTTP_PROXY integration does not pass on.
var responseDrop = union(hopByHop, responseSkip)
