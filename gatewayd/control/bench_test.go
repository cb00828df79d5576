package control_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// benchService opens a Service over a real SQLite file with one API and one MOCK method on /x; with
// autoDeploy the API also has an auto-deploy stage, so that every write deploys.
func benchService(b *testing.B, autoDeploy bool) (*control.Service, control.MethodID) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "gw.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := control.New(st, control.Options{})
	api, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	res, err := svc.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "x"})
	if err != nil {
		b.Fatal(err)
	}
	id := control.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
	if _, err := svc.PutMethod(ctx, id, model.Method{}, control.Precondition{}); err != nil {
		b.Fatal(err)
	}
	if autoDeploy {
		if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}); err != nil {
			b.Fatal(err)
		}
	}
	return svc, id
}

// BenchmarkUpdate measures one writer's write latency (one durable commit each): "plain" with no
// auto-deploy stage, "autodeploy" with one (the write and its deployment). "parallel" runs 24
// writers at once against an auto-deploy stage and reports the deployments per write.
func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	for _, auto := range []bool{false, true} {
		name := "plain"
		if auto {
			name = "autodeploy"
		}
		b.Run(name, func(b *testing.B) {
			svc, id := benchService(b, auto)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				in := model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": fmt.Sprintf(`{"statusCode": %d}`, 200+i%100)}}
				if _, err := svc.PutIntegration(ctx, id, in, control.Precondition{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		svc, id := benchService(b, true)
		before, err := svc.StageHistory(ctx, id.RestAPIID, "live")
		if err != nil {
			b.Fatal(err)
		}
		var n atomic.Int64
		b.SetParallelism(12) // 24 writers on 2 cores
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				in := model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": fmt.Sprintf(`{"statusCode": %d}`, 200+i%100)}}
				if _, err := svc.PutIntegration(ctx, id, in, control.Precondition{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		after, err := svc.StageHistory(ctx, id.RestAPIID, "live")
		if err != nil {
			b.Fatal(err)
		}
		// The history keeps its newest entries only; their sequence numbers count every change.
		deploys := after[len(after)-1].Seq - before[len(before)-1].Seq
		b.ReportMetric(float64(deploys)/float64(n.Load()), "deploys/write")
	})
}
