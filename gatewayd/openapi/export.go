package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Export types, as API Gateway's GetExport names them.
const (
	TypeOAS30   = "oas30"
	TypeSwagger = "swagger"
)

// Export extensions, as API Gateway's GetExport names them.
const (
	// ExtIntegrations adds x-amazon-apigateway-integration to every operation that has one.
	ExtIntegrations = "integrations"
	// ExtAuthorizers adds the authorizers to their security schemes (x-amazon-apigateway-authorizer).
	// Without it a method's authorizer is a plain apiKey scheme, which Import refuses.
	ExtAuthorizers = "authorizers"
	// ExtAPIGateway adds every API Gateway extension: integrations, authorizers, request validators,
	// gateway responses, the resource policy, binary media types, the API key source and the SigV4
	// scheme. Import of such an export rebuilds the API.
	ExtAPIGateway = "apigateway"
)

// ExportOptions tune Export.
type ExportOptions struct {
	// Extensions are the extensions to add (ExtIntegrations, ExtAuthorizers, ExtAPIGateway).
	Extensions []string
	// ServerURL is the stage's invoke URL, the document's server.
	ServerURL string
	// Documentation, when set, is written as x-amazon-apigateway-documentation (documentation.go),
	// whatever the extensions.
	Documentation *model.DocumentationExport
}

func (o ExportOptions) has(ext string) bool {
	for _, e := range o.Extensions {
		if e == ext || e == ExtAPIGateway {
			return true
		}
	}
	return false
}

// CheckExtensions refuses extensions that Export does not know, and postman, which it does not write.
func CheckExtensions(exts []string) error {
	for _, e := range exts {
		switch e {
		case ExtIntegrations, ExtAuthorizers, ExtAPIGateway:
		case "postman":
			return fmt.Errorf("the postman extensions are not supported by gatewayd; use integrations, authorizers or apigateway")
		default:
			return fmt.Errorf("unknown extension %q: use integrations, authorizers or apigateway", e)
		}
	}
	return nil
}

// Export writes a deployment's snapshot as an OpenAPI 3.0 document. Its info.version is a digest of
// the document (servers aside), so an unchanged API keeps its version across deployments and APIs.
func Export(snap *model.Snapshot, opts ExportOptions) (*openapi3.T, error) {
	api := snap.RestAPI
	doc := &openapi3.T{
		OpenAPI:    "3.0.1",
		Info:       &openapi3.Info{Title: api.Name, Description: api.Description},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
		Extensions: map[string]any{},
	}
	validators := map[string]string{}
	for _, v := range snap.RequestValidators {
		validators[v.ID] = v.Name
	}
	if opts.has(ExtAPIGateway) {
		if len(snap.RequestValidators) > 0 {
			vs := map[string]any{}
			for _, v := range snap.RequestValidators {
				vs[v.Name] = map[string]bool{"validateRequestBody": v.ValidateRequestBody, "validateRequestParameters": v.ValidateRequestParameters}
			}
			doc.Extensions[extValidators] = vs
		}
		if len(api.BinaryMediaTypes) > 0 {
			doc.Extensions[extBinaryMediaTypes] = api.BinaryMediaTypes
		}
		doc.Extensions[extAPIKeySource] = api.APIKeySource
		if api.MinimumCompressionSize != nil {
			doc.Extensions[extMinCompression] = *api.MinimumCompressionSize
		}
		if api.Policy != "" {
			doc.Extensions[extPolicy] = exportPolicy(api.Policy)
		}
		if len(snap.GatewayResponses) > 0 {
			doc.Extensions[extGatewayResponses] = exportGatewayResponses(snap.GatewayResponses)
		}
	}
	for _, m := range snap.Models {
		s, err := exportSchema(api.ID, m.Schema)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name, err)
		}
		doc.Components.Schemas[m.Name] = s
	}

	paths := map[string]string{}
	for _, r := range snap.Resources {
		paths[r.ID] = r.Path
	}
	integrations := map[string]model.Integration{}
	for _, in := range snap.Integrations {
		integrations[model.MethodKey(in.ResourceID, in.HTTPMethod)] = in
	}
	methodResponses := map[string][]model.MethodResponse{}
	for _, r := range snap.MethodResponses {
		k := model.MethodKey(r.ResourceID, r.HTTPMethod)
		methodResponses[k] = append(methodResponses[k], r)
	}
	integrationResponses := map[string][]model.IntegrationResponse{}
	for _, r := range snap.IntegrationResponses {
		k := model.MethodKey(r.ResourceID, r.HTTPMethod)
		integrationResponses[k] = append(integrationResponses[k], r)
	}
	schemes := exportAuthorizers(doc, snap.Authorizers, opts.has(ExtAuthorizers))
	methods := append([]model.Method(nil), snap.Methods...)
	sort.Slice(methods, func(i, j int) bool {
		pi, pj := paths[methods[i].ResourceID], paths[methods[j].ResourceID]
		return pi < pj || pi == pj && methods[i].HTTPMethod < methods[j].HTTPMethod
	})
	for _, m := range methods {
		path, ok := paths[m.ResourceID]
		if !ok {
			continue
		}
		k := model.MethodKey(m.ResourceID, m.HTTPMethod)
		op := exportOperation(doc, path, m, validators, schemes, methodResponses[k], opts)
		if in, ok := integrations[k]; ok && opts.has(ExtIntegrations) {
			op.Extensions[extIntegration] = exportIntegration(in, integrationResponses[k])
		}
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{Extensions: map[string]any{}}
			doc.Paths.Set(path, item)
		}
		if m.HTTPMethod == "ANY" {
			item.Extensions[extAnyMethod] = op
		} else {
			item.SetOperation(m.HTTPMethod, op)
		}
	}
	if len(doc.Components.SecuritySchemes) == 0 {
		doc.Components.SecuritySchemes = nil
	}
	if opts.Documentation != nil {
		doc.Extensions[extDocumentation] = exportDocumentation(opts.Documentation)
	}
	// The version is a digest of the document as it stands, before its servers are added.
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("writing the document: %w", err)
	}
	sum := sha256.Sum256(body)
	doc.Info.Version = hex.EncodeToString(sum[:6])
	if opts.ServerURL != "" {
		doc.Servers = openapi3.Servers{{URL: opts.ServerURL}}
	}
	return doc, nil
}

