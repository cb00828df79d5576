package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func apiKeyPath(id string) string { return "/v1/apikeys/" + esc(id) }

func planPath(id string) string { return "/v1/usageplans/" + esc(id) }

// methodSettingsPath keeps the method path's slashes: "pets/{petId}/GET" stays three segments. The
// segments go in unescaped because do sets the request URL's decoded Path, which net/url escapes segment
// by segment when it sends ("{" as %7B); escaping them here as well would send "%257B".
func methodSettingsPath(apiID, stage, methodPath string) string {
	return apiPath(apiID) + "/stages/" + esc(stage) + "/methodsettings/" + methodPath
}

// CreateAPIKey creates an API key; with in.Value empty the server generates one. The answer is the only
// one that carries the value.
func (c *Client) CreateAPIKey(ctx context.Context, in model.APIKey) (model.APIKey, error) {
	return send(ctx, c, http.MethodPost, "/v1/apikeys", in)
}

// GetAPIKey reads an API key (without its value).
func (c *Client) GetAPIKey(ctx context.Context, id string) (model.APIKey, error) {
	return get[model.APIKey](ctx, c, apiKeyPath(id))
}

// ListAPIKeys lists every API key (without values).
func (c *Client) ListAPIKeys(ctx context.Context) ([]model.APIKey, error) {
	return getList[model.APIKey](ctx, c, "/v1/apikeys")
}

// ListAPIKeysOfCustomer lists the API keys (without values) whose customer_id is customerID; "" lists
// the keys without one.
func (c *Client) ListAPIKeysOfCustomer(ctx context.Context, customerID string) ([]model.APIKey, error) {
	var out list[model.APIKey]
	err := c.do(ctx, http.MethodGet, "/v1/apikeys", url.Values{"customer_id": {customerID}}, nil, &out)
	return out.Items, err
}

// UpdateAPIKey replaces a key's name, description, enabled flag and tags. in.Value must be empty or the
// key's current value.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, in model.APIKey, opts ...WriteOption) (model.APIKey, error) {
	return send(ctx, c, http.MethodPut, apiKeyPath(id), in, opts...)
}

// DeleteAPIKey deletes a key and detaches it from its usage plans.
func (c *Client) DeleteAPIKey(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, apiKeyPath(id), nil, opts...)
}

// CreateUsagePlan creates a usage plan.
func (c *Client) CreateUsagePlan(ctx context.Context, in model.UsagePlan) (model.UsagePlan, error) {
	return send(ctx, c, http.MethodPost, "/v1/usageplans", in)
}

// GetUsagePlan reads a usage plan.
func (c *Client) GetUsagePlan(ctx context.Context, id string) (model.UsagePlan, error) {
	return get[model.UsagePlan](ctx, c, planPath(id))
}

// ListUsagePlans lists every usage plan.
func (c *Client) ListUsagePlans(ctx context.Context) ([]model.UsagePlan, error) {
	return getList[model.UsagePlan](ctx, c, "/v1/usageplans")
}

// UpdateUsagePlan replaces a usage plan.
func (c *Client) UpdateUsagePlan(ctx context.Context, id string, in model.UsagePlan, opts ...WriteOption) (model.UsagePlan, error) {
	return send(ctx, c, http.MethodPut, planPath(id), in, opts...)
}

// DeleteUsagePlan deletes a usage plan with its keys and usage counts.
func (c *Client) DeleteUsagePlan(ctx context.Context, id string, opts ...WriteOption) error {
	return c.del(ctx, planPath(id), nil, opts...)
}

// CreateUsagePlanKey attaches an API key to a plan; keyType is API_KEY (or empty for it).
func (c *Client) CreateUsagePlanKey(ctx context.Context, planID, keyID, keyType string) (model.UsagePlanKey, error) {
	body := struct {
		KeyID   string `json:"key_id"`
		KeyType string `json:"key_type,omitempty"`
	}{keyID, keyType}
	var out model.UsagePlanKey
	err := c.do(ctx, http.MethodPost, planPath(planID)+"/keys", nil, body, &out)
	return out, err
}

// GetUsagePlanKey reads one key of a plan.
func (c *Client) GetUsagePlanKey(ctx context.Context, planID, keyID string) (model.UsagePlanKey, error) {
	return get[model.UsagePlanKey](ctx, c, planPath(planID)+"/keys/"+esc(keyID))
}

// ListUsagePlanKeys lists a plan's keys.
func (c *Client) ListUsagePlanKeys(ctx context.Context, planID string) ([]model.UsagePlanKey, error) {
	return getList[model.UsagePlanKey](ctx, c, planPath(planID)+"/keys")
}

// DeleteUsagePlanKey detaches a key from a plan.
func (c *Client) DeleteUsagePlanKey(ctx context.Context, planID, keyID string, opts ...WriteOption) error {
	return c.del(ctx, planPath(planID)+"/keys/"+esc(keyID), nil, opts...)
}

// PutMethodSettings creates or replaces a stage's settings for methodPath ("*/*" or
// "resource/path/VERB"). Every field of in is sent; start from model.DefaultMethodSetting to change a few.
func (c *Client) PutMethodSettings(ctx context.Context, apiID, stage, methodPath string, in model.MethodSetting, opts ...WriteOption) (model.MethodSettings, error) {
	body := struct {
		Settings model.MethodSetting `json:"settings"`
	}{in}
	var out model.MethodSettings
	err := c.do(ctx, http.MethodPut, methodSettingsPath(apiID, stage, methodPath), nil, body, &out, opts...)
	return out, err
}

// GetMethodSettings reads a stage's settings for one method path.
func (c *Client) GetMethodSettings(ctx context.Context, apiID, stage, methodPath string) (model.MethodSettings, error) {
	return get[model.MethodSettings](ctx, c, methodSettingsPath(apiID, stage, methodPath))
}

// ListMethodSettings lists a stage's method settings.
func (c *Client) ListMethodSettings(ctx context.Context, apiID, stage string) ([]model.MethodSettings, error) {
	return getList[model.MethodSettings](ctx, c, apiPath(apiID)+"/stages/"+esc(stage)+"/methodsettings")
}

// DeleteMethodSettings removes a stage's settings for one method path.
func (c *Client) DeleteMethodSettings(ctx context.Context, apiID, stage, methodPath string, opts ...WriteOption) error {
	return c.del(ctx, methodSettingsPath(apiID, stage, methodPath), nil, opts...)
}

// GetUsage returns a plan's per-day usage and remaining quota from start to end (UTC days, inclusive),
// for every key of the plan or, with keyID set, for that key only.
func (c *Client) GetUsage(ctx context.Context, planID, keyID string, start, end time.Time) (model.UsageReport, error) {
	q := url.Values{"startDate": {start.UTC().Format(time.DateOnly)}, "endDate": {end.UTC().Format(time.DateOnly)}}
	if keyID != "" {
		q.Set("keyId", keyID)
	}
	var out model.UsageReport
	err := c.do(ctx, http.MethodGet, planPath(planID)+"/usage", q, nil, &out)
	return out, err
}
