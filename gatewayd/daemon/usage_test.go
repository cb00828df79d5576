package daemon

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// meteredAPI configures, through the admin API, GET /ping (MOCK) requiring an API key, on an
// auto-deploy stage, with a plan of quota/DAY holding one key. It returns the stage's URL of /ping,
// the plan id, the key id and the key's value.
func meteredAPI(t *testing.T, c *client.Client, quota int64) (url, planID, keyID, value string) {
	t.Helper()
	ctx := context.Background()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	api, err := c.CreateRestAPI(ctx, model.RestAPI{Name: "metered"})
	check(err)
	res, err := c.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "ping"})
	check(err)
	id := client.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	_, err = c.PutMethod(ctx, id, model.Method{Authorization: "NONE", APIKeyRequired: true})
	check(err)
	_, err = c.PutIntegration(ctx, id, model.Integration{Type: "MOCK"})
	check(err)
	_, err = c.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{})
	check(err)
	st, err := c.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true})
	check(err)
	plan, err := c.CreateUsagePlan(ctx, model.UsagePlan{Name: "gold", Quota: &model.QuotaSettings{Limit: quota, Period: "DAY"},
		APIStages: []model.UsagePlanStage{{APIID: api.ID, Stage: "prod"}}})
	check(err)
	key, err := c.CreateAPIKey(ctx, model.APIKey{Name: "k", Enabled: true})
	check(err)
	_, err = c.CreateUsagePlanKey(ctx, plan.ID, key.ID, "API_KEY")
	check(err)
	return st.InvokeURL + "/ping", plan.ID, key.ID, key.Value
}

// callN makes n calls with the key and returns how many got each status.
func callN(t *testing.T, url, key string, n int) map[int]int {
	t.Helper()
	got := map[int]int{}
	for range n {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("x-api-key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got[resp.StatusCode]++
	}
	return got
}

// usedToday returns the plan's count for the key today, as GetUsage reports it.
func usedToday(t *testing.T, c *client.Client, planID, keyID string) int64 {
	t.Helper()
	now := time.Now().UTC()
	rep, err := c.GetUsage(context.Background(), planID, keyID, now, now)
	if err != nil {
		t.Fatal(err)
	}
	days := rep.Items[keyID]
	if len(days) != 1 {
		t.Fatalf("usage report %+v has no single day for key %s", rep, keyID)
	}
	return days[0][0]
}

func TestQuotaUsageSurvivesGracefulRestart(t *testing.T) {
	dir := t.TempDir()
	d := start(t, dir)
	c, err := client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	url, planID, keyID, value := meteredAPI(t, c, 10)
	if got := callN(t, url, value, 7); got[200] != 7 {
		t.Fatalf("first 7 calls: %v, want 7 x 200", got)
	}
	path := strings.TrimPrefix(url, d.DataURL) // the next daemon listens on another free port
	stop(t, d)

	d = start(t, dir)
	defer stop(t, d)
	c, err = client.New(d.AdminURL, d.Token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	url = d.DataURL + path
	if used := usedToday(t, c, planID, keyID); used != 7 {
		t.Errorf("usage after a graceful restart = %d, want exactly 7", used)
	}
	// The quota goes on from 7: three more, then Limit Exceeded.
	if got := callN(t, url, value, 5); got[200] != 3 || got[429] != 2 {
		t.Errorf("calls after restart: %v, want 3 x 200 and 2 x 429", got)
	}
	if used := usedToday(t, c, planID, keyID); used != 10 {
		t.Errorf("usage = %d, want 10 (refused calls are not counted)", used)
	}
}
