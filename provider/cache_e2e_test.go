package provider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// countingBackend is namedBackend that also counts the calls it gets.
func countingBackend(t *testing.T, name string) (string, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprintf(w, "%s %s", name, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &calls
}

// TestAccCache_FiftyGetsOneBackendCall: with the stage cache on (and no method settings: GET is cached
// by default), 50 GETs of one item reach the backend once within the TTL; after a flush through the
// admin API, the next GET reaches it once more.
func TestAccCache_FiftyGetsOneBackendCall(t *testing.T) {
	t.Parallel()
	backend, calls := countingBackend(t, "A")
	config := testAccReleaseAPI("cache-e2e", backend) + `
resource "gatewayd_stage" "test" {
  rest_api_id           = gatewayd_rest_api.test.id
  stage_name            = "live"
  auto_deploy           = true
  cache_cluster_enabled = true
  cache_cluster_size    = "0.5"
}
`
	const stage = "gatewayd_stage.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(stage, "cache_cluster_enabled", "true"),
					resource.TestCheckResourceAttr(stage, "cache_cluster_size", "0.5"),
					func(s *terraform.State) error {
						rs, ok := s.RootModule().Resources[stage]
						if !ok {
							return fmt.Errorf("%s not in state", stage)
						}
						url := rs.Primary.Attributes["invoke_url"] + "/items/1"
						before := calls.Load()
						for i := range 50 {
							wantCache := "Hit"
							if i == 0 {
								wantCache = "Miss"
							}
							if err := getCached(url, wantCache); err != nil {
								return fmt.Errorf("GET %d of 50: %w", i+1, err)
							}
						}
						if got := calls.Load() - before; got != 1 {
							return fmt.Errorf("50 GETs made %d backend calls, want 1", got)
						}
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						defer cancel()
						if err := testClient.FlushStageCache(ctx, rs.Primary.Attributes["rest_api_id"], "live"); err != nil {
							return fmt.Errorf("flushing the stage cache: %w", err)
						}
						if err := getCached(url, "Miss"); err != nil {
							return fmt.Errorf("GET after the flush: %w", err)
						}
						if got := calls.Load() - before; got != 2 {
							return fmt.Errorf("after the flush, %d backend calls in all, want 2", got)
						}
						return nil
					},
				),
			},
		},
	})
}

// getCached GETs url and checks the answer of the test API and its X-Cache header.
func getCached(url, wantCache string) error {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "A /items/1" || resp.Header.Get("X-Cache") != wantCache {
		return fmt.Errorf("got %d %q X-Cache %q, want 200 %q X-Cache %q", resp.StatusCode, body,
			resp.Header.Get("X-Cache"), "A /items/1", wantCache)
	}
	return nil
}
