package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/upstream"
)

// lambdaEvent is the Lambda proxy integration's event, payload format 1.0.
type lambdaEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  lambdaContext       `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type lambdaContext struct {
	RequestID        string         `json:"requestId"`
	Stage            string         `json:"stage"`
	APIID            string         `json:"apiId"`
	ResourceID       string         `json:"resourceId"`
	ResourcePath     string         `json:"resourcePath"`
	HTTPMethod       string         `json:"httpMethod"`
	Path             string         `json:"path"`
	Protocol         string         `json:"protocol"`
	DomainName       string         `json:"domainName"`
	Identity         lambdaIdentity `json:"identity"`
	RequestTimeEpoch int64          `json:"requestTimeEpoch"`
	AccountID        string         `json:"accountId,omitempty"`
	// Authorizer is what the method's authorizer said: principalId, the context's keys, claims.
	Authorizer map[string]any `json:"authorizer,omitempty"`
}

type lambdaIdentity struct {
	SourceIP  string  `json:"sourceIp"`
	UserAgent string  `json:"userAgent"`
	APIKey    *string `json:"apiKey,omitempty"`
	APIKeyID  *string `json:"apiKeyId,omitempty"`
	AccessKey *string `json:"accessKey,omitempty"`
	AccountID *string `json:"accountId,omitempty"`
	Caller    *string `json:"caller,omitempty"`
	User      *string `json:"user,omitempty"`
	UserArn   *string `json:"userArn,omitempty"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// authorizerOf is requestContext.authorizer as API Gateway passes it to a proxy function: the
// authorizer's context keys, principalId, and for Cognito the token's claims; nil when no authorizer ran.
func authorizerOf(a *apigw.Authorizer) map[string]any {
	if a == nil {
		return nil
	}
	m := make(map[string]any, len(a.Context)+2)
	for k, v := range a.Context {
		m[k] = v
	}
	if a.PrincipalID != "" {
		m["principalId"] = a.PrincipalID
	}
	if a.Claims != nil {
		m["claims"] = a.Claims
	}
	return m
}

