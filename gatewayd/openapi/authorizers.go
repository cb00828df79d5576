package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// authorizerDoc is x-amazon-apigateway-authorizer on a security scheme, as API Gateway exports it.
// Audiences is gatewayd's own (the admin API's audiences of a COGNITO_USER_POOLS authorizer whose
// provider is an OpenID Connect issuer URL); API Gateway has no such key.
type authorizerDoc struct {
	Type                         string          `json:"type"`
	AuthorizerURI                string          `json:"authorizerUri"`
	AuthorizerCredentials        string          `json:"authorizerCredentials"`
	IdentitySource               string          `json:"identitySource"`
	IdentityValidationExpression string          `json:"identityValidationExpression"`
	AuthorizerResultTTLInSeconds json.RawMessage `json:"authorizerResultTtlInSeconds"`
	ProviderARNs                 []string        `json:"providerARNs"`
	Audiences                    []string        `json:"audiences"`
}

// Keys of x-amazon-apigateway-authorizer that gatewayd does not use (HTTP APIs' keys), with why.
var authorizerLeftOut = map[string]string{
	"authorizerPayloadFormatVersion": "payload format versions are HTTP APIs' (REST API authorizers get API Gateway's 1.0 input)",
	"enableSimpleResponses":          "simple responses are HTTP APIs' (REST API authorizers answer with a policy)",
	"jwtConfiguration":               "jwtConfiguration is HTTP APIs' (REST APIs use cognito_user_pools with providerARNs)",
}

// Model fields of an authorizer and the extension's keys for them.
var authorizerFields = map[string]string{
	"type": "type", "authorizer_uri": "authorizerUri", "authorizer_credentials": "authorizerCredentials",
	"identity_source": "identitySource", "identity_validation_expression": "identityValidationExpression",
	"authorizer_result_ttl_in_seconds": "authorizerResultTtlInSeconds", "provider_arns": "providerARNs", "audiences": "audiences",
}

// authorizerKeys are the keys of x-amazon-apigateway-authorizer that gatewayd reads.
var authorizerKeys = func() map[string]bool {
	out := map[string]bool{}
	for _, k := range authorizerFields {
		out[k] = true
	}
	return out
}()

// authorizer reads the authorizer a security scheme defines with x-amazon-apigateway-authorizer: its
// name is the scheme's, and a TOKEN or COGNITO_USER_POOLS authorizer without identitySource reads its
// token from the scheme's header (the apiKey scheme's name), as API Gateway does.
func (im *importer) authorizer(name string, ss *openapi3.SecurityScheme, authType string) error {
	ptr := pointer("components", "securitySchemes", name)
	ext := ptr + "/" + extAuthorizer
	b, err := json.Marshal(ss.Extensions[extAuthorizer])
	if err != nil {
		return errAt(ext, "%v", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return errAt(ext, "must be an object: %v", err)
	}
	var d authorizerDoc
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&d); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errAt(ext+"/"+strings.ReplaceAll(te.Field, ".", "/"), "must be %s, got %s", te.Type, te.Value)
		}
		return errAt(ext, "%v", err)
	}
	for _, k := range sortedKeys(keys) {
		if _, ok := authorizerLeftOut[k]; ok {
			im.warn(ext+"/"+escape(k), "%s; it is left out", authorizerLeftOut[k])
		} else if !authorizerKeys[k] {
			im.warn(ext+"/"+escape(k), "unknown key of %s; it is left out", extAuthorizer)
		}
	}
	a := model.Authorizer{Name: name, Type: strings.ToUpper(d.Type), AuthorizerURI: d.AuthorizerURI,
		AuthorizerCredentials: d.AuthorizerCredentials, IdentitySource: d.IdentitySource,
		IdentityValidationExpression: d.IdentityValidationExpression, ProviderARNs: d.ProviderARNs, Audiences: d.Audiences}
	if d.Type == "" {
		return errAt(ext+"/type", "is required: token, request or cognito_user_pools")
	}
	if !slices.Contains(model.AuthorizerTypes, a.Type) {
		return errAt(ext+"/type", "must be token, request or cognito_user_pools, got %q", d.Type)
	}
	if raw := d.AuthorizerResultTTLInSeconds; raw != nil && string(raw) != "null" {
		var ttl int32
		if err := json.Unmarshal(raw, &ttl); err != nil {
			return errAt(ext+"/authorizerResultTtlInSeconds", "must be a whole number of seconds, got %s", raw)
		}
		a.AuthorizerResultTTLInSeconds = new(int(ttl))
	}
	// x-amazon-apigateway-authtype says which authorization the methods get: it must agree with the type.
	switch {
	case authType == "":
	case strings.EqualFold(authType, "custom") && (a.Type == model.AuthorizerToken || a.Type == model.AuthorizerRequest):
	case strings.EqualFold(authType, "cognito_user_pools") && a.Type == model.AuthorizerCognito:
	default:
		return errAt(ptr+"/"+extAuthType, "is %q, which does not fit an authorizer of type %s (custom is for token and request, cognito_user_pools for cognito_user_pools)",
			authType, d.Type)
	}
	sourcePtr := ext + "/identitySource"
	if a.IdentitySource == "" && a.Type != model.AuthorizerRequest {
		// The token's header is the scheme's: {"type": "apiKey", "in": "header", "name": "Authorization"}.
		if ss.Type != "apiKey" || ss.In != "header" || ss.Name == "" {
			return errAt(ptr, "a %s authorizer reads its token from a header: the scheme must be {\"type\": \"apiKey\", \"in\": \"header\", \"name\": HEADER} "+
				"(or its %s must have identitySource)", a.Type, extAuthorizer)
		}
		a.IdentitySource = "method.request.header." + ss.Name
		sourcePtr = ptr + "/name"
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		var fe *model.FieldError
		switch {
		case errors.As(err, &fe) && fe.Field == "identity_source":
			return errAt(sourcePtr, "%s", fe.Message)
		case errors.As(err, &fe) && fe.Field == "name":
			return errAt(ptr, "the scheme's name is the authorizer's name, which %s", fe.Message)
		}
		return fieldErrAt(ext, err, authorizerFields)
	}
	im.def.Authorizers = append(im.def.Authorizers, a)
	im.def.Pointers[model.DefinitionKey("authorizer", name)] = ext
	im.authorizerTypes[name] = a.Type
	return nil
}

