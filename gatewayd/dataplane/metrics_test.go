package dataplane_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestMetricsEnabledPerMethod: as API Gateway's detailed metrics, a method has series of its own only
// when its method settings enable metrics (its own entry winning over "*/*"); the others count in the
// stage's series. Labels are resource templates, never request paths.
func TestMetricsEnabledPerMethod(t *testing.T) {
	on, off := model.DefaultMethodSetting(), model.DefaultMethodSetting()
	on.MetricsEnabled = true
	for _, tc := range []struct {
		name     string
		settings map[string]model.MethodSetting
		want     map[string]float64
	}{
		{"no settings: the stage's series only", nil, map[string]float64{
			"api=api1,canary=false,method=,resource=,stage=prod": 5,
		}},
		{"one method enabled", map[string]model.MethodSetting{"pets/{id}/GET": on}, map[string]float64{
			"api=api1,canary=false,method=GET,resource=/pets/{id},stage=prod": 3,
			"api=api1,canary=false,method=,resource=,stage=prod":              2,
		}},
		{"*/* enabled, one method's own entry off", map[string]model.MethodSetting{"*/*": on, "pets/{id}/GET": off}, map[string]float64{
			"api=api1,canary=false,method=POST,resource=/pets,stage=prod": 1,
			"api=api1,canary=false,method=,resource=,stage=prod":          4,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			s := newServerOf(t, dataplane.Options{Registerer: reg})
			base := serve(t, s)
			b := newAPI("api1")
			in, resp := mock("200", "ok")
			b.method("/pets/{id}", "GET", in, resp)
			b.method("/pets", "POST", in, resp)
			if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod", MethodSettings: tc.settings}, &b.snap); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/pets/1", "/pets/2", "/pets/3", "/nope"} {
				do(t, newRequest(t, "GET", base+"/api1/prod"+p, nil))
			}
			do(t, newRequest(t, "POST", base+"/api1/prod/pets", nil))
			got := counterValues(t, reg, "gatewayd_requests_total")
			for k, v := range got {
				if v == 0 {
					delete(got, k)
				}
				if strings.Contains(k, "/pets/1") {
					t.Errorf("series %s carries a request path", k)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("gatewayd_requests_total (-want +got):\n%s", diff)
			}
		})
	}
}
