package model

import (
	"regexp"
	"unicode/utf8"
)

// The rules below are defined once, here: the admin API refuses what they refuse, and the provider
// checks the same patterns at plan time so that a mistake fails before an apply starts.
var (
	// StatusCodePattern matches the status code of a method or integration response.
	StatusCodePattern = regexp.MustCompile(`^[1-5][0-9][0-9]$`)
	// StageNamePattern matches a stage name.
	StageNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// PathPartPattern matches a resource's path part: a literal segment, {name} or {name+}.
	PathPartPattern = regexp.MustCompile(`^(\{[A-Za-z0-9._-]+\+?\}|[A-Za-z0-9._~:@!$&'()*,;=-]+)$`)
	// MethodRequestParameterPattern matches method.request.{location}.NAME: a method's request
	// parameters and an integration's cache key parameters.
	MethodRequestParameterPattern = regexp.MustCompile(`^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s]+$`)
	// IntegrationRequestParameterPattern matches the key of an integration's request parameter.
	IntegrationRequestParameterPattern = regexp.MustCompile(`^integration\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s]+$`)
	// IntegrationRequestValuePattern matches the value of an integration's request parameter.
	IntegrationRequestValuePattern = regexp.MustCompile(`^(method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s]+|method\.request\.body(\.[^\s]+)?|'[^'\x00-\x1f\x7f]*'|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)
	// MethodResponseParameterPattern matches method.response.header.NAME.
	MethodResponseParameterPattern = regexp.MustCompile(`^method\.response\.header\.[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+$`)
	// IntegrationResponseValuePattern matches the value of an integration response's parameter.
	IntegrationResponseValuePattern = regexp.MustCompile(`^(integration\.response\.(header\.[^\s]+|multivalueheader\.[^\s]+|body(\.[^\s]+)?)|'[^'\x00-\x1f\x7f]*'|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)
	// MediaTypePattern matches a content type such as application/json or image/*.
	MediaTypePattern = regexp.MustCompile(`^[A-Za-z0-9*!#$&^_.+-]+/[A-Za-z0-9*!#$&^_.+-]+$`)
	// StageVariableNamePattern matches a stage variable's name.
	StageVariableNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	// StageVariableValuePattern matches a stage variable's value (API Gateway's characters).
	StageVariableValuePattern = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]*$`)
	// MethodSettingsPathPattern matches a method settings path: "*/*" or resource/path/VERB without a
	// leading slash (pets/{petId}/GET, pets/*).
	MethodSettingsPathPattern = regexp.MustCompile(`^(\*/\*|[^\s/][^\s]*/(\*|ANY|DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT))$`)
	// PlanMethodPathPattern matches a usage plan's per-method throttle path: /resource/path/VERB.
	PlanMethodPathPattern = regexp.MustCompile(`^/[^\s]*/(\*|ANY|DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT)$`)
	// ModelNamePattern matches a model's name: letters and digits, as API Gateway requires.
	ModelNamePattern = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)
	// APIKeyValuePattern matches a key value a client chooses: printable ASCII without spaces.
	APIKeyValuePattern = regexp.MustCompile(`^[\x21-\x7e]+$`)

	stageVarRefRE = regexp.MustCompile(`\$\{stageVariables\.([^}]*)\}`)
)

// Limits of what a client may store, in characters (Unicode code points). API Gateway's where it
// documents one; elsewhere a bound that keeps a stored object and its snapshot small.
const (
	MaxNameLength         = 255     // REST API names, operation names, cache namespaces
	MaxMeteringNameLength = 1024    // API key and usage plan names
	MaxDescriptionLength  = 4096    // descriptions
	MaxPathPartLength     = 255     // one resource path part
	MaxPathLength         = 2048    // a resource's whole path
	MaxTemplateLength     = 300_000 // one mapping template (API Gateway: 300 KB)
	MaxSchemaLength       = 400_000 // one model's schema (API Gateway: 400 KB)
	MaxTagKeyLength       = 128
	MaxTagValueLength     = 256
	MaxTags               = 50
	MaxStageVariables     = 100
)

// checkText refuses text that is not valid UTF-8, longer than max characters, or holding control
// characters: a name or tag can end up in a terminal, a log line or a header, where NUL, newlines
// or ANSI escapes do harm. multiline admits tab, line feed and carriage return (descriptions,
// templates).
func checkText(field, v string, max int, multiline bool) error {
	if !utf8.ValidString(v) {
		return fieldErr(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fieldErr(field, "must be at most %d characters, got %d", max, n)
	}
	for _, r := range v {
		if (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) && !(multiline && (r == '\t' || r == '\n' || r == '\r')) {
			return fieldErr(field, "must not hold control characters (found %U)", r)
		}
	}
	return nil
}
