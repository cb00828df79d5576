package dataplane_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// BenchmarkSetStage measures compiling and swapping in a stage of N MOCK routes, what every
// auto-deployed write costs the data plane (issue 17).
func BenchmarkSetStage(b *testing.B) {
	for _, n := range []int{10, 5000} {
		b.Run("routes="+strconv.Itoa(n), func(b *testing.B) {
			s, err := dataplane.New(dataplane.Options{Registerer: prometheus.NewRegistry()})
			if err != nil {
				b.Fatal(err)
			}
			api := newAPI("api1")
			for i := range n {
				in, resp := mock("200", `{"id":1,"name":"gatewayd","ok":true}`)
				in.RequestTemplates = map[string]string{"application/json": `{"statusCode": 200}`}
				api.method(fmt.Sprintf("/r%d", i), "GET", in, resp)
			}
			st := model.Stage{RestAPIID: "api1", StageName: "prod", DeploymentID: "d1"}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.SetStage(st, &api.snap); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