// exportSchema turns a model's schema into a component schema, its model URLs into $refs.
func exportSchema(apiID, schema string) (*openapi3.SchemaRef, error) {
	schema = strings.ReplaceAll(schema, model.ModelURL(apiID, ""), schemaRefPrefix)
	var probe map[string]any
	if err := json.Unmarshal([]byte(schema), &probe); err != nil {
		return nil, fmt.Errorf("schema is not a JSON object: %w", err)
	}
	if ref, ok := probe["$ref"].(string); ok && len(probe) == 1 {
		return &openapi3.SchemaRef{Ref: ref}, nil
	}
	var s openapi3.Schema
	if err := json.Unmarshal([]byte(schema), &s); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return &openapi3.SchemaRef{Value: &s}, nil
}

func exportOperation(doc *openapi3.T, path string, m model.Method, validators map[string]string, schemes map[string]namedScheme,
	responses []model.MethodResponse, opts ExportOptions) *openapi3.Operation {
	op := &openapi3.Operation{OperationID: m.OperationName, Extensions: map[string]any{}, Responses: openapi3.NewResponsesWithCapacity(len(responses))}
	// Path parameters come from the path (OpenAPI requires them), then the declared ones.
	params := map[string]*openapi3.Parameter{}
	for part := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		if name := model.ParamName(part); name != "" {
			params["path "+name] = &openapi3.Parameter{Name: name, In: "path", Required: true}
		}
	}
	for k, required := range m.RequestParameters {
		rest, _ := strings.CutPrefix(k, "method.request.")
		where, name, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		switch where {
		case "querystring", "multivaluequerystring":
			where = "query"
		case "header", "multivalueheader":
			where = "header"
		case "path":
			required = true
		default:
			continue
		}
		params[where+" "+name] = &openapi3.Parameter{Name: name, In: where, Required: required}
	}
	for _, k := range sortedKeys(params) {
		p := params[k]
		p.Schema = openapi3.NewStringSchema().NewRef()
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: p})
	}
	if len(m.RequestModels) > 0 {
		content := openapi3.Content{}
		for ct, name := range m.RequestModels {
			content[ct] = &openapi3.MediaType{Schema: &openapi3.SchemaRef{Ref: schemaRefPrefix + name}}
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{Required: true, Content: content}}
	}
	for _, r := range responses {
		desc := r.StatusCode + " response"
		resp := &openapi3.Response{Description: &desc}
		for k, required := range r.ResponseParameters {
			name, ok := strings.CutPrefix(k, "method.response.header.")
			if !ok {
				continue
			}
			if resp.Headers == nil {
				resp.Headers = openapi3.Headers{}
			}
			resp.Headers[name] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Required: required, Schema: openapi3.NewStringSchema().NewRef()}}}
		}
		if len(r.ResponseModels) > 0 {
			resp.Content = openapi3.Content{}
			for ct, name := range r.ResponseModels {
				resp.Content[ct] = &openapi3.MediaType{Schema: &openapi3.SchemaRef{Ref: schemaRefPrefix + name}}
			}
		}
		op.Responses.Set(r.StatusCode, &openapi3.ResponseRef{Value: resp})
	}
	var security openapi3.SecurityRequirements
	if m.APIKeyRequired {
		doc.Components.SecuritySchemes["api_key"] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{Type: "apiKey", Name: "x-api-key", In: "header"}}
		security = append(security, openapi3.SecurityRequirement{"api_key": []string{}})
	}
	switch m.Authorization {
	case model.AuthIAM:
		ss := &openapi3.SecurityScheme{Type: "apiKey", Name: "Authorization", In: "header"}
		if opts.has(ExtAPIGateway) {
			ss.Extensions = map[string]any{extAuthType: "awsSigv4"}
		}
		doc.Components.SecuritySchemes["sigv4"] = &openapi3.SecuritySchemeRef{Value: ss}
		security = append(security, openapi3.SecurityRequirement{"sigv4": []string{}})
	case model.AuthCustom, model.AuthCognito, model.AuthJWT:
		s, ok := schemes[m.AuthorizerID]
		if !ok {
			// Not in the snapshot (never so for a deployment): a scheme Import refuses, never an open method.
			s = namedScheme{"authorizer-" + m.AuthorizerID, &openapi3.SecurityScheme{Type: "apiKey", Name: "Authorization", In: "header"}}
		}
		doc.Components.SecuritySchemes[s.name] = &openapi3.SecuritySchemeRef{Value: s.scheme}
		scopes := []string{}
		if m.Authorization != model.AuthCustom {
			scopes = append(scopes, m.AuthorizationScopes...)
		}
		security = append(security, openapi3.SecurityRequirement{s.name: scopes})
	}
	if len(security) > 0 {
		op.Security = &security
	}
	if name := validators[m.RequestValidatorID]; name != "" && opts.has(ExtAPIGateway) {
		op.Extensions[extValidator] = name
	}
	return op
}