// lambdaResult is what a function must answer for the proxy integration.
type lambdaResult struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func nilIfEmpty[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

// isBinary reports whether a content type is one of the API's binary_media_types (with wildcards).
func isBinary(contentType string, binary []string) bool {
	if len(binary) == 0 || contentType == "" {
		return false
	}
	mt := mapping.MediaType(contentType)
	for _, b := range binary {
		if ok, _ := path.Match(strings.ToLower(b), mt); ok {
			return true
		}
	}
	return false
}

func (it *Integration) event(in *mapping.Input) ([]byte, error) {
	req := in.Request
	ev := lambdaEvent{
		Resource:       in.Context.ResourcePath,
		HTTPMethod:     req.Method,
		StageVariables: nilIfEmpty(it.stageVars),
		RequestContext: lambdaContext{
			RequestID:        req.ID,
			Stage:            in.Context.Stage,
			APIID:            in.Context.APIID,
			ResourceID:       in.Context.ResourceID,
			ResourcePath:     in.Context.ResourcePath,
			HTTPMethod:       req.Method,
			Path:             in.Context.Path,
			Protocol:         req.Protocol,
			DomainName:       req.Host,
			Identity:         lambdaIdentity{SourceIP: req.SourceIP, UserAgent: req.Header.Get("User-Agent")},
			RequestTimeEpoch: in.Context.RequestTime.UnixMilli(),
			AccountID:        in.Context.AccountID,
			Authorizer:       authorizerOf(in.Context.Authorizer),
		},
	}
	id, ri := &in.Context.Identity, &ev.RequestContext.Identity
	ri.APIKey, ri.APIKeyID, ri.AccessKey = strOrNil(id.APIKey), strOrNil(id.APIKeyID), strOrNil(id.AccessKey)
	ri.AccountID, ri.Caller, ri.User, ri.UserArn = strOrNil(id.AccountID), strOrNil(id.Caller), strOrNil(id.User), strOrNil(id.UserArn)
	if p, err := url.PathUnescape(req.Path); err == nil {
		ev.Path = p
	} else {
		ev.Path = req.Path
	}
	if len(req.Header) > 0 {
		ev.Headers = make(map[string]string, len(req.Header))
		ev.MultiValueHeaders = make(map[string][]string, len(req.Header))
		for k, vv := range req.Header {
			ev.Headers[k] = vv[len(vv)-1]
			ev.MultiValueHeaders[k] = vv
		}
	}
	if q := in.Query(); len(q) > 0 {
		ev.QueryStringParameters = make(map[string]string, len(q))
		ev.MultiValueQueryStringParameters = q
		for k, vv := range q {
			ev.QueryStringParameters[k] = vv[len(vv)-1]
		}
	}
	if len(in.ParamNames) > 0 {
		ev.PathParameters = make(map[string]string, len(in.ParamNames))
		for i, n := range in.ParamNames {
			v := in.ParamValues[i]
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			ev.PathParameters[n] = v
		}
	}
	if len(req.Body) > 0 {
		var body string
		if isBinary(req.Header.Get("Content-Type"), it.binary) {
			body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(req.Body), true
		} else {
			body = string(req.Body)
		}
		ev.Body = &body
	}
	return json.Marshal(ev)
}

func (it *Integration) awsProxy(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	payload, err := it.event(in)
	if err != nil {
		return nil, gwerror.Internal(fmt.Errorf("encoding lambda event: %w", err))
	}
	target, err := it.uri.Target(func(string) (string, bool) { return "", false }, "")
	if err != nil {
		return nil, gwerror.Internal(err)
	}
	h := http.Header{
		"Content-Type":  {"application/json"},
		RequestIDHeader: {in.Request.ID},
	}
	in.Context.EndpointURI, in.Context.EndpointHeader = target, h
	resp, err := it.call(ctx, &upstream.Request{Method: http.MethodPost, URI: target, Header: h, Body: payload})
	if err != nil {
		return nil, err
	}
	in.Context.IntegrationStatus = resp.Status
	if resp.Status != http.StatusOK {
		return nil, gwerror.BadGateway(fmt.Errorf("lambda invoke answered status %d: %.200s", resp.Status, resp.Body))
	}
	if fe := resp.Header.Get("X-Amz-Function-Error"); fe != "" {
		return nil, gwerror.BadGateway(fmt.Errorf("function error %s: %.200s", fe, resp.Body))
	}
	out, err := lambdaResponse(resp.Body)
	if err == nil {
		in.Context.FunctionStatus = out.Status
	}
	return out, err
}

// lambdaResponse maps a function's answer back; anything but a proxy result is a 502.
func lambdaResponse(body []byte) (*message.Response, error) {
	var res lambdaResult
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&res); err != nil {
		return nil, gwerror.BadGateway(fmt.Errorf("malformed lambda proxy response: %w", err))
	}
	if _, err := dec.Token(); err != io.EOF { // not More, which misses a trailing "}" (FuzzLambdaResponse seed)
		return nil, gwerror.BadGateway(errors.New("malformed lambda proxy response: trailing data"))
	}
	if res.StatusCode == nil {
		return nil, gwerror.BadGateway(errors.New("malformed lambda proxy response: no statusCode"))
	}
	if *res.StatusCode < 100 || *res.StatusCode > 599 {
		return nil, gwerror.BadGateway(fmt.Errorf("malformed lambda proxy response: statusCode %d", *res.StatusCode))
	}
	out := &message.Response{Status: *res.StatusCode, Header: http.Header{}}
	for k, vv := range res.MultiValueHeaders {
		out.Header[http.CanonicalHeaderKey(k)] = vv
	}
	for k, v := range res.Headers {
		out.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	for k := range out.Header {
		if hopByHop[k] || responseSkip[k] {
			delete(out.Header, k)
		}
	}
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			return nil, gwerror.BadGateway(fmt.Errorf("malformed lambda proxy response: body is not base64: %w", err))
		}
		out.Body = b
	} else {
		out.Body = []byte(res.Body)
	}
	if out.Header.Get("Content-Type") == "" {
		out.Header.Set("Content-Type", "application/json")
	}
	return out, nil
}
