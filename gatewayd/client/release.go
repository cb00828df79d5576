package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func stagePath(apiID, name string) string { return apiPath(apiID) + "/stages/" + esc(name) }

// RollbackStage points a stage back at deploymentID, or, when it is empty, at the deployment it served
// before its current one. It also turns the stage's auto_deploy off, so that the next change of the API
// does not undo the rollback. It returns the stage as rolled back.
//
// Like every POST, it is retried only when it never reached gatewayd: a rollback without a deployment
// that went through must not be repeated (the second one would undo the first).
func (c *Client) RollbackStage(ctx context.Context, apiID, name, deploymentID string, opts ...WriteOption) (model.Stage, error) {
	var body any
	if deploymentID != "" {
		body = struct {
			DeploymentID string `json:"deployment_id"`
		}{deploymentID}
	}
	var out model.Stage
	err := c.do(ctx, http.MethodPost, stagePath(apiID, name)+"/rollback", nil, body, &out, opts...)
	return out, err
}

// DiffDeployments says what differs between two deployments of an API: what a stage moving from
// deployment from to deployment to starts serving differently. The diff's Text is for people.
func (c *Client) DiffDeployments(ctx context.Context, apiID, from, to string) (model.DeploymentDiff, error) {
	return get[model.DeploymentDiff](ctx, c, apiPath(apiID)+"/deployments/"+esc(from)+"/diff/"+esc(to))
}

// StageHistoryDiffs lists the limit latest changes of a stage's deployment (all when limit is 0),
// oldest first, each with the diff of its move.
func (c *Client) StageHistoryDiffs(ctx context.Context, apiID, name string, limit int) ([]model.StageHistoryDiff, error) {
	q := url.Values{"diff": {"true"}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out list[model.StageHistoryDiff]
	err := c.do(ctx, http.MethodGet, stagePath(apiID, name)+"/history", q, nil, &out)
	return out.Items, err
}

// PromoteCanary makes a stage serve its canary's deployment and removes the canary. With
// mergeVariables the canary's stage variable overrides are merged into the stage's variables.
func (c *Client) PromoteCanary(ctx context.Context, apiID, name string, mergeVariables bool, opts ...WriteOption) (model.Stage, error) {
	body := struct {
		MergeVariables bool `json:"merge_variables"`
	}{mergeVariables}
	var out model.Stage
	err := c.do(ctx, http.MethodPost, stagePath(apiID, name)+"/canary/promote", nil, body, &out, opts...)
	return out, err
}

// CreateCanaryDeployment freezes the API's current configuration and makes it the canary of stage
// stageName (the deployment form of a canary release); the stage keeps serving its own deployment to
// the rest of its traffic. canary's DeploymentID is ignored: it is the new deployment.
func (c *Client) CreateCanaryDeployment(ctx context.Context, apiID string, in model.Deployment, stageName string, canary model.CanarySettings) (model.Deployment, error) {
	canary.DeploymentID = ""
	body := struct {
		model.Deployment
		StageName      string                `json:"stage_name"`
		CanarySettings *model.CanarySettings `json:"canary_settings"`
	}{in, stageName, &canary}
	var out model.Deployment
	err := c.do(ctx, http.MethodPost, apiPath(apiID)+"/deployments", nil, body, &out)
	return out, err
}

// ImportOptions tune ImportRestAPI. The fields of the API set here win over the document's.
type ImportOptions struct {
	// Mode is "overwrite" (the default) or "merge".
	Mode string
	// FailOnWarnings refuses a document the import would not take whole.
	FailOnWarnings bool
	// Parameters are API Gateway's import parameters: basepath (ignore, prepend, split) and
	// ignore=documentation.
	Parameters map[string]string

	Name, Description, APIKeySource *string
	BinaryMediaTypes                *[]string
	Tags                            *map[string]string
	// MinimumCompressionSize, when set, wins over the document's (-1 turns compression off).
	MinimumCompressionSize *int
	// Policy, when set, is the resource policy, whatever the document's ("" none).
	Policy *string
}

// ImportWarning is a part of a document an import left out, with its JSON pointer.
type ImportWarning struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// ImportResult is an imported API with what the import left out.
type ImportResult struct {
	model.RestAPI
	Warnings []ImportWarning `json:"warnings"`
}

// ImportRestAPI puts an OpenAPI 3.0/3.1 or Swagger 2.0 document (JSON or YAML) into an API, in one
// transaction and one deployment of its auto-deploy stages (PUT /v1/restapis/{id}?mode=...).
func (c *Client) ImportRestAPI(ctx context.Context, apiID string, document []byte, opts ImportOptions, wopts ...WriteOption) (ImportResult, error) {
	q := url.Values{}
	mode := opts.Mode
	if mode == "" {
		mode = "overwrite"
	}
	q.Set("mode", mode)
	if opts.FailOnWarnings {
		q.Set("fail_on_warnings", "true")
	}
	for k, v := range opts.Parameters {
		q.Set(k, v)
	}
	body := struct {
		Body             string             `json:"body"`
		Name             *string            `json:"name,omitempty"`
		Description      *string            `json:"description,omitempty"`
		APIKeySource     *string            `json:"api_key_source,omitempty"`
		BinaryMediaTypes *[]string          `json:"binary_media_types,omitempty"`
		Tags             *map[string]string `json:"tags,omitempty"`
		MinCompression   *int               `json:"minimum_compression_size,omitempty"`
		Policy           *string            `json:"policy,omitempty"`
	}{string(document), opts.Name, opts.Description, opts.APIKeySource, opts.BinaryMediaTypes, opts.Tags, opts.MinimumCompressionSize, opts.Policy}
	var out ImportResult
	err := c.do(ctx, http.MethodPut, apiPath(apiID), q, body, &out, wopts...)
	return out, err
}

// Export is an exported OpenAPI document.
type Export struct {
	Body        []byte
	ContentType string
}

// ExportStage exports what a stage serves as an OpenAPI document: exportType "oas30" or "swagger",
// accept "application/json" (the default) or "application/yaml", extensions among "integrations",
// "authorizers" and "apigateway".
func (c *Client) ExportStage(ctx context.Context, apiID, stage, exportType, accept string, extensions []string) (Export, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + stagePath(apiID, stage) + "/exports/" + esc(exportType)
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return Export{}, err
	}
	u.Path = p
	if len(extensions) > 0 {
		u.RawQuery = url.Values{"extensions": {strings.Join(extensions, ",")}}.Encode()
	}
	if accept == "" {
		accept = "application/json"
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, idempotentKey{}, true), http.MethodGet, u.String(), nil)
	if err != nil {
		return Export{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return Export{}, fmt.Errorf("calling gatewayd GET %s: %w", u.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return Export{}, fmt.Errorf("reading gatewayd answer to GET %s: %w", u.Path, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{StatusCode: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(data))
		}
		return Export{}, e
	}
	return Export{Body: data, ContentType: resp.Header.Get("Content-Type")}, nil
}