// exportIntegration writes x-amazon-apigateway-integration as API Gateway does: type and
// passthroughBehavior in lower case, empty fields left out.
func exportIntegration(in model.Integration, responses []model.IntegrationResponse) map[string]any {
	out := map[string]any{
		"type":                strings.ToLower(in.Type),
		"passthroughBehavior": strings.ToLower(in.PassthroughBehavior),
		"timeoutInMillis":     in.TimeoutMilliseconds,
	}
	set := func(k string, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("uri", in.URI)
	set("httpMethod", in.IntegrationHTTPMethod)
	set("cacheNamespace", in.CacheNamespace)
	set("contentHandling", in.ContentHandling)
	set("credentials", in.Credentials)
	if in.ConnectionType == model.ConnectionVPCLink {
		set("connectionType", in.ConnectionType)
		set("connectionId", in.ConnectionID)
	}
	if len(in.RequestParameters) > 0 {
		out["requestParameters"] = in.RequestParameters
	}
	if len(in.RequestTemplates) > 0 {
		out["requestTemplates"] = in.RequestTemplates
	}
	if len(in.CacheKeyParameters) > 0 {
		out["cacheKeyParameters"] = in.CacheKeyParameters
	}
	if len(responses) > 0 {
		rs := map[string]any{}
		for _, r := range responses {
			e := map[string]any{"statusCode": r.StatusCode}
			if len(r.ResponseParameters) > 0 {
				e["responseParameters"] = r.ResponseParameters
			}
			if len(r.ResponseTemplates) > 0 {
				e["responseTemplates"] = r.ResponseTemplates
			}
			if r.ContentHandling != "" {
				e["contentHandling"] = r.ContentHandling
			}
			key := r.SelectionPattern
			if key == "" {
				key = "default"
			}
			rs[key] = e
		}
		out["responses"] = rs
	}
	return out
}

// Marshal writes doc as typ (TypeOAS30, or TypeSwagger converted to Swagger 2.0), in JSON or YAML.
// The output is deterministic: keys are sorted.
func Marshal(doc *openapi3.T, typ string, asYAML bool) ([]byte, error) {
	var v any = doc
	switch typ {
	case TypeOAS30:
	case TypeSwagger:
		doc2, err := openapi2conv.FromV3(doc)
		if err != nil {
			return nil, fmt.Errorf("converting to Swagger 2.0: %w", err)
		}
		v = doc2
	default:
		return nil, fmt.Errorf("unknown export type %q: use oas30 or swagger", typ)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	if !asYAML {
		return append(b, '\n'), nil
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	return yaml.Marshal(generic)
}
