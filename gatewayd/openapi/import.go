package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Base path handlings (the basepath parameter of an import, as API Gateway's).
const (
	// BasePathIgnore leaves the document's base path (servers[0].url's path, Swagger's basePath) out of
	// the resources' paths. The default.
	BasePathIgnore = "ignore"
	// BasePathPrepend puts the base path in front of every path.
	BasePathPrepend = "prepend"
	// BasePathSplit drops the base path's first segment and puts the rest in front of every path.
	BasePathSplit = "split"
)

// Options tune Import.
type Options struct {
	// APIID is the API the definition is for: models refer to each other by its model URLs.
	APIID string
	// BasePath is BasePathIgnore (when empty), BasePathPrepend or BasePathSplit.
	BasePath string
}

// Import reads an OpenAPI 3.0/3.1 or Swagger 2.0 document, JSON or YAML, into a definition of a whole
// API, with the warnings of what it left out. Everything in the definition is validated as the
// control plane will (model rules, mapping template syntax), so that an error names the JSON pointer
// of its cause; the control plane checks what depends on the API's current state (sibling path
// parameters, references).
func Import(data []byte, opts Options) (*model.APIDefinition, []Warning, error) {
	if len(data) > MaxDocumentBytes {
		return nil, nil, errAt("", "the document is %d bytes; at most %d are imported (API Gateway's limit)", len(data), MaxDocumentBytes)
	}
	doc, err := load(data)
	if err != nil {
		return nil, nil, err
	}
	im := &importer{doc: doc, opts: opts, def: &model.APIDefinition{Pointers: map[string]string{}},
		modelNames: map[string]bool{}, schemes: map[string]string{}, authorizerTypes: map[string]string{}}
	if err := im.run(); err != nil {
		return nil, im.warnings, err
	}
	return im.def, im.warnings, nil
}

// load parses the document as OpenAPI 3 (kin-openapi's loader, which resolves $refs) or as Swagger
// 2.0 converted to OpenAPI 3.
func load(data []byte) (*openapi3.T, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errAt("", "the document is empty")
	}
	jsonData := data
	if trimmed := bytes.TrimSpace(data); trimmed[0] != '{' {
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, errAt("", "the document is neither JSON nor YAML: %v", err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, errAt("", "the document cannot be read as JSON: %v", err)
		}
		jsonData = b
	}
	var head struct {
		OpenAPI any `json:"openapi"`
		Swagger any `json:"swagger"`
	}
	if err := json.Unmarshal(jsonData, &head); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, errAt("", "the document is not valid JSON (at byte %d): %v", syn.Offset, err)
		}
		return nil, errAt("", "the document must be a JSON or YAML object: %v", err)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	switch {
	case head.OpenAPI != nil:
		v, _ := head.OpenAPI.(string)
		if !strings.HasPrefix(v, "3.") {
			return nil, errAt("/openapi", "only OpenAPI 3.0 and 3.1 (and Swagger 2.0) are imported, got %v", head.OpenAPI)
		}
		doc, err := loader.LoadFromData(jsonData)
		if err != nil {
			return nil, errAt("", "reading the OpenAPI document: %v", err)
		}
		return doc, nil
	case head.Swagger != nil:
		if v, _ := head.Swagger.(string); v != "2.0" {
			return nil, errAt("/swagger", "only Swagger 2.0 (and OpenAPI 3.0 and 3.1) are imported, got %v", head.Swagger)
		}
		var doc2 openapi2.T
		if err := json.Unmarshal(jsonData, &doc2); err != nil {
			return nil, errAt("", "reading the Swagger 2.0 document: %v", err)
		}
		doc, err := openapi2conv.ToV3WithLoader(&doc2, loader, nil)
		if err != nil {
			return nil, errAt("", "converting the Swagger 2.0 document to OpenAPI 3: %v", err)
		}
		return doc, nil
	}
	return nil, errAt("", "not an OpenAPI document: it has neither an openapi nor a swagger field")
}

type importer struct {
	doc      *openapi3.T
	opts     Options
	def      *model.APIDefinition
	warnings []Warning
	// modelNames are the models defined so far; schemes maps a security scheme to its kind.
	modelNames map[string]bool
	schemes    map[string]string
	// usedSchemes are the schemes an operation required; authorizerTypes are the types of the
	// authorizers the schemes define, by scheme name.
	usedSchemes     map[string]bool
	authorizerTypes map[string]string
	// defaultValidator is the document's x-amazon-apigateway-request-validator.
	defaultValidator string
	validatorNames   map[string]bool
	basePrefix       string
}

