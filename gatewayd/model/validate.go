package model

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// FieldError is a validation failure of one field. The admin API answers it with 400 naming Field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func oneOf(field, v string, allowed []string) *FieldError {
	if slices.Contains(allowed, v) {
		return nil
	}
	return fieldErr(field, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
}

func emptyIfNil[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}

func emptySliceIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Normalize fills defaults so that what is stored and echoed back is never null.
func (a *RestAPI) Normalize() {
	if a.APIKeySource == "" {
		a.APIKeySource = "HEADER"
	}
	a.BinaryMediaTypes = emptySliceIfNil(a.BinaryMediaTypes)
	a.Tags = emptyIfNil(a.Tags)
	if a.MinimumCompressionSize != nil && *a.MinimumCompressionSize == -1 {
		a.MinimumCompressionSize = nil
	}
}

// MaxMinimumCompressionSize is the largest minimum_compression_size, 10 MiB (API Gateway's).
const MaxMinimumCompressionSize = 10 << 20

// Validate checks the fields a client sets.
func (a *RestAPI) Validate() error {
	if err := checkName("name", a.Name, MaxNameLength); err != nil {
		return err
	}
	if err := checkText("description", a.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	if err := oneOf("api_key_source", a.APIKeySource, APIKeySources); err != nil {
		return err
	}
	for i, mt := range a.BinaryMediaTypes {
		if !MediaTypePattern.MatchString(mt) {
			return fieldErr(fmt.Sprintf("binary_media_types[%d]", i), "must be a media type such as image/png or */*, got %q", mt)
		}
	}
	if err := checkText("policy", a.Policy, MaxPolicyLength, true); err != nil {
		return err
	}
	if n := a.MinimumCompressionSize; n != nil && (*n < 0 || *n > MaxMinimumCompressionSize) {
		return fieldErr("minimum_compression_size", "must be between -1 (off) and %d bytes, got %d", MaxMinimumCompressionSize, *n)
	}
	return validateTags("tags", a.Tags)
}

// checkName checks a required one-line name of at most max characters.
func checkName(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return fieldErr(field, "must not be empty")
	}
	return checkText(field, v, max, false)
}

func validateTags(field string, tags map[string]string) error {
	if len(tags) > MaxTags {
		return fieldErr(field, "must have at most %d entries", MaxTags)
	}
	for k, v := range tags {
		if k == "" {
			return fieldErr(field, "keys must not be empty")
		}
		if err := checkText(field+" key", k, MaxTagKeyLength, false); err != nil {
			return err
		}
		if err := checkText(field+"."+k, v, MaxTagValueLength, false); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the fields a client sets on a non-root resource.
func (r *Resource) Validate() error {
	if r.ParentID == "" {
		return fieldErr("parent_id", "must not be empty")
	}
	if n := len(r.PathPart); n > MaxPathPartLength {
		return fieldErr("path_part", "must be at most %d characters, got %d", MaxPathPartLength, n)
	}
	if !PathPartPattern.MatchString(r.PathPart) {
		return fieldErr("path_part", "must be a path segment such as pets, {petId} or {proxy+} (no slashes), got %q", r.PathPart)
	}
	if r.PathPart == "." || r.PathPart == ".." {
		// The data plane resolves dot segments before routing: such a resource could never be reached.
		return fieldErr("path_part", "must not be %q, which a request path can never hold once normalized", r.PathPart)
	}
	return nil
}

// IsParam reports whether the path part is a parameter ({name} or {name+}).
func IsParam(pathPart string) bool { return strings.HasPrefix(pathPart, "{") }

// IsGreedy reports whether the path part is a greedy parameter ({name+}).
func IsGreedy(pathPart string) bool { return strings.HasSuffix(pathPart, "+}") }

// ParamName returns the parameter name of {name} or {name+}, or "" for a literal part.
func ParamName(pathPart string) string {
	if !IsParam(pathPart) {
		return ""
	}
	return strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(pathPart, "{"), "}"), "+")
}

// Normalize fills defaults.
func (m *Method) Normalize() {
	m.HTTPMethod = strings.ToUpper(m.HTTPMethod)
	if m.Authorization == "" {
		m.Authorization = AuthNone
	}
	m.AuthorizationScopes = emptySliceIfNil(m.AuthorizationScopes)
	m.RequestParameters = emptyIfNil(m.RequestParameters)
	m.RequestModels = emptyIfNil(m.RequestModels)
}

