package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// BenchmarkWriteAtScale measures one admin write (CreateResource, through the control plane and the
// data plane's reload, as the admin API does it) on an API of N MOCK routes with an auto_deploy
// stage, for N = 10 and 5,000 (issue 17: a write's cost must not grow with the API). Profile it with
// -cpuprofile to see where a write's time goes.
func BenchmarkWriteAtScale(b *testing.B) {
	for _, n := range []int{10, 5000} {
		b.Run("routes="+strconv.Itoa(n), func(b *testing.B) {
			d, err := Start(context.Background(), Config{DataDir: b.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Shutdown(context.Background()) //nolint:errcheck
			svc := d.plane.svc
			ctx := context.Background()
			api, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "scale"})
			if err != nil {
				b.Fatal(err)
			}
			fillRoutes(b, svc, api, n)
			if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "live", AutoDeploy: true}); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				if _, err := svc.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: "w" + strconv.Itoa(i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fillRoutes adds n GET MOCK routes /r0.. with 16 concurrent writers.
func fillRoutes(b *testing.B, svc *control.Service, api model.RestAPI, n int) {
	ctx := context.Background()
	next := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range next {
				res, err := svc.CreateResource(ctx, api.ID, model.Resource{ParentID: api.RootResourceID, PathPart: fmt.Sprintf("r%d", i)})
				if err != nil {
					b.Error(err)
					continue
				}
				id := control.MethodID{RestAPIID: api.ID, ResourceID: res.ID, HTTPMethod: "GET"}
				if _, err := svc.PutMethod(ctx, id, model.Method{}, control.Precondition{}); err != nil {
					b.Error(err)
				}
				in := model.Integration{Type: model.IntegrationMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}
				if _, err := svc.PutIntegration(ctx, id, in, control.Precondition{}); err != nil {
					b.Error(err)
				}
				if _, err := svc.PutMethodResponse(ctx, id, "200", model.MethodResponse{}, control.Precondition{}); err != nil {
					b.Error(err)
				}
				if _, err := svc.PutIntegrationResponse(ctx, id, "200", model.IntegrationResponse{
					ResponseTemplates: map[string]string{"application/json": `{"id":1,"name":"gatewayd","ok":true}`}}, control.Precondition{}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