// exportAuthorizers returns the authorizers as security schemes by authorizer id, named after them,
// as API Gateway's export writes them: with withExt (the authorizers extension) they carry
// x-amazon-apigateway-authtype and x-amazon-apigateway-authorizer, and all are written to doc; without
// it they only say where the token is, are written where a method requires them, and Import refuses
// such methods rather than open them.
func exportAuthorizers(doc *openapi3.T, authorizers []model.Authorizer, withExt bool) map[string]namedScheme {
	out := map[string]namedScheme{}
	taken := map[string]bool{"api_key": true, "sigv4": true}
	for _, a := range authorizers {
		name := a.Name
		if taken[name] {
			name += "-" + a.ID // names need not be unique in an API; scheme names must
		}
		taken[name] = true
		ss := &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "Unused"}
		if h, ok := strings.CutPrefix(strings.TrimSpace(a.IdentitySource), "method.request.header."); ok && a.Type != model.AuthorizerRequest {
			ss.Name = h
		}
		out[a.ID] = namedScheme{name, ss}
		if !withExt {
			continue
		}
		authType := "custom"
		if a.Type == model.AuthorizerCognito {
			authType = "cognito_user_pools"
		}
		ext := map[string]any{"type": strings.ToLower(a.Type), "authorizerResultTtlInSeconds": a.TTL()}
		set := func(k, v string) {
			if v != "" {
				ext[k] = v
			}
		}
		set("authorizerUri", a.AuthorizerURI)
		set("authorizerCredentials", a.AuthorizerCredentials)
		set("identityValidationExpression", a.IdentityValidationExpression)
		if a.Type == model.AuthorizerRequest {
			set("identitySource", a.IdentitySource)
		}
		if len(a.ProviderARNs) > 0 {
			ext["providerARNs"] = a.ProviderARNs
		}
		if len(a.Audiences) > 0 {
			ext["audiences"] = a.Audiences
		}
		ss.Extensions = map[string]any{extAuthType: authType, extAuthorizer: ext}
		doc.Components.SecuritySchemes[name] = &openapi3.SecuritySchemeRef{Value: ss}
	}
	return out
}

// namedScheme is an authorizer's security scheme and its name.
type namedScheme struct {
	name   string
	scheme *openapi3.SecurityScheme
}
