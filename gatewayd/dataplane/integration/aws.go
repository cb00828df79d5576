package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/awsapi"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/message"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// awsCall is how an arn:aws:apigateway URI is called: signed, and for an action with the service's
// protocol.
type awsCall struct {
	target *model.AWSTarget
	signer *awsapi.Signer
	proto  model.AWSProtocol
	// form is a query-protocol action's own parameters: Action, Version and the URI's &NAME=VALUE.
	form string
}

// compileAWS points u at its service's endpoint and makes the signer of the integration's credentials.
func compileAWS(u *mapping.URI, credentials string, client *awsapi.Client) (*awsCall, error) {
	if client == nil {
		return nil, errors.New("integration uri is an AWS ARN, but this data plane has no AWS client")
	}
	t := u.AWS
	ep, err := client.Endpoint(t.Service, t.Region, t.Partition)
	if err != nil {
		return nil, err
	}
	u.OnEndpoint(ep.Scheme, ep.Addr, ep.Host, ep.BasePath)
	c := &awsCall{target: t}
	if c.signer, err = client.Signer(t.Service, t.Region, credentials); err != nil {
		return nil, err
	}
	if t.Action != "" {
		c.proto = model.AWSActionServices[t.Service]
		if !c.proto.JSON {
			// A query-protocol action sends its parameters in the form body, not the URL.
			form := "Action=" + url.QueryEscape(t.Action) + "&Version=" + url.QueryEscape(c.proto.APIVersion)
			if q := u.TakeQuery(); q != "" {
				form += "&" + q
			}
			c.form = form
		}
	}
	return c, nil
}

// awsService runs an AWS integration: the request mapped as an HTTP integration's (templates, request
// parameters), sent signed to the service with the headers its protocol needs; the answer mapped by
// the integration response its status selects, or for a Lambda function by its error message.
func (it *Integration) awsService(ctx context.Context, in *mapping.Input) (*message.Response, error) {
	req, overrides, err := it.request(in)
	if err != nil {
		return nil, err
	}
	c := it.aws
	switch {
	case c.target.FunctionARN != "":
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
	case c.proto.JSON:
		req.Header.Set("X-Amz-Target", c.proto.TargetPrefix+"."+c.target.Action)
		req.Header.Set("Content-Type", "application/x-amz-json-"+c.proto.JSONVersion)
	case c.form != "":
		form := c.form
		if vals, err := url.ParseQuery(string(req.Body)); err == nil && vals.Has("Action") {
			form = "" // the template wrote the whole form
		}
		if len(req.Body) > 0 && form != "" {
			form += "&"
		}
		if req.Method == http.MethodGet {
			req.URI = appendQuery(req.URI, form+string(req.Body))
			req.Body = nil
		} else {
			req.Body = append([]byte(form), req.Body...)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		}
	}
	in.Context.EndpointURI = req.URI
	backend, err := it.call(ctx, req)
	if err != nil {
		return nil, err
	}
	in.Context.IntegrationStatus = backend.Status
	if c.target.FunctionARN != "" {
		return it.lambdaAnswer(in, backend, overrides)
	}
	r := it.responses.Select(strconv.Itoa(backend.Status))
	if r == nil {
		return nil, gwerror.Internal(fmt.Errorf("no integration response matches the %s service's status %d and none is the default", c.target.Service, backend.Status))
	}
	return it.methodResponse(r, in, backend, overrides)
}

func appendQuery(target, q string) string {
	if q == "" {
		return target
	}
	for i := 0; i < len(target); i++ {
		if target[i] == '?' {
			return target + "&" + q
		}
	}
	return target + "?" + q
}

// lambdaAnswer maps a Lambda function's answer without the proxy format, as API Gateway does: the
// payload is the integration's answer; a function error (X-Amz-Function-Error) selects the
// integration response whose selection_pattern matches its errorMessage, else the default one, which
// also answers a success.
func (it *Integration) lambdaAnswer(in *mapping.Input, backend *message.Response, overrides *apigw.Overrides) (*message.Response, error) {
	if backend.Status < 200 || backend.Status > 299 {
		return nil, gwerror.BadGateway(fmt.Errorf("lambda invoke answered status %d: %.200s", backend.Status, backend.Body))
	}
	selector := ""
	if fe := backend.Header.Get("X-Amz-Function-Error"); fe != "" {
		var fnErr struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if err := json.Unmarshal(backend.Body, &fnErr); err == nil {
			selector = fnErr.ErrorMessage
		}
	}
	r := it.responses.Select(selector)
	if r == nil {
		return nil, gwerror.Internal(fmt.Errorf("no integration response matches the function's answer (error message %.200q) and none is the default", selector))
	}
	if backend.Header == nil {
		backend.Header = http.Header{}
	}
	if backend.Header.Get("Content-Type") == "" {
		backend.Header.Set("Content-Type", "application/json")
	}
	return it.methodResponse(r, in, backend, overrides)
}
