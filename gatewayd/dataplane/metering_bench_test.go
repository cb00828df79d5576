package dataplane

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/quota"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/throttle"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
)

func BenchmarkMetering10Keys(b *testing.B)   { benchmarkMetering(b, 10, Options{}) }
func BenchmarkMetering100kKeys(b *testing.B) { benchmarkMetering(b, 100_000, Options{}) }

// BenchmarkMetering10KeysRedis is BenchmarkMetering10Keys with the buckets and quota counters in a
// local Redis (throttle.Redis, quota.Redis): one script call for the five levels, one for the quota.
func BenchmarkMetering10KeysRedis(b *testing.B) {
	srv := redistest.Start(b)
	opts, err := throttle.RedisOptions(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	benchmarkMetering(b, 10, Options{Limiter: throttle.NewRedis(rdb, "bench", nil), Counter: quota.NewRedis(rdb, false, false)})
}

// benchmarkMetering measures the metering steps alone (API key lookup, the five throttle levels, the
// quota count) for callers spread over n keys, each in a plan with a throttle, a per-method throttle
// and a quota.
func benchmarkMetering(b *testing.B, n int, opts Options) {
	opts.AccountRateLimit, opts.AccountBurstLimit = 1e12, 1<<40
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	snap := model.Snapshot{
		RestAPI:   model.RestAPI{ID: "api1", RootResourceID: "root"},
		Resources: []model.Resource{{ID: "root", Path: "/"}, {ID: "items", ParentID: "root", PathPart: "items", Path: "/items"}},
		Methods:   []model.Method{{ResourceID: "items", HTTPMethod: "GET", APIKeyRequired: true}},
		Integrations: []model.Integration{{ResourceID: "items", HTTPMethod: "GET", Type: model.IntegrationMock,
			RequestTemplates: map[string]string{}, PassthroughBehavior: "WHEN_NO_MATCH"}},
	}
	unset := model.DefaultMethodSetting()
	unset.ThrottlingRateLimit, unset.ThrottlingBurstLimit = 1e12, 1<<40
	st := model.Stage{RestAPIID: "api1", StageName: "prod", MethodSettings: map[string]model.MethodSetting{"*/*": unset, "items/GET": unset}}
	if err := s.SetStage(st, &snap); err != nil {
		b.Fatal(err)
	}
	m := model.MeteringSnapshot{Plans: []model.UsagePlan{{
		ID:       "p1",
		Throttle: &model.ThrottleSettings{RateLimit: 1e12, BurstLimit: 1 << 40},
		Quota:    &model.QuotaSettings{Limit: 1 << 62, Period: model.PeriodMonth},
		APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "prod", Throttle: []model.MethodThrottle{
			{Path: "/items/GET", RateLimit: 1e12, BurstLimit: 1 << 40}}}},
	}}}
	headers := make([]http.Header, n)
	for i := range n {
		value := fmt.Sprintf("bench-key-%08d-0123456789abcdef", i)
		id := fmt.Sprintf("k%d", i)
		m.Keys = append(m.Keys, model.APIKeyHash{ID: id, Enabled: true, ValueHash: apikey.Hash(value)})
		m.PlanKeys = append(m.PlanKeys, model.UsagePlanKey{UsagePlanID: "p1", KeyID: id})
		headers[i] = http.Header{"X-Api-Key": {value}}
	}
	if err := s.SetMetering(m); err != nil {
		b.Fatal(err)
	}
	ex := &exchange{path: "/api1/prod/items"}
	ex.req.Method = "GET"
	ctx := context.Background()
	if err := s.match(ctx, ex); err != nil {
		b.Fatal(err)
	}
	// Create every key's buckets and counters first: the benchmark measures the steady state.
	for i := range n {
		ex.req.Header = headers[i]
		if err := s.authorize(ctx, ex); err != nil {
			b.Fatal(err)
		}
		if err := s.throttle(ctx, ex); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ex.req.Header = headers[i]
		if i++; i == n {
			i = 0
		}
		if err := s.authorize(ctx, ex); err != nil {
			b.Fatal(err)
		}
		if err := s.throttle(ctx, ex); err != nil {
			b.Fatal(err)
		}
	}
}
