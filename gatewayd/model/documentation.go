package model

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DocumentationPart documents one entity of an API (the API itself, a resource, a method, a
// parameter, a response, ...), as API Gateway's documentation parts: Location says which, Properties
// (a JSON object) what. Parts belong to their API; a DocumentationVersion keeps a copy of them.
type DocumentationPart struct {
	// ID is server-generated: 6 lowercase alphanumerics.
	ID        string                `json:"id"`
	RestAPIID string                `json:"rest_api_id"`
	Location  DocumentationLocation `json:"location"`
	// Properties is the text of a JSON object, kept as written.
	Properties string `json:"properties"`
	Version    int64  `json:"version"`
}

// DocumentationLocation is the entity a part documents. Which fields a type allows is API Gateway's
// rule (DocumentationLocationFields); a field left out takes API Gateway's default: path "/",
// method "*", status_code "*".
type DocumentationLocation struct {
	Type       string `json:"type"`
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	StatusCode string `json:"status_code,omitempty"`
	Name       string `json:"name,omitempty"`
}

// Documentation location fields.
const (
	DocFieldMethod     = "method"
	DocFieldPath       = "path"
	DocFieldStatusCode = "status_code"
	DocFieldName       = "name"
)

// DocumentationLocationFields lists, per location type, the fields it allows; the types are API
// Gateway's. name is required where it is allowed, except for REQUEST_BODY.
var DocumentationLocationFields = map[string][]string{
	"API":             nil,
	"AUTHORIZER":      {DocFieldName},
	"MODEL":           {DocFieldName},
	"RESOURCE":        {DocFieldPath},
	"METHOD":          {DocFieldPath, DocFieldMethod},
	"PATH_PARAMETER":  {DocFieldPath, DocFieldMethod, DocFieldName},
	"QUERY_PARAMETER": {DocFieldPath, DocFieldMethod, DocFieldName},
	"REQUEST_HEADER":  {DocFieldPath, DocFieldMethod, DocFieldName},
	"REQUEST_BODY":    {DocFieldPath, DocFieldMethod, DocFieldName},
	"RESPONSE":        {DocFieldPath, DocFieldMethod, DocFieldStatusCode},
	"RESPONSE_HEADER": {DocFieldPath, DocFieldMethod, DocFieldStatusCode, DocFieldName},
	"RESPONSE_BODY":   {DocFieldPath, DocFieldMethod, DocFieldStatusCode},
}

// DocumentationLocationTypes lists the location types, sorted.
func DocumentationLocationTypes() []string {
	out := make([]string, 0, len(DocumentationLocationFields))
	for t := range DocumentationLocationFields {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

var docStatusCodeRE = regexp.MustCompile(`^([1-5][0-9][0-9]|\*)$`)

// MaxDocumentationProperties caps a part's properties, in bytes.
const MaxDocumentationProperties = 32 << 10

// Validate checks a location against its type's fields.
func (l DocumentationLocation) Validate() error {
	allowed, ok := DocumentationLocationFields[l.Type]
	if !ok {
		return fieldErr("location.type", "must be one of %s, got %q", strings.Join(DocumentationLocationTypes(), ", "), l.Type)
	}
	set := map[string]string{DocFieldMethod: l.Method, DocFieldPath: l.Path, DocFieldStatusCode: l.StatusCode, DocFieldName: l.Name}
	for _, f := range []string{DocFieldMethod, DocFieldPath, DocFieldStatusCode, DocFieldName} {
		if set[f] != "" && !slices.Contains(allowed, f) {
			return fieldErr("location."+f, "is not allowed with location type %s (it allows %s)", l.Type, fieldList(allowed))
		}
	}
	if slices.Contains(allowed, DocFieldName) && l.Name == "" && l.Type != "REQUEST_BODY" {
		return fieldErr("location.name", "is required with location type %s", l.Type)
	}
	if l.Path != "" && !strings.HasPrefix(l.Path, "/") {
		return fieldErr("location.path", "must be a resource path starting with /, got %q", l.Path)
	}
	if l.Method != "" && l.Method != "*" && !slices.Contains(HTTPMethods, l.Method) {
		return fieldErr("location.method", "must be * or one of %s, got %q", strings.Join(HTTPMethods, ", "), l.Method)
	}
	if l.StatusCode != "" && !docStatusCodeRE.MatchString(l.StatusCode) {
		return fieldErr("location.status_code", "must be a status code (100 to 599) or *, got %q", l.StatusCode)
	}
	return nil
}

func fieldList(fs []string) string {
	if len(fs) == 0 {
		return "no other field"
	}
	return strings.Join(fs, ", ")
}

// Key is the location with API Gateway's defaults filled: two parts may not share it.
func (l DocumentationLocation) Key() DocumentationLocation {
	allowed := DocumentationLocationFields[l.Type]
	def := func(f, v, d string) string {
		if v == "" && slices.Contains(allowed, f) {
			return d
		}
		return v
	}
	l.Path = def(DocFieldPath, l.Path, "/")
	l.Method = def(DocFieldMethod, l.Method, "*")
	l.StatusCode = def(DocFieldStatusCode, l.StatusCode, "*")
	return l
}

// Validate checks a part's location and properties.
func (p *DocumentationPart) Validate() error {
	if err := p.Location.Validate(); err != nil {
		return err
	}
	if len(p.Properties) > MaxDocumentationProperties {
		return fieldErr("properties", "must be at most %d bytes, got %d", MaxDocumentationProperties, len(p.Properties))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(p.Properties), &obj); err != nil || obj == nil {
		return fieldErr("properties", "must be a JSON object, such as {\"description\": \"...\"}")
	}
	return nil
}

// DocumentationVersion is a named copy of an API's documentation parts as they were when it was
// made. A stage's documentation_version names the one its exports carry.
type DocumentationVersion struct {
	RestAPIID   string    `json:"rest_api_id"`
	Version     string    `json:"version"`
	Description string    `json:"description"`
	CreatedDate time.Time `json:"created_date"`
	// Revision is the record's version, for If-Match ("version" is the name).
	Revision int64 `json:"revision"`
}

// DocumentationVersionPattern is a documentation version's name.
var DocumentationVersionPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Validate checks a documentation version's name and description.
func (v *DocumentationVersion) Validate() error {
	if !DocumentationVersionPattern.MatchString(v.Version) {
		return fieldErr("version", "must be 1 to 64 letters, digits, dots, hyphens or underscores, got %q", v.Version)
	}
	return checkText("description", v.Description, MaxDescriptionLength, true)
}

// DocumentationExport is what an export writes as x-amazon-apigateway-documentation: a version's
// parts (or the API's current ones, with no version).
type DocumentationExport struct {
	Version     string
	CreatedDate time.Time
	Parts       []DocumentationPart
}
