package model

import (
	"encoding/json"
	"regexp"
)

// Kinds of object a deployment diff names.
const (
	DiffAPI                 = "api"
	DiffRoute               = "route"
	DiffMethod              = "method"
	DiffIntegration         = "integration"
	DiffMethodResponse      = "method_response"
	DiffIntegrationResponse = "integration_response"
	DiffModel               = "model"
	DiffRequestValidator    = "request_validator"
)

// Actions of a deployment diff's changes.
const (
	DiffAdded   = "added"
	DiffRemoved = "removed"
	DiffChanged = "changed"
)

// DeploymentDiff says what differs between two deployments of one API: what a stage moving from
// FromDeploymentID to ToDeploymentID starts serving differently.
type DeploymentDiff struct {
	RestAPIID        string `json:"rest_api_id"`
	FromDeploymentID string `json:"from_deployment_id"`
	ToDeploymentID   string `json:"to_deployment_id"`
	// Changes are ordered by route (resource path), then by kind and key.
	Changes []DiffChange `json:"changes"`
	// Text is Changes for people: one line per change, then a line per changed field, mapping
	// templates and schemas as line diffs.
	Text string `json:"text"`
}

// DiffChange is one object added, removed or changed.
type DiffChange struct {
	// Kind is one of the Diff* kinds: api, route, method, integration, method_response,
	// integration_response, model, request_validator.
	Kind string `json:"kind"`
	// Key names the object within its API: "/pets/{petId}" for a route, "GET /pets/{petId}" for a method
	// or integration, "GET /pets/{petId} 200" for a response, the name of a model or validator, "" for
	// the API itself.
	Key string `json:"key"`
	// Action is added, removed or changed.
	Action string `json:"action"`
	// Fields are the fields that differ, for a changed object. Map fields are compared entry by entry
	// ("request_templates.application/json").
	Fields []DiffField `json:"fields,omitempty"`
}

// DiffField is one field of a changed object, with its JSON values before and after (null when the
// entry of a map field was absent).
type DiffField struct {
	Field string          `json:"field"`
	From  json.RawMessage `json:"from"`
	To    json.RawMessage `json:"to"`
}

// StageHistoryDiff is a stage history entry with what its move changed: the diff from
// PreviousDeploymentID to DeploymentID, or why there is none (the first entry has no previous
// deployment; a deployment gatewayd no longer keeps cannot be compared).
type StageHistoryDiff struct {
	StageHistoryEntry
	Diff      *DeploymentDiff `json:"diff,omitempty"`
	DiffError string          `json:"diff_error,omitempty"`
}

// CanarySettings send a share of a stage's traffic to another deployment (the canary), as API
// Gateway's canary releases do. The stage's own deployment serves the rest.
type CanarySettings struct {
	// DeploymentID is the canary's deployment: any deployment of the API, never forced to the stage's.
	DeploymentID string `json:"deployment_id"`
	// PercentTraffic is the share of requests the canary serves, 0.0 to 100.0.
	PercentTraffic float64 `json:"percent_traffic"`
	// StageVariableOverrides replace or add stage variables for the canary's requests only.
	StageVariableOverrides map[string]string `json:"stage_variable_overrides"`
	// UseStageCache makes the canary's methods use the stage's response cache (with keys of its own
	// deployment, so neither serves the other's answers); without it the canary's requests are not
	// cached.
	UseStageCache bool `json:"use_stage_cache"`
	// StickyHeader or StickyCookie, when one is set, make the choice sticky: a request carrying that
	// header (or cookie) goes where every request with the same value goes, and raising PercentTraffic
	// only moves more values to the canary. Requests without it are split at random. At most one of them.
	StickyHeader string `json:"sticky_header"`
	StickyCookie string `json:"sticky_cookie"`
}

// Normalize fills defaults.
func (c *CanarySettings) Normalize() {
	c.StageVariableOverrides = emptyIfNil(c.StageVariableOverrides)
}

// Validate checks the fields a client sets.
func (c *CanarySettings) Validate() error {
	if c.DeploymentID == "" {
		return fieldErr("canary_settings.deployment_id", "is required: the deployment the canary serves")
	}
	if !(c.PercentTraffic >= 0 && c.PercentTraffic <= 100) { // also refuses NaN
		return fieldErr("canary_settings.percent_traffic", "must be between 0.0 and 100.0, got %v", c.PercentTraffic)
	}
	if err := validateStageVariables("canary_settings.stage_variable_overrides", c.StageVariableOverrides); err != nil {
		return err
	}
	if c.StickyHeader != "" && c.StickyCookie != "" {
		return fieldErr("canary_settings.sticky_cookie", "must be empty when sticky_header is set: a canary is sticky by one of them")
	}
	if c.StickyHeader != "" && !TokenPattern.MatchString(c.StickyHeader) {
		return fieldErr("canary_settings.sticky_header", "must be a header name, got %q", c.StickyHeader)
	}
	if c.StickyCookie != "" && !TokenPattern.MatchString(c.StickyCookie) {
		return fieldErr("canary_settings.sticky_cookie", "must be a cookie name, got %q", c.StickyCookie)
	}
	return nil
}

// validateStageVariables checks stage variables (or their canary overrides) under field.
func validateStageVariables(field string, vars map[string]string) error {
	if len(vars) > MaxStageVariables {
		return fieldErr(field, "must have at most %d entries", MaxStageVariables)
	}
	for k, v := range vars {
		if !StageVariableNamePattern.MatchString(k) {
			return fieldErr(field, "name %q must be 1 to 64 letters, digits or underscores", k)
		}
		if len(v) > 512 || !StageVariableValuePattern.MatchString(v) {
			return fieldErr(field+"."+k, "must be at most 512 characters of letters, digits and -._~:/?#&=, got %q", v)
		}
	}
	return nil
}

// TokenPattern matches an RFC 9110 token: a header or cookie name.
var TokenPattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