// Validate checks the fields a client sets.
func (m *Method) Validate() error {
	if err := oneOf("http_method", m.HTTPMethod, HTTPMethods); err != nil {
		return err
	}
	if err := oneOf("authorization", m.Authorization, AuthorizationTypes); err != nil {
		return err
	}
	switch m.Authorization {
	case AuthCustom, AuthCognito, AuthJWT:
		if m.AuthorizerID == "" {
			return fieldErr("authorizer_id", "is required when authorization is %s", m.Authorization)
		}
	default:
		if m.AuthorizerID != "" {
			return fieldErr("authorizer_id", "must be empty when authorization is %s", m.Authorization)
		}
	}
	if len(m.AuthorizationScopes) > 0 && m.Authorization != AuthCognito && m.Authorization != AuthJWT {
		return fieldErr("authorization_scopes", "is only used with COGNITO_USER_POOLS (or JWT) authorization, got authorization %s", m.Authorization)
	}
	for i, sc := range m.AuthorizationScopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n") || checkText("authorization_scopes", sc, MaxNameLength, false) != nil {
			return fieldErr(fmt.Sprintf("authorization_scopes[%d]", i), "must be an OAuth scope without spaces, got %q", sc)
		}
	}
	if err := checkText("operation_name", m.OperationName, MaxNameLength, false); err != nil {
		return err
	}
	for k := range m.RequestParameters {
		if !MethodRequestParameterPattern.MatchString(k) {
			return fieldErr("request_parameters", "key %q must look like method.request.{path|querystring|header}.NAME", k)
		}
	}
	for ct := range m.RequestModels {
		if !MediaTypePattern.MatchString(ct) {
			return fieldErr("request_models", "key %q must be a content type", ct)
		}
	}
	return nil
}

// Normalize fills defaults.
func (in *Integration) Normalize() {
	in.HTTPMethod = strings.ToUpper(in.HTTPMethod)
	in.IntegrationHTTPMethod = strings.ToUpper(in.IntegrationHTTPMethod)
	if in.PassthroughBehavior == "" {
		in.PassthroughBehavior = "WHEN_NO_MATCH"
	}
	if in.TimeoutMilliseconds == 0 {
		in.TimeoutMilliseconds = DefaultTimeoutMillis
	}
	in.RequestParameters = emptyIfNil(in.RequestParameters)
	in.RequestTemplates = emptyIfNil(in.RequestTemplates)
	in.CacheKeyParameters = emptySliceIfNil(in.CacheKeyParameters)
	slices.Sort(in.CacheKeyParameters)
}

// Validate checks the fields a client sets.
func (in *Integration) Validate() error {
	if err := oneOf("type", in.Type, IntegrationTypes); err != nil {
		return err
	}
	if in.TLSConfig != nil && in.Type != IntegrationHTTP && in.Type != IntegrationHTTPProxy {
		return fieldErr("tls_config", "applies only to HTTP and HTTP_PROXY integrations, not to %s", in.Type)
	}
	switch in.Type {
	case IntegrationMock:
		// A MOCK integration calls nothing; a URI is kept only so that ported configurations apply.
		if in.URI != "" {
			if err := ValidateIntegrationURI(in.URI); err != nil {
				return fieldErr("uri", "%v, got %q", err, in.URI)
			}
		}
	case IntegrationHTTP, IntegrationHTTPProxy, IntegrationAWSProxy, IntegrationAWS:
		if in.URI == "" {
			return fieldErr("uri", "is required for a %s integration", in.Type)
		}
		if err := ValidateIntegrationURIForType(in.Type, in.URI); err != nil {
			return fieldErr("uri", "%v, got %q", err, in.URI)
		}
		if in.IntegrationHTTPMethod == "" {
			return fieldErr("integration_http_method", "is required for a %s integration", in.Type)
		}
		if err := oneOf("integration_http_method", in.IntegrationHTTPMethod, HTTPMethods); err != nil {
			return err
		}
		if in.Type == IntegrationAWSProxy && in.IntegrationHTTPMethod != "POST" {
			return fieldErr("integration_http_method", "must be POST for an AWS_PROXY integration (the Lambda Invoke API), got %q", in.IntegrationHTTPMethod)
		}
		if in.Type == IntegrationAWS && in.IntegrationHTTPMethod == "ANY" {
			return fieldErr("integration_http_method", "must name one verb for an AWS integration, got ANY")
		}
		if in.Type == IntegrationAWS && in.IntegrationHTTPMethod != "POST" && strings.Contains(in.URI, ":lambda:path/") {
			return fieldErr("integration_http_method", "must be POST for an AWS integration with a Lambda function (the Lambda Invoke API), got %q", in.IntegrationHTTPMethod)
		}
	}
	if err := ValidateIntegrationCredentials(in.Type, in.URI, in.Credentials); err != nil {
		return fieldErr("credentials", "%v", err)
	}
	if err := in.validateConnection(); err != nil {
		return err
	}
	if err := oneOf("passthrough_behavior", in.PassthroughBehavior, PassthroughBehaviors); err != nil {
		return err
	}
	if in.TimeoutMilliseconds < MinTimeoutMillis || in.TimeoutMilliseconds > MaxTimeoutMillis {
		return fieldErr("timeout_milliseconds", "must be between %d and %d, got %d", MinTimeoutMillis, MaxTimeoutMillis, in.TimeoutMilliseconds)
	}
	if in.ContentHandling != "" {
		if err := oneOf("content_handling", in.ContentHandling, []string{"CONVERT_TO_BINARY", "CONVERT_TO_TEXT"}); err != nil {
			return err
		}
	}
	for k, v := range in.RequestParameters {
		if !IntegrationRequestParameterPattern.MatchString(k) {
			return fieldErr("request_parameters", "key %q must look like integration.request.{path|querystring|header}.NAME", k)
		}
		if !IntegrationRequestValuePattern.MatchString(v) {
			return fieldErr("request_parameters", "value %q of %q must be method.request.{path|querystring|header}.NAME, 'literal', stageVariables.NAME or context.NAME", v, k)
		}
		if err := checkBodyPath(v, "method.request.body."); err != nil {
			return fieldErr("request_parameters", "value %q of %q: %v", v, k, err)
		}
	}
	for ct, t := range in.RequestTemplates {
		if !MediaTypePattern.MatchString(ct) {
			return fieldErr("request_templates", "key %q must be a content type", ct)
		}
		if err := checkText("request_templates."+ct, t, MaxTemplateLength, true); err != nil {
			return err
		}
	}
	if err := checkText("cache_namespace", in.CacheNamespace, MaxNameLength, false); err != nil {
		return err
	}
	for i, p := range in.CacheKeyParameters {
		if !MethodRequestParameterPattern.MatchString(p) {
			return fieldErr(fmt.Sprintf("cache_key_parameters[%d]", i), "must look like method.request.{path|querystring|header}.NAME, got %q", p)
		}
	}
	return nil
}

