package integration

import (
	"context"
	"net/http"
	"strings"

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

// forwardable copies h without hop-by-hop headers, those named in Connection, and those in skip.
func forwardable(h http.Header, skip map[string]bool) http.Header {
	out := make(http.Header, len(h)+4)
	var named []string
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				named = append(named, http.CanonicalHeaderKey(f))
			}
		}
	}
	for k, vv := range h {
		if hopByHop[k] || skip[k] {
			continue
		}
		out[k] = vv
	}
	for _, k := range named {
		delete(out, k)
	}
	return out
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
	h := forwardable(req.Header, untrusted)
	for k, vv := range m.Header {
		h[k] = vv
	}
	// One backing array for the gateway's own four values; each slice is capped, so an append copies.
	own := [...]string{req.SourceIP, req.Scheme, req.Host, req.ID}
	h["X-Forwarded-For"] = own[0:1:1]
	h["X-Forwarded-Proto"] = own[1:2:2]
	h["X-Forwarded-Host"] = own[2:3:3]
	h[RequestIDHeader] = own[3:4:4]
	method := it.method
	if method == "" || method == "ANY" {
		method = req.Method
	}
	in.Context.EndpointURI, in.Context.EndpointHeader = target, h
	// The answer leaves out hop-by-hop headers, those its Connection header names, and responseSkip
	// while upstream parses it.
	resp, err := it.call(ctx, &upstream.Request{Method: method, URI: target, Header: h, Body: req.Body, DropResponse: responseDrop})
	if err != nil {
		return nil, err
	}
	in.Context.IntegrationStatus = resp.Status
	return resp, nil
}

// responseSkip are backend headers the gateway sets itself.
var responseSkip = map[string]bool{"Content-Length": true, RequestIDHeader: true}

// responseDrop are the headers of a backend answer an HTTP_PROXY integration does not pass on.
var responseDrop = func() map[string]bool {
	m := make(map[string]bool, len(hopByHop)+len(responseSkip))
	for _, set := range []map[string]bool{hopByHop, responseSkip} {
		for k := range set {
			m[k] = true
		}
	}
	return m
}()
