package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const extGatewayResponses = "x-amazon-apigateway-gateway-responses"

// gatewayResponseDoc is one response type of x-amazon-apigateway-gateway-responses.
type gatewayResponseDoc struct {
	StatusCode         flexString        `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
}

// Model fields of a gateway response and the extension's keys for them.
var gatewayResponseFields = map[string]string{
	"response_type": "", "status_code": "statusCode", "response_parameters": "responseParameters", "response_templates": "responseTemplates",
}

// gatewayResponses reads x-amazon-apigateway-gateway-responses: response type to statusCode,
// responseParameters (gatewayresponse.header.NAME) and responseTemplates, checked as the admin API
// checks gatewayd_gateway_response.
func (im *importer) gatewayResponses(ptr string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errAt(ptr, "%v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return errAt(ptr, "must map response types (such as UNAUTHORIZED) to {statusCode, responseParameters, responseTemplates}: %v", err)
	}
	im.def.GatewayResponses = []model.GatewayResponse{}
	for _, typ := range sortedKeys(raw) {
		rp := ptr + "/" + escape(typ)
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw[typ], &keys); err != nil {
			return errAt(rp, "must be an object: %v", err)
		}
		for _, k := range sortedKeys(keys) {
			if k != "statusCode" && k != "responseParameters" && k != "responseTemplates" && k != "defaultResponse" {
				im.warn(rp+"/"+escape(k), "unknown key of a gateway response; it is left out")
			}
		}
		var d gatewayResponseDoc
		if err := json.NewDecoder(bytes.NewReader(raw[typ])).Decode(&d); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				return errAt(rp+"/"+strings.ReplaceAll(te.Field, ".", "/"), "must be %s, got %s", te.Type, te.Value)
			}
			return errAt(rp, "%v", err)
		}
		g := model.GatewayResponse{ResponseType: typ, StatusCode: string(d.StatusCode), ResponseParameters: d.ResponseParameters,
			ResponseTemplates: d.ResponseTemplates}
		g.Normalize()
		if err := g.Validate(); err != nil {
			return fieldErrAt(rp, err, gatewayResponseFields)
		}
		if err := checkTemplates(rp+"/responseTemplates", g.ResponseTemplates); err != nil {
			return err
		}
		im.def.GatewayResponses = append(im.def.GatewayResponses, g)
		im.def.Pointers[model.DefinitionKey("gateway_response", typ)] = rp
	}
	return nil
}

// exportGatewayResponses writes x-amazon-apigateway-gateway-responses as API Gateway does, empty
// fields left out.
func exportGatewayResponses(responses []model.GatewayResponse) map[string]any {
	out := map[string]any{}
	for _, g := range responses {
		e := map[string]any{}
		if g.StatusCode != "" {
			e["statusCode"] = g.StatusCode
		}
		if len(g.ResponseParameters) > 0 {
			e["responseParameters"] = g.ResponseParameters
		}
		if len(g.ResponseTemplates) > 0 {
			e["responseTemplates"] = g.ResponseTemplates
		}
		out[g.ResponseType] = e
	}
	return out
}