func (im *importer) warn(ptr, format string, args ...any) {
	im.warnings = append(im.warnings, Warning{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

// Kinds of security scheme.
const (
	schemeAPIKey     = "api_key"
	schemeSigV4      = "sigv4"
	schemeAuthorizer = "authorizer"
	schemeOther      = "other"
)

// Top-level API Gateway extensions that gatewayd does not apply, with why.
var unsupportedTop = map[string]string{
	"x-amazon-apigateway-endpoint-configuration":       "endpoint configuration does not apply to gatewayd (it serves on its own listeners)",
	"x-amazon-apigateway-minimum-compression-size":     "response compression is not supported by gatewayd",
	"x-amazon-apigateway-documentation":                "documentation parts are not imported",
	"x-amazon-apigateway-tag-value":                    "tags are not imported; set them on the rest api",
	"x-amazon-apigateway-disable-execute-api-endpoint": "not read from the document; set disable_execute_api_endpoint on the rest api instead",
}

func (im *importer) run() error {
	doc := im.doc
	if doc.Info == nil || strings.TrimSpace(doc.Info.Title) == "" {
		return errAt("/info/title", "the API needs a title: it becomes the rest api's name")
	}
	im.def.Name, im.def.Description = doc.Info.Title, doc.Info.Description
	if err := im.topExtensions(); err != nil {
		return err
	}
	if err := im.basePath(); err != nil {
		return err
	}
	if err := im.securitySchemes(); err != nil {
		return err
	}
	if err := im.models(); err != nil {
		return err
	}
	if err := im.paths(); err != nil {
		return err
	}
	for name, kind := range im.schemes {
		if _, ok := im.authorizerTypes[name]; !im.usedSchemes[name] && !ok && kind != schemeAPIKey && kind != schemeSigV4 {
			im.warn(pointer("components", "securitySchemes", name), "security scheme %q is not supported by gatewayd and no operation requires it; it is left out", name)
		}
	}
	sort.Slice(im.warnings, func(i, j int) bool { return im.warnings[i].Pointer < im.warnings[j].Pointer })
	return nil
}

func (im *importer) topExtensions() error {
	ext := im.doc.Extensions
	keys := sortedKeys(ext)
	for _, k := range keys {
		v := ext[k]
		ptr := pointer(k)
		switch k {
		case extBinaryMediaTypes:
			var types []string
			if err := decodeExt(v, &types); err != nil {
				return errAt(ptr, "must be a list of media types: %v", err)
			}
			for i, t := range types {
				if !model.MediaTypePattern.MatchString(t) {
					return errAt(pointer(k, strconv.Itoa(i)), "must be a media type such as image/png or */*, got %q", t)
				}
			}
			if types == nil {
				types = []string{}
			}
			im.def.BinaryMediaTypes = types
		case extMinCompression:
			var n int
			if err := decodeExt(v, &n); err != nil || n < -1 || n > model.MaxMinimumCompressionSize {
				return errAt(ptr, "must be a number of bytes between -1 (off) and %d, got %v", model.MaxMinimumCompressionSize, v)
			}
			im.def.MinimumCompressionSize = &n
		case extAPIKeySource:
			var s string
			if err := decodeExt(v, &s); err != nil || !slices.Contains(model.APIKeySources, strings.ToUpper(s)) {
				return errAt(ptr, "must be HEADER or AUTHORIZER, got %v", v)
			}
			im.def.APIKeySource = strings.ToUpper(s)
		case extValidators:
			if err := im.validators(ptr, v); err != nil {
				return err
			}
		case extValidator:
			if err := decodeExt(v, &im.defaultValidator); err != nil {
				return errAt(ptr, "must be the name of a request validator: %v", err)
			}
		case extImportExportVersion:
		case extGatewayResponses:
			if err := im.gatewayResponses(ptr, v); err != nil {
				return err
			}
		case extPolicy:
			if err := im.policy(ptr, v); err != nil {
				return err
			}
		default:
			if why, ok := unsupportedTop[k]; ok {
				im.warn(ptr, "%s; it is left out", why)
			} else if strings.HasPrefix(k, "x-amazon-apigateway-") {
				im.warn(ptr, "unknown API Gateway extension; it is left out")
			}
		}
	}
	if im.defaultValidator != "" && !im.validatorNames[im.defaultValidator] {
		return errAt(pointer(extValidator), "names %q, which is not in %s", im.defaultValidator, extValidators)
	}
	return nil
}

func (im *importer) validators(ptr string, v any) error {
	var vs map[string]struct {
		ValidateRequestBody       bool `json:"validateRequestBody"`
		ValidateRequestParameters bool `json:"validateRequestParameters"`
	}
	if err := decodeExt(v, &vs); err != nil {
		return errAt(ptr, "must map validator names to {validateRequestBody, validateRequestParameters}: %v", err)
	}
	im.validatorNames = map[string]bool{}
	for _, name := range sortedKeys(vs) {
		rv := model.RequestValidator{Name: name, ValidateRequestBody: vs[name].ValidateRequestBody,
			ValidateRequestParameters: vs[name].ValidateRequestParameters}
		if err := rv.Validate(); err != nil {
			return errAt(pointer(extValidators, name), "%v", err)
		}
		im.validatorNames[name] = true
		im.def.RequestValidators = append(im.def.RequestValidators, rv)
		im.def.Pointers[model.DefinitionKey("validator", name)] = pointer(extValidators, name)
	}
	return nil
}

func (im *importer) basePath() error {
	mode := im.opts.BasePath
	if mode == "" || mode == BasePathIgnore {
		return nil
	}
	base := ""
	if len(im.doc.Servers) > 0 {
		s := im.doc.Servers[0]
		raw := s.URL
		for name, v := range s.Variables {
			if v != nil {
				raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
			}
		}
		u, err := url.Parse(raw)
		if err != nil {
			return errAt("/servers/0/url", "is not a URL: %v", err)
		}
		base = strings.Trim(u.Path, "/")
	}
	switch mode {
	case BasePathPrepend:
	case BasePathSplit:
		_, base, _ = strings.Cut(base, "/")
	default:
		return errAt("", "basepath must be ignore, prepend or split, got %q", mode)
	}
	if base != "" {
		im.basePrefix = "/" + base
	}
	return nil
}

func (im *importer) securitySchemes() error {
	if im.doc.Components == nil {
		return nil
	}
	for _, name := range sortedKeys(im.doc.Components.SecuritySchemes) {
		ref := im.doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		ss := ref.Value
		authType, _ := ss.Extensions[extAuthType].(string)
		_, hasAuthorizer := ss.Extensions[extAuthorizer]
		switch {
		case hasAuthorizer:
			im.schemes[name] = schemeAuthorizer
			if err := im.authorizer(name, ss, authType); err != nil {
				return err
			}
		case strings.EqualFold(authType, "custom") || strings.EqualFold(authType, "cognito_user_pools"):
			im.schemes[name] = schemeAuthorizer // without its authorizer: refused where it is required
		case strings.EqualFold(authType, "awsSigv4"):
			im.schemes[name] = schemeSigV4
		case ss.Type == "apiKey" && ss.In == "header" && strings.EqualFold(ss.Name, "x-api-key"):
			im.schemes[name] = schemeAPIKey
		default:
			im.schemes[name] = schemeOther
		}
	}
	return nil
}

// models reads components.schemas.
func (im *importer) models() error {
	if im.doc.Components == nil {
		return nil
	}
	for _, name := range sortedKeys(im.doc.Components.Schemas) {
		ptr := pointer("components", "schemas", name)
		if !model.ModelNamePattern.MatchString(name) {
			return errAt(ptr, "model names are 1 to 128 letters or digits (as in API Gateway), got %q", name)
		}
		if err := im.addModel(name, im.doc.Components.Schemas[name], ptr); err != nil {
			return err
		}
	}
	return nil
}

// addModel turns a schema into a model of the definition.
func (im *importer) addModel(name string, ref *openapi3.SchemaRef, ptr string) error {
	var schema []byte
	var err error
	if ref != nil && ref.Ref != "" {
		// A component that is only a reference to another: keep the reference.
		schema, err = json.Marshal(map[string]string{"$ref": ref.Ref})
	} else if ref != nil && ref.Value != nil {
		schema, err = json.Marshal(ref.Value)
	} else {
		schema = []byte("{}")
	}
	if err != nil {
		return errAt(ptr, "cannot be written as JSON Schema: %v", err)
	}
	schema, err = im.modelRefs(schema, ptr)
	if err != nil {
		return err
	}
	m := model.Model{Name: name, ContentType: "application/json", Schema: string(schema)}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return errAt(ptr, "%v", err)
	}
	im.modelNames[name] = true
	im.def.Models = append(im.def.Models, m)
	im.def.Pointers[model.DefinitionKey("model", name)] = ptr
	return nil
}

// modelRefs rewrites the $refs of a schema to components.schemas into the API's model URLs.
func (im *importer) modelRefs(schema []byte, ptr string) ([]byte, error) {
	var v any
	if err := json.Unmarshal(schema, &v); err != nil {
		return nil, errAt(ptr, "cannot be read as JSON: %v", err)
	}
	var walkErr error
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				if k == "$ref" {
					if s, ok := sub.(string); ok {
						name, ok := strings.CutPrefix(s, schemaRefPrefix)
						if !ok {
							name, ok = strings.CutPrefix(s, "#/definitions/")
						}
						if !ok {
							walkErr = errAt(ptr, "$ref %q must refer to a schema of components.schemas", s)
							continue
						}
						x[k] = model.ModelURL(im.opts.APIID, name)
					}
					continue
				}
				x[k] = walk(sub)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	v = walk(v)
	if walkErr != nil {
		return nil, walkErr
	}
	return json.Marshal(v)
}

// modelFor returns the model a request or response body names: a component's name, or a new model
// made from an inline schema (named after where it is).
func (im *importer) modelFor(ref *openapi3.SchemaRef, ptr, suggested string) (string, error) {
	if ref == nil {
		return "Empty", nil
	}
	if ref.Ref != "" {
		name, ok := strings.CutPrefix(ref.Ref, schemaRefPrefix)
		if !ok {
			return "", errAt(ptr, "$ref %q must refer to a schema of components.schemas", ref.Ref)
		}
		if !im.modelNames[name] {
			return "", errAt(ptr, "$ref %q names no schema of components.schemas", ref.Ref)
		}
		return name, nil
	}
	name := modelName(suggested)
	for i := 2; im.modelNames[name]; i++ {
		name = modelName(suggested + strconv.Itoa(i))
	}
	return name, im.addModel(name, ref, ptr)
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// modelName makes a model name (letters and digits) of s: "get /pets/{id} 200" is GetPetsId200.
func modelName(s string) string {
	var b strings.Builder
	for part := range strings.FieldsSeq(nonAlnum.ReplaceAllString(s, " ")) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	out := b.String()
	if out == "" {
		out = "Model"
	}
	return out[:min(len(out), 128)]
}

var pathMethods = []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPatch, http.MethodPost, http.MethodPut}

func (im *importer) paths() error {
	im.usedSchemes = map[string]bool{}
	if im.doc.Paths == nil {
		return nil
	}
	seen := map[string]string{}
	keys := im.doc.Paths.Keys()
	sort.Strings(keys)
	for _, p := range keys {
		item := im.doc.Paths.Value(p)
		ptr := pointer("paths", p)
		path, err := im.resourcePath(p, ptr)
		if err != nil {
			return err
		}
		if other, ok := seen[path]; ok {
			return errAt(ptr, "is the same resource path as %s", other)
		}
		seen[path] = ptr
		rd := model.ResourceDefinition{Path: path}
		im.def.Pointers[model.DefinitionKey("resource", path)] = ptr
		if item == nil {
			im.def.Resources = append(im.def.Resources, rd)
			continue
		}
		for _, verb := range sortedKeys(item.Operations()) {
			if !slices.Contains(pathMethods, verb) {
				return errAt(pointer("paths", p, strings.ToLower(verb)), "API Gateway methods are DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT or ANY, got %s", verb)
			}
		}
		for _, verb := range pathMethods {
			op := item.GetOperation(verb)
			if op == nil {
				continue
			}
			md, err := im.method(path, verb, item, op, pointer("paths", p, strings.ToLower(verb)))
			if err != nil {
				return err
			}
			rd.Methods = append(rd.Methods, md)
		}
		if raw, ok := item.Extensions[extAnyMethod]; ok {
			opPtr := pointer("paths", p, extAnyMethod)
			b, err := json.Marshal(raw)
			if err != nil {
				return errAt(opPtr, "%v", err)
			}
			op := &openapi3.Operation{}
			if err := op.UnmarshalJSON(b); err != nil {
				return errAt(opPtr, "is not an operation: %v", err)
			}
			md, err := im.method(path, "ANY", item, op, opPtr)
			if err != nil {
				return err
			}
			rd.Methods = append(rd.Methods, md)
		}
		for _, k := range sortedKeys(item.Extensions) {
			if k != extAnyMethod && strings.HasPrefix(k, "x-amazon-apigateway-") {
				im.warn(pointer("paths", p, k), "unknown API Gateway extension on a path; it is left out")
			}
		}
		im.def.Resources = append(im.def.Resources, rd)
	}
	sort.Slice(im.def.Resources, func(i, j int) bool { return im.def.Resources[i].Path < im.def.Resources[j].Path })
	return nil
}

// resourcePath checks a document path and returns the resource path it becomes.
func (im *importer) resourcePath(p, ptr string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", errAt(ptr, "a path must start with /")
	}
	path := im.basePrefix + strings.TrimSuffix(p, "/")
	if path == "" {
		return "/", nil
	}
	for part := range strings.SplitSeq(path[1:], "/") {
		r := model.Resource{ParentID: "x", PathPart: part}
		if err := r.Validate(); err != nil {
			var fe *model.FieldError
			if errors.As(err, &fe) {
				return "", errAt(ptr, "path segment %q: %s", part, fe.Message)
			}
			return "", errAt(ptr, "%v", err)
		}
	}
	return path, nil
}

// method reads one operation.
func (im *importer) method(path, verb string, item *openapi3.PathItem, op *openapi3.Operation, ptr string) (model.MethodDefinition, error) {
	md := model.MethodDefinition{}
	m := model.Method{HTTPMethod: verb, Authorization: model.AuthNone, OperationName: op.OperationID,
		RequestParameters: map[string]bool{}, RequestModels: map[string]string{}}
	im.def.Pointers[model.DefinitionKey("method", verb+" "+path)] = ptr

	// Parameters: the path item's, overridden by the operation's of the same name and place.
	type param struct {
		p   *openapi3.Parameter
		ptr string
	}
	params := map[string]param{}
	var order []string
	add := func(list openapi3.Parameters, base string) error {
		for i, ref := range list {
			pp := base + "/parameters/" + strconv.Itoa(i)
			p, err := im.parameter(ref, pp)
			if err != nil {
				return err
			}
			k := p.In + " " + p.Name
			if _, ok := params[k]; !ok {
				order = append(order, k)
			}
			params[k] = param{p, pp}
		}
		return nil
	}
	if err := add(item.Parameters, ptr[:strings.LastIndex(ptr, "/")]); err != nil {
		return md, err
	}
	if err := add(op.Parameters, ptr); err != nil {
		return md, err
	}
	for _, k := range order {
		p := params[k]
		switch p.p.In {
		case "path":
			m.RequestParameters["method.request.path."+p.p.Name] = true
		case "query":
			m.RequestParameters["method.request.querystring."+p.p.Name] = p.p.Required
		case "header":
			m.RequestParameters["method.request.header."+p.p.Name] = p.p.Required
		default:
			im.warn(p.ptr, "%s parameters are not supported by gatewayd; it is left out", p.p.In)
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		for _, ct := range sortedKeys(rb.Value.Content) {
			mt := rb.Value.Content[ct]
			if mt == nil {
				continue
			}
			name, err := im.modelFor(mt.Schema, ptr+"/requestBody/content/"+escape(ct)+"/schema", verb+" "+path+" request")
			if err != nil {
				return md, err
			}
			m.RequestModels[ct] = name
		}
	}
	validator := im.defaultValidator
	if v, ok := op.Extensions[extValidator]; ok {
		if err := decodeExt(v, &validator); err != nil {
			return md, errAt(ptr+"/"+extValidator, "must be the name of a request validator: %v", err)
		}
		if validator != "" && !im.validatorNames[validator] {
			return md, errAt(ptr+"/"+extValidator, "names %q, which is not in %s", validator, extValidators)
		}
	}
	m.RequestValidatorID = validator
	if err := im.security(&m, op, ptr); err != nil {
		return md, err
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return md, fieldErrAt(ptr, err, methodFields)
	}
	md.Method = m

	if op.Responses != nil {
		for _, code := range sortedKeys(op.Responses.Map()) {
			rr := op.Responses.Value(code)
			rp := ptr + "/responses/" + escape(code)
			if code == "default" || !statusPattern.MatchString(code) {
				im.warn(rp, "only responses with a status code (such as 200) are method responses; it is left out")
				continue
			}
			mr := model.MethodResponse{HTTPMethod: verb, StatusCode: code, ResponseParameters: map[string]bool{}, ResponseModels: map[string]string{}}
			if rr != nil && rr.Value != nil {
				for _, h := range sortedKeys(rr.Value.Headers) {
					req := false
					if hr := rr.Value.Headers[h]; hr != nil && hr.Value != nil {
						req = hr.Value.Required
					}
					mr.ResponseParameters["method.response.header."+h] = req
				}
				for _, ct := range sortedKeys(rr.Value.Content) {
					mt := rr.Value.Content[ct]
					if mt == nil || mt.Schema == nil {
						continue
					}
					name, err := im.modelFor(mt.Schema, rp+"/content/"+escape(ct)+"/schema", verb+" "+path+" "+code)
					if err != nil {
						return md, err
					}
					mr.ResponseModels[ct] = name
				}
			}
			mr.Normalize()
			if err := mr.Validate(); err != nil {
				return md, fieldErrAt(rp, err, nil)
			}
			md.MethodResponses = append(md.MethodResponses, mr)
		}
	}

	raw, ok := op.Extensions[extIntegration]
	if !ok {
		im.warn(ptr, "the operation has no %s: the method answers 500 until it gets an integration", extIntegration)
		return md, nil
	}
	in, responses, err := im.integration(verb, raw, ptr+"/"+extIntegration)
	if err != nil {
		return md, err
	}
	md.Integration, md.IntegrationResponses = in, responses
	for _, k := range sortedKeys(op.Extensions) {
		if k != extIntegration && k != extValidator && k != extAuth && strings.HasPrefix(k, "x-amazon-apigateway-") {
			im.warn(ptr+"/"+escape(k), "unknown API Gateway extension on an operation; it is left out")
		}
	}
	return md, nil
}

var statusPattern = regexp.MustCompile(`^[1-5][0-9][0-9]$`)

// parameter resolves a parameter, also one an any-method operation refers to by $ref.
func (im *importer) parameter(ref *openapi3.ParameterRef, ptr string) (*openapi3.Parameter, error) {
	if ref == nil {
		return nil, errAt(ptr, "is empty")
	}
	if ref.Value != nil {
		return ref.Value, nil
	}
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/parameters/"); ok && im.doc.Components != nil {
		if p := im.doc.Components.Parameters[name]; p != nil && p.Value != nil {
			return p.Value, nil
		}
	}
	return nil, errAt(ptr, "$ref %q names no parameter of components.parameters", ref.Ref)
}

// security sets a method's authorization from the operation's security requirements (or the
// document's) and x-amazon-apigateway-auth.
func (im *importer) security(m *model.Method, op *openapi3.Operation, ptr string) error {
	reqs, reqPtr := im.doc.Security, "/security"
	if op.Security != nil {
		reqs, reqPtr = *op.Security, ptr+"/security"
	}
	for i, req := range reqs {
		for _, name := range sortedKeys(req) {
			kind, ok := im.schemes[name]
			p := reqPtr + "/" + strconv.Itoa(i) + "/" + escape(name)
			if !ok {
				return errAt(p, "names security scheme %q, which components.securitySchemes does not define", name)
			}
			im.usedSchemes[name] = true
			switch kind {
			case schemeAPIKey:
				m.APIKeyRequired = true
			case schemeSigV4:
				if m.AuthorizerID != "" {
					return errAt(p, "requires AWS SigV4 besides the authorizer of security scheme %q; a method has one authorization", m.AuthorizerID)
				}
				m.Authorization = model.AuthIAM
			case schemeAuthorizer:
				if err := im.requireAuthorizer(m, name, req[name], p); err != nil {
					return err
				}
			default:
				return errAt(p, "requires security scheme %q, which gatewayd cannot enforce (only API keys on x-api-key and AWS SigV4 are "+
					"imported); the method would be open", name)
			}
		}
	}
	if raw, ok := op.Extensions[extAuth]; ok {
		var a struct {
			Type string `json:"type"`
		}
		if err := decodeExt(raw, &a); err != nil {
			return errAt(ptr+"/"+extAuth, "must be {\"type\": \"NONE\" | \"AWS_IAM\"}: %v", err)
		}
		if m.AuthorizerID != "" {
			// Dropping the authorizer for another authorization could open the method.
			return errAt(ptr+"/"+extAuth, "sets the authorization to %s, but the operation's security requires the authorizer of security scheme %q; "+
				"remove one or the other", a.Type, m.AuthorizerID)
		}
		switch strings.ToUpper(a.Type) {
		case "NONE":
			m.Authorization = model.AuthNone
		case "AWS_IAM":
			m.Authorization = model.AuthIAM
		default:
			return errAt(ptr+"/"+extAuth+"/type", "must be NONE or AWS_IAM, got %q", a.Type)
		}
	}
	return nil
}

// requireAuthorizer makes a method use the authorizer a security scheme defines: authorization CUSTOM
// (TOKEN and REQUEST) or COGNITO_USER_POOLS with the requirement's scopes as authorization_scopes.
// AuthorizerID is the scheme's name, which the control plane turns into the authorizer's id.
func (im *importer) requireAuthorizer(m *model.Method, name string, scopes []string, ptr string) error {
	typ, ok := im.authorizerTypes[name]
	if !ok {
		return errAt(ptr, "requires security scheme %q, whose %s defines no authorizer (it has no %s); the method would be open",
			name, extAuthType, extAuthorizer)
	}
	switch {
	case m.AuthorizerID != "":
		return errAt(ptr, "requires the authorizers of security schemes %q and %q; a method has one authorizer", m.AuthorizerID, name)
	case m.Authorization == model.AuthIAM:
		return errAt(ptr, "requires the authorizer of security scheme %q besides AWS SigV4; a method has one authorization", name)
	}
	m.AuthorizerID = name
	m.Authorization = model.AuthCustom
	if typ == model.AuthorizerCognito {
		m.Authorization = model.AuthCognito
		m.AuthorizationScopes = slices.Clone(scopes)
		// A bad scope is named where it is written: the requirement's list.
		var fe *model.FieldError
		if err := m.Validate(); errors.As(err, &fe) {
			if i, ok := strings.CutPrefix(fe.Field, "authorization_scopes["); ok {
				return errAt(ptr+"/"+strings.TrimSuffix(i, "]"), "%s", fe.Message)
			}
		}
	} else if len(scopes) > 0 {
		im.warn(ptr, "scopes apply to cognito_user_pools authorizers only (the method's authorization_scopes); they are left out")
	}
	return nil
}

// integrationDoc is x-amazon-apigateway-integration.
type integrationDoc struct {
	Type                 string                         `json:"type"`
	URI                  string                         `json:"uri"`
	HTTPMethod           string                         `json:"httpMethod"`
	RequestParameters    map[string]string              `json:"requestParameters"`
	RequestTemplates     map[string]string              `json:"requestTemplates"`
	PassthroughBehavior  string                         `json:"passthroughBehavior"`
	TimeoutInMillis      json.Number                    `json:"timeoutInMillis"`
	CacheKeyParameters   []string                       `json:"cacheKeyParameters"`
	CacheNamespace       string                         `json:"cacheNamespace"`
	ContentHandling      string                         `json:"contentHandling"`
	ConnectionType       string                         `json:"connectionType"`
	ConnectionID         string                         `json:"connectionId"`
	Credentials          string                         `json:"credentials"`
	PayloadFormatVersion string                         `json:"payloadFormatVersion"`
	Responses            map[string]integrationResponse `json:"responses"`
}

// flexString is a string that a document may also write as a number (statusCode = 200).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("must be a string or a number, got %s", b)
	}
	*f = flexString(n.String())
	return nil
}