// Normalize fills defaults.
func (r *MethodResponse) Normalize() {
	r.HTTPMethod = strings.ToUpper(r.HTTPMethod)
	r.ResponseParameters = emptyIfNil(r.ResponseParameters)
	r.ResponseModels = emptyIfNil(r.ResponseModels)
}

// Validate checks the fields a client sets.
func (r *MethodResponse) Validate() error {
	if !StatusCodePattern.MatchString(r.StatusCode) {
		return fieldErr("status_code", "must be an HTTP status code between 100 and 599, got %q", r.StatusCode)
	}
	for k := range r.ResponseParameters {
		if !MethodResponseParameterPattern.MatchString(k) {
			return fieldErr("response_parameters", "key %q must look like method.response.header.NAME", k)
		}
	}
	for ct := range r.ResponseModels {
		if !MediaTypePattern.MatchString(ct) {
			return fieldErr("response_models", "key %q must be a content type", ct)
		}
	}
	return nil
}

// Normalize fills defaults.
func (r *IntegrationResponse) Normalize() {
	r.HTTPMethod = strings.ToUpper(r.HTTPMethod)
	r.ResponseParameters = emptyIfNil(r.ResponseParameters)
	r.ResponseTemplates = emptyIfNil(r.ResponseTemplates)
}

