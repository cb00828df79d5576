package dataplane_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

const benchBody = `{"id":1,"name":"gatewayd","ok":true}`

func benchServer(b *testing.B) *dataplane.Server {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, benchBody)
	}))
	b.Cleanup(backend.Close)
	// The account limit (10,000 rps by default) would throttle the benchmark itself.
	s, err := dataplane.New(dataplane.Options{AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	api := newAPI("api1")
	api.method("/items/{id}", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: backend.URL + "/items/{id}"})
	in, resp := mock("200", benchBody)
	api.method("/mock", "GET", in, resp)
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &api.snap); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkProxyPath measures the gateway's HTTP_PROXY pipeline (routing, headers, upstream call to a
// real backend, answer) without the client-facing connection.
func BenchmarkProxyPath(b *testing.B) {
	s := benchServer(b)
	req := httptest.NewRequest("GET", "/api1/prod/items/42?x=1", nil)
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("Accept", "application/json")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkMockPath measures the pipeline with no backend.
func BenchmarkMockPath(b *testing.B) {
	s := benchServer(b)
	req := httptest.NewRequest("GET", "/api1/prod/mock", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkProxyEndToEnd drives the gateway's own listener with parallel clients.
func BenchmarkProxyEndToEnd(b *testing.B) {
	s := benchServer(b)
	gw := httptest.NewServer(s)
	b.Cleanup(gw.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(gw.URL + "/api1/prod/items/42")
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