type integrationResponse struct {
	StatusCode         flexString        `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	ContentHandling    string            `json:"contentHandling"`
}

// Keys of x-amazon-apigateway-integration that gatewayd does not use, with why.
var integrationLeftOut = map[string]string{
	"tlsConfig":            "tlsConfig is not supported by gatewayd",
	"integrationSubtype":   "integration subtypes are not supported by gatewayd",
	"responseTransferMode": "response streaming is not supported by gatewayd",
}

// Model fields of an integration and the document's keys for them.
var integrationFields = map[string]string{
	"type": "type", "uri": "uri", "integration_http_method": "httpMethod", "request_parameters": "requestParameters",
	"request_templates": "requestTemplates", "passthrough_behavior": "passthroughBehavior",
	"timeout_milliseconds": "timeoutInMillis", "cache_key_parameters": "cacheKeyParameters",
	"cache_namespace": "cacheNamespace", "content_handling": "contentHandling", "credentials": "credentials",
}

var methodFields = map[string]string{
	"http_method": "", "operation_name": "operationId", "request_parameters": "parameters", "request_models": "requestBody",
	"request_validator_id": extValidator, "authorization": "security", "authorizer_id": "security", "authorization_scopes": "security",
}

var responseFields = map[string]string{
	"status_code": "statusCode", "response_parameters": "responseParameters", "response_templates": "responseTemplates",
	"content_handling": "contentHandling", "selection_pattern": "",
}

func (im *importer) integration(verb string, raw any, ptr string) (*model.Integration, []model.IntegrationResponse, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, errAt(ptr, "%v", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, nil, errAt(ptr, "must be an object: %v", err)
	}
	var d integrationDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, nil, errAt(ptr+"/"+strings.ReplaceAll(te.Field, ".", "/"), "must be %s, got %s", te.Type, te.Value)
		}
		return nil, nil, errAt(ptr, "%v", err)
	}
	known := map[string]bool{"type": true, "uri": true, "httpMethod": true, "requestParameters": true, "requestTemplates": true,
		"passthroughBehavior": true, "timeoutInMillis": true, "cacheKeyParameters": true, "cacheNamespace": true,
		"contentHandling": true, "connectionType": true, "connectionId": true, "responses": true, "payloadFormatVersion": true, "credentials": true}
	for _, k := range sortedKeys(keys) {
		switch {
		case known[k]:
		case integrationLeftOut[k] != "" && k == "integrationSubtype":
			return nil, nil, errAt(ptr+"/"+k, "%s", integrationLeftOut[k])
		case integrationLeftOut[k] != "":
			im.warn(ptr+"/"+k, "%s; it is left out", integrationLeftOut[k])
		default:
			im.warn(ptr+"/"+k, "unknown key of %s; it is left out", extIntegration)
		}
	}
	typ := strings.ToUpper(d.Type)
	credentials := d.Credentials
	if credentials != "" && ((typ != model.IntegrationAWS && typ != model.IntegrationAWSProxy) || !model.IsAWSURI(d.URI)) {
		im.warn(ptr+"/credentials", "credentials apply only to the integrations gatewayd signs (aws, and aws_proxy with a Lambda ARN uri); it is left out")
		credentials = ""
	}
	if v := d.PayloadFormatVersion; v != "" && v != "1.0" {
		im.warn(ptr+"/payloadFormatVersion", "REST APIs use payload format 1.0 (HTTP APIs' 2.0 does not apply); it is left out")
	}
	ct := strings.ToUpper(d.ConnectionType)
	if err := model.ValidateIntegrationConnection(typ, ct, d.ConnectionID); err != nil {
		fe := &model.FieldError{Field: "connection_id", Message: err.Error()}
		errors.As(err, &fe)
		key := map[string]string{"connection_type": "connectionType"}[fe.Field]
		if key == "" {
			key = "connectionId"
		}
		return nil, nil, errAt(ptr+"/"+key, "%s", fe.Message)
	}
	in := &model.Integration{HTTPMethod: verb, Type: typ, URI: d.URI, IntegrationHTTPMethod: d.HTTPMethod, Credentials: credentials,
		RequestParameters: d.RequestParameters, RequestTemplates: d.RequestTemplates,
		PassthroughBehavior: strings.ToUpper(d.PassthroughBehavior), CacheKeyParameters: d.CacheKeyParameters,
		CacheNamespace: d.CacheNamespace, ContentHandling: strings.ToUpper(d.ContentHandling),
		ConnectionType: ct, ConnectionID: d.ConnectionID}
	if d.TimeoutInMillis != "" {
		n, err := strconv.Atoi(d.TimeoutInMillis.String())
		if err != nil {
			return nil, nil, errAt(ptr+"/timeoutInMillis", "must be a whole number of milliseconds, got %s", d.TimeoutInMillis)
		}
		in.TimeoutMilliseconds = n
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, nil, fieldErrAt(ptr, err, integrationFields)
	}
	if err := checkTemplates(ptr+"/requestTemplates", in.RequestTemplates); err != nil {
		return nil, nil, err
	}
	var responses []model.IntegrationResponse
	for _, pattern := range sortedKeys(d.Responses) {
		r := d.Responses[pattern]
		rp := ptr + "/responses/" + escape(pattern)
		sel := pattern
		if pattern == "default" {
			sel = ""
		}
		ir := model.IntegrationResponse{HTTPMethod: verb, StatusCode: string(r.StatusCode), SelectionPattern: sel,
			ResponseParameters: r.ResponseParameters, ResponseTemplates: r.ResponseTemplates, ContentHandling: strings.ToUpper(r.ContentHandling)}
		if ir.StatusCode == "" {
			return nil, nil, errAt(rp+"/statusCode", "is required: the method response this backend answer maps to")
		}
		ir.Normalize()
		if err := ir.Validate(); err != nil {
			return nil, nil, fieldErrAt(rp, err, responseFields)
		}
		if err := checkTemplates(rp+"/responseTemplates", ir.ResponseTemplates); err != nil {
			return nil, nil, err
		}
		responses = append(responses, ir)
	}
	// One response per status code, as in API Gateway (a status is the key of an integration response).
	seen := map[string]string{}
	for i, r := range responses {
		if other, ok := seen[r.StatusCode]; ok {
			return nil, nil, errAt(ptr+"/responses", "the patterns %q and %q both map to status %s; gatewayd keeps one integration response per status",
				other, sortedKeys(d.Responses)[i], r.StatusCode)
		}
		seen[r.StatusCode] = sortedKeys(d.Responses)[i]
	}
	return in, responses, nil
}

// checkTemplates parses mapping templates as the control plane and the data plane will.
func checkTemplates(ptr string, templates map[string]string) error {
	for _, ct := range sortedKeys(templates) {
		if _, err := vtl.Parse(ct, templates[ct]); err != nil {
			return errAt(ptr+"/"+escape(ct), "%v", err)
		}
	}
	return nil
}

// fieldErrAt turns a model validation error into an Error at the document key of its field.
func fieldErrAt(ptr string, err error, keys map[string]string) error {
	var fe *model.FieldError
	if !errors.As(err, &fe) {
		return errAt(ptr, "%v", err)
	}
	field, rest := fe.Field, ""
	if i := strings.IndexAny(field, ".["); i >= 0 {
		field, rest = field[:i], field[i:]
	}
	key, ok := keys[field]
	if !ok {
		key = field
	}
	p := ptr
	if key != "" {
		p += "/" + escape(key)
		if strings.HasPrefix(rest, ".") {
			p += "/" + escape(rest[1:])
		} else if i, ok := strings.CutPrefix(rest, "["); ok && strings.HasSuffix(i, "]") {
			p += "/" + strings.TrimSuffix(i, "]") // provider_arns[1]: the list's element
		}
	}
	return errAt(p, "%s", fe.Message)
}

func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// decodeExt decodes an extension's value into v.
func decodeExt(raw any, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
