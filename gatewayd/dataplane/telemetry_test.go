package dataplane_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestMetricsAndAccessLog(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs lockedBuffer
	s, err := dataplane.New(dataplane.Options{Registerer: reg, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, s)
	b := newAPI("api1")
	in, resp := mock("200", "ok")
	b.method("/pets/{id}", "GET", in, resp)
	detailed := model.DefaultMethodSetting()
	detailed.MetricsEnabled = true
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod", MethodSettings: map[string]model.MethodSetting{"*/*": detailed}}, &b.snap); err != nil {
		t.Fatal(err)
	}

	for _, p := range []string{"/api1/prod/pets/1", "/api1/prod/pets/2", "/api1/prod/nope", "/other/prod/x"} {
		do(t, newRequest(t, "GET", base+p, nil))
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				got[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				got[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"gatewayd_requests_total{api=api1,canary=false,method=GET,resource=/pets/{id},stage=prod}":               2,
		"gatewayd_request_duration_seconds{api=api1,canary=false,method=GET,resource=/pets/{id},stage=prod}":     2,
		"gatewayd_requests_total{api=api1,canary=false,method=,resource=,stage=prod}":                            1,
		"gatewayd_4xx_errors_total{api=api1,canary=false,method=,resource=,stage=prod}":                          1,
		"gatewayd_requests_total{api=,canary=false,method=,resource=,stage=}":                                    1,
		"gatewayd_4xx_errors_total{api=,canary=false,method=,resource=,stage=}":                                  1,
		"gatewayd_5xx_errors_total{api=api1,canary=false,method=GET,resource=/pets/{id},stage=prod}":             0,
		"gatewayd_integration_duration_seconds{api=api1,canary=false,method=GET,resource=/pets/{id},stage=prod}": 0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("access log has %d lines, want 4:\n%s", len(lines), logs.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"time", "requestId", "latencyMs"} {
		if _, ok := first[k]; !ok {
			t.Errorf("access log line has no %s: %s", k, lines[0])
		}
		delete(first, k)
	}
	wantLine := map[string]any{
		"level": "INFO", "msg": "request", "ip": "127.0.0.1", "httpMethod": "GET", "path": "/api1/prod/pets/1",
		"protocol": "HTTP/1.1", "apiId": "api1", "stage": "prod", "resourcePath": "/pets/{id}", "status": float64(200),
		"responseLength": float64(2), "requestTimeEpoch": first["requestTimeEpoch"],
	}
	if diff := cmp.Diff(wantLine, first); diff != "" {
		t.Errorf("access log line (-want +got):\n%s", diff)
	}
}
