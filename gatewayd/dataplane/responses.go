package dataplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/gwerror"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Gateway responses. Every answer the gateway makes itself (a gwerror) has a response type; an API's
// gateway responses (model.GatewayResponse, frozen in its deployments) customize the status, headers
// and body of a type, else of its class (DEFAULT_4XX, DEFAULT_5XX). Without a customization the answer
// is API Gateway's default, {"message": ...} JSON, written without rendering anything.

// gatewayResponses are a stage's compiled gateway responses, by response type.
type gatewayResponses map[string]*gatewayResponse

type gatewayResponse struct {
	// status replaces the answer's status; 0 keeps it.
	status int
	// resp holds the headers (response_parameters) and templates, compiled as an integration
	// response's are.
	resp         *mapping.Response
	hasTemplates bool
}

// compileGatewayResponses compiles a deployment's gateway responses for a stage; nil when there are
// none, so that the renderer's default path stays as it was.
func compileGatewayResponses(rs []model.GatewayResponse, stageVars map[string]string) (gatewayResponses, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	out := make(gatewayResponses, len(rs))
	for _, r := range rs {
		gr := &gatewayResponse{hasTemplates: len(r.ResponseTemplates) > 0}
		status := "200" // a placeholder for compiling; the status is kept apart
		if r.StatusCode != "" {
			n, err := strconv.Atoi(r.StatusCode)
			if err != nil || n < 100 || n > 599 {
				return nil, fmt.Errorf("gateway response %s: invalid status code %q", r.ResponseType, r.StatusCode)
			}
			gr.status, status = n, r.StatusCode
		}
		params := make(map[string]string, len(r.ResponseParameters))
		for k, v := range r.ResponseParameters {
			name, ok := strings.CutPrefix(k, "gatewayresponse.header.")
			if !ok || name == "" {
				return nil, fmt.Errorf("gateway response %s: unsupported response parameter %q", r.ResponseType, k)
			}
			params["method.response.header."+name] = v
		}
		compiled, err := mapping.CompileResponses([]model.IntegrationResponse{{
			StatusCode: status, ResponseParameters: params, ResponseTemplates: r.ResponseTemplates,
		}}, stageVars)
		if err != nil {
			return nil, fmt.Errorf("gateway response %s: %w", r.ResponseType, err)
		}
		gr.resp = compiled.Mock(status)
		out[r.ResponseType] = gr
	}
	return out, nil
}

// lookup returns the customization of ge's type, else of its class, with the status to answer.
func (g gatewayResponses) lookup(ge *gwerror.Error) (*gatewayResponse, int) {
	class := model.ResponseDefault4XX
	if ge.Status >= 500 {
		class = model.ResponseDefault5XX
	}
	if gr := g[ge.Type]; gr != nil && ge.Type != "" {
		if gr.status != 0 {
			return gr, gr.status
		}
		return gr, ge.Status
	}
	if gr := g[class]; gr != nil {
		if gr.status != 0 {
			return gr, gr.status
		}
		return gr, ge.Status
	}
	return nil, ge.Status
}

// writeError is the data plane's one error renderer: every answer the gateway makes itself goes
// through it. ex is the exchange being answered; when it reached a stage whose API customizes the
// answer's type, the customization applies.
func writeError(rw responder, ex *exchange, err error) (int, int) {
	var ge *gwerror.Error
	if !errors.As(err, &ge) {
		ge = gwerror.Internal(err)
	}
	if ge.ErrorType != "" {
		rw.setHeader("X-Amzn-Errortype", errorTypeValue(ge.ErrorType))
	}
	if ge.RetryAfter > 0 {
		rw.setHeader("Retry-After", []string{strconv.Itoa(ge.RetryAfter)})
	}
	if ex != nil && ex.stage != nil && ex.stage.responses != nil {
		if gr, status := ex.stage.responses.lookup(ge); gr != nil {
			return writeCustom(rw, ex, ge, gr, status)
		}
	}
	rw.setHeader("Content-Type", jsonContentType)
	return ge.Status, rw.send(ge.Status, nil, defaultBody(ge))
}

// defaultBody is API Gateway's {"message":$context.error.messageString}.
func defaultBody(ge *gwerror.Error) []byte {
	ms := messageString(ge.Message)
	body := make([]byte, 0, len(ms)+12)
	body = append(body, `{"message":`...)
	body = append(body, ms...)
	return append(body, '}')
}

// messageString is $context.error.messageString: the message as a JSON string, or null when the
// answer has none.
func messageString(msg string) string {
	if msg == "" {
		return "null"
	}
	q, _ := json.Marshal(msg)
	return string(q)
}

// writeCustom answers with an API's gateway response: its headers, then its template for the client's
// Accept header (the default body when it has none).
func writeCustom(rw responder, ex *exchange, ge *gwerror.Error, gr *gatewayResponse, status int) (int, int) {
	if ex.mctx.RequestID == "" {
		ex.baseContext()
	}
	ex.mctx.Error = &apigw.ErrorVars{Message: ge.Message, ResponseType: responseType(ge)}
	if ge.Type == model.ResponseBadRequestBody || ge.Type == model.ResponseBadRequestParameters {
		ex.mctx.Error.ValidationErrorString = ge.Message
	}
	in := mapping.Input{Request: &ex.req, ParamNames: ex.paramNames, ParamValues: ex.params, Context: &ex.mctx}
	if ex.stage != nil {
		in.StageVars = ex.stage.vars
	}
	h := http.Header{}
	gr.resp.Headers(h, &in, nil)
	h, _ = clientHeaders(h)
	body, ct := defaultBody(ge), "application/json"
	if gr.hasTemplates {
		if t, tct, ok := gr.resp.Template(firstHeader(ex.req.Header, "Accept")); ok {
			out, err := mapping.Render(t, &in, nil, "", nil)
			if err == nil {
				body, ct = out.Body, tct
			}
		}
	}
	rw.setHeader("Content-Type", []string{ct})
	return status, rw.send(status, h, body)
}

// responseType is $context.error.responseType: the answer's type, else its class.
func responseType(ge *gwerror.Error) string {
	switch {
	case ge.Type != "":
		return ge.Type
	case ge.Status >= 500:
		return model.ResponseDefault5XX
	}
	return model.ResponseDefault4XX
}

// errorTypes holds one shared header value per x-amzn-ErrorType, so that setting it allocates nothing.
var errorTypes = map[string][]string{}

func errorTypeValue(t string) []string {
	if v, ok := errorTypes[t]; ok {
		return v
	}
	return []string{t}
}

func init() {
	for _, t := range []string{"MissingAuthenticationTokenException", "ForbiddenException", "InternalServerErrorException",
		"UnsupportedMediaTypeException", "TooManyRequestsException", "LimitExceededException", "BadRequestException",
		"UnauthorizedException", "AccessDeniedException", "AuthorizerConfigurationException", "AuthorizerFailureException",
		"InvalidSignatureException", "IncompleteSignatureException", "UnrecognizedClientException"} {
		errorTypes[t] = []string{t}
	}
}
