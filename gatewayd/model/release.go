package model

import "encoding/json"

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