// Validate checks the fields a client sets.
func (r *IntegrationResponse) Validate() error {
	if !StatusCodePattern.MatchString(r.StatusCode) {
		return fieldErr("status_code", "must be an HTTP status code between 100 and 599, got %q", r.StatusCode)
	}
	if r.SelectionPattern != "" {
		if _, err := regexp.Compile(r.SelectionPattern); err != nil {
			return fieldErr("selection_pattern", "must be a valid regular expression (RE2 syntax): %v", err)
		}
	}
	for k, v := range r.ResponseParameters {
		if !MethodResponseParameterPattern.MatchString(k) {
			return fieldErr("response_parameters", "key %q must look like method.response.header.NAME", k)
		}
		if !IntegrationResponseValuePattern.MatchString(v) {
			return fieldErr("response_parameters", "value %q of %q must be integration.response.header.NAME, integration.response.body, 'literal' or stageVariables.NAME", v, k)
		}
		if err := checkBodyPath(v, "integration.response.body."); err != nil {
			return fieldErr("response_parameters", "value %q of %q: %v", v, k, err)
		}
	}
	for ct, t := range r.ResponseTemplates {
		if !MediaTypePattern.MatchString(ct) {
			return fieldErr("response_templates", "key %q must be a content type", ct)
		}
		if err := checkText("response_templates."+ct, t, MaxTemplateLength, true); err != nil {
			return err
		}
	}
	if r.ContentHandling != "" {
		if err := oneOf("content_handling", r.ContentHandling, []string{"CONVERT_TO_BINARY", "CONVERT_TO_TEXT"}); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the fields a client sets.
func (d *Deployment) Validate() error {
	if err := checkText("description", d.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	return nil
}

// CacheClusterSizes are API Gateway's cache sizes in GB.
var CacheClusterSizes = []string{"0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"}

// Normalize fills defaults.
func (s *Stage) Normalize() {
	// Derived on every read, never stored: what a client sends for them is dropped.
	s.InvokeURL, s.ARN, s.ExecutionARN = "", "", ""
	s.Variables = emptyIfNil(s.Variables)
	s.Tags = emptyIfNil(s.Tags)
	if s.CacheClusterSize == "" {
		s.CacheClusterSize = "0.5"
	}
	if s.CanarySettings != nil {
		s.CanarySettings.Normalize()
	}
}

// Validate checks the fields a client sets.
func (s *Stage) Validate() error {
	if !StageNamePattern.MatchString(s.StageName) {
		return fieldErr("stage_name", "must be 1 to 128 letters, digits, hyphens or underscores, got %q", s.StageName)
	}
	if !s.AutoDeploy && s.DeploymentID == "" {
		return fieldErr("deployment_id", "is required unless auto_deploy is true")
	}
	if err := checkText("description", s.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	if err := oneOf("cache_cluster_size", s.CacheClusterSize, CacheClusterSizes); err != nil {
		return err
	}
	if len(s.Variables) > MaxStageVariables {
		return fieldErr("variables", "must have at most %d entries", MaxStageVariables)
	}
	for k, v := range s.Variables {
		if !StageVariableNamePattern.MatchString(k) {
			return fieldErr("variables", "name %q must be 1 to 64 letters, digits or underscores", k)
		}
		if len(v) > 512 || !StageVariableValuePattern.MatchString(v) {
			return fieldErr("variables."+k, "must be at most 512 characters of letters, digits and -._~:/?#&=, got %q", v)
		}
	}
	if s.CanarySettings != nil {
		if err := s.CanarySettings.Validate(); err != nil {
			return err
		}
	}
	if s.AccessLogSettings != nil {
		if err := s.AccessLogSettings.Validate(); err != nil {
			return err
		}
	}
	return validateTags("tags", s.Tags)
}

// MethodKey is the store key of a method (and of its integration): RESOURCE_ID/VERB.
func MethodKey(resourceID, verb string) string { return resourceID + "/" + verb }

// ResponseKey is the store key of a method or integration response: RESOURCE_ID/VERB/STATUS.
func ResponseKey(resourceID, verb, status string) string {
	return resourceID + "/" + verb + "/" + status
}

// checkBodyPath checks the JSONPath of a body source (prefix then the path, such as
// method.request.body.pet.name), as the data plane compiles it: "$" then the rest.
func checkBodyPath(v, prefix string) error {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return nil
	}
	if _, err := jp.ParseString("$." + rest); err != nil {
		return fmt.Errorf("invalid JSONPath %q: %v", "$."+rest, err)
	}
	return nil
}

// ModelURL is the URL by which a schema refers to a model of the API with $ref, as in API Gateway.
func ModelURL(apiID, name string) string {
	return "https://apigateway.amazonaws.com/restapis/" + apiID + "/models/" + name
}

// Normalize fills defaults.
func (m *Model) Normalize() {
	if m.ContentType == "" {
		m.ContentType = "application/json"
	}
}

// Validate checks the fields a client sets. Whether the schema compiles, references included, is
// checked by the control plane, which knows the API's other models.
func (m *Model) Validate() error {
	if !ModelNamePattern.MatchString(m.Name) {
		return fieldErr("name", "must be 1 to 128 letters or digits, got %q", m.Name)
	}
	if err := checkText("description", m.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	if !MediaTypePattern.MatchString(m.ContentType) {
		return fieldErr("content_type", "must be a content type such as application/json, got %q", m.ContentType)
	}
	if strings.TrimSpace(m.Schema) == "" {
		return fieldErr("schema", "must not be empty: a JSON Schema (draft 4) such as {\"type\": \"object\"}")
	}
	return checkText("schema", m.Schema, MaxSchemaLength, true)
}

// Validate checks the fields a client sets.
func (v *RequestValidator) Validate() error {
	return checkName("name", v.Name, MaxNameLength)
}
