package dataplane_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/authtest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/apikey"
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

// zeroAllocBackend answers every request on its keep-alive connections with the same fixed answer, reading
// only up to the end of the head: a backend that allocates nothing per request, so that allocs/op
// are the gateway's.
func zeroAllocBackend(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(benchBody)) + "\r\n\r\n" + benchBody)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := c.Write(answer); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// BenchmarkFastFrontProxy drives the data plane's own fasthttp listener over one keep-alive
// connection, HTTP_PROXY to a backend that allocates nothing: the whole proxy path of one request,
// front end included, one request at a time. allocs/op are the gateway's.
func BenchmarkFastFrontProxy(b *testing.B) {
	s, api := fastFrontAPI(b, model.Method{})
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &api.snap); err != nil {
		b.Fatal(err)
	}
	driveFastFront(b, s)
}

// BenchmarkFastFrontKey is BenchmarkFastFrontProxy with an API key in a usage plan: the key+throttle
// row of make bench.
func BenchmarkFastFrontKey(b *testing.B) {
	s, api := fastFrontAPI(b, model.Method{APIKeyRequired: true})
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &api.snap); err != nil {
		b.Fatal(err)
	}
	benchKey(b, s)
	driveFastFront(b, s, "X-Api-Key: "+benchAPIKey)
}

// BenchmarkFastFrontKeyJWT is BenchmarkFastFrontKey behind a COGNITO_USER_POOLS authorizer (an RS256
// ID token of a local issuer, verified once and then served from the cache): the key+JWT row of make
// bench.
func BenchmarkFastFrontKeyJWT(b *testing.B) {
	iss := authtest.NewIssuer(b)
	s, api := fastFrontAPI(b, model.Method{Authorization: model.AuthCognito, AuthorizerID: "jwt", APIKeyRequired: true})
	api.snap.Authorizers = []model.Authorizer{{ID: "jwt", Name: "jwt", Type: model.AuthorizerCognito, ProviderARNs: []string{iss.URL},
		Audiences: []string{iss.ClientID}, IdentitySource: model.DefaultIdentitySource}}
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &api.snap); err != nil {
		b.Fatal(err)
	}
	benchKey(b, s)
	driveFastFront(b, s, "X-Api-Key: "+benchAPIKey, "Authorization: Bearer "+iss.IDToken(b, "ann", nil))
}

// fastFrontAPI returns a data plane and an API whose GET /items/{id} is m, HTTP_PROXY to a backend that
// allocates nothing; the caller sets the stage.
func fastFrontAPI(b *testing.B, m model.Method) (*dataplane.Server, *apiBuilder) {
	addr := zeroAllocBackend(b)
	s, err := dataplane.New(dataplane.Options{AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	api := newAPI("api1")
	api.methodWith(m, "/items/{id}", "GET", model.Integration{Type: model.IntegrationHTTPProxy, URI: "http://" + addr + "/items/{id}"})
	return s, api
}

const benchAPIKey = "bench-key-0123456789abcdef0123456789"

// benchKey puts benchAPIKey in a usage plan of api1/prod whose throttle never refuses.
func benchKey(b *testing.B, s *dataplane.Server) {
	if err := s.SetMetering(model.MeteringSnapshot{
		Keys: []model.APIKeyHash{{ID: "k1", Name: "k1", Enabled: true, ValueHash: apikey.Hash(benchAPIKey)}},
		Plans: []model.UsagePlan{{ID: "p1", Name: "p1", Throttle: &model.ThrottleSettings{RateLimit: 1e12, BurstLimit: 1 << 40},
			APIStages: []model.UsagePlanStage{{APIID: "api1", Stage: "prod"}}}},
		PlanKeys: []model.UsagePlanKey{{UsagePlanID: "p1", KeyID: "k1"}},
	}); err != nil {
		b.Fatal(err)
	}
}

// driveFastFront serves s on a fasthttp listener and sends GET /api1/prod/items/42 with the extra
// header lines over one keep-alive connection, one request at a time; every answer must be a 200.
func driveFastFront(b *testing.B, s *dataplane.Server, headers ...string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	head := "GET /api1/prod/items/42?x=1 HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: application/json\r\n"
	for _, h := range headers {
		head += h + "\r\n"
	}
	req := []byte(head + "\r\n")
	br := bufio.NewReader(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		n := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) <= 2 {
				break
			}
			if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
				n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			} else if bytes.HasPrefix(line, []byte("HTTP/1.1 ")) && !bytes.HasPrefix(line, []byte("HTTP/1.1 200")) {
				b.Fatalf("answer %q", line)
			}
		}
		if _, err := br.Discard(n); err != nil {
			b.Fatal(err)
		}
	}
}
