// Command loadtest runs a backend and the data plane in front of it, for measuring the proxy path with
// an external load generator such as wrk:
//
//	go run ./gatewayd/dataplane/internal/loadtest -backend 127.0.0.1:9001 -listen 127.0.0.1:9000
//	wrk -t2 -c64 -d8s http://127.0.0.1:9000/api1/prod/items/1
//
// With -backend-only it runs just the backend, to measure it directly or behind another proxy.
package main

import (
	"context"
	"flag"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

func main() {
	backendAddr := flag.String("backend", "127.0.0.1:9001", "backend listen address")
	listen := flag.String("listen", "127.0.0.1:9000", "data plane listen address")
	backendOnly := flag.Bool("backend-only", false, "run only the backend")
	accessLog := flag.String("access-log", "", "write the JSON access log to this file")
	server := flag.String("server", dataplane.ServerFastHTTP, "client-facing server: fasthttp or net/http")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	bln, err := net.Listen("tcp", *backendAddr)
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(bln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1,"name":"gatewayd","ok":true}`)
	}))
	if *backendOnly {
		<-ctx.Done()
		return
	}

	// The account limit (10,000 rps by default) would throttle the load test itself.
	opts := dataplane.Options{Registerer: prometheus.NewRegistry(), AccountRateLimit: 1e12, AccountBurstLimit: 1 << 40, Server: *server}
	if *accessLog != "" {
		f, err := os.Create(*accessLog)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		opts.Logger = slog.New(slog.NewJSONHandler(f, nil))
	}
	s, err := dataplane.New(opts)
	if err != nil {
		log.Fatal(err)
	}
	root, items, item := "root", "items", "item"
	snap := &model.Snapshot{
		RestAPI: model.RestAPI{ID: "api1", RootResourceID: root},
		Resources: []model.Resource{
			{ID: root, Path: "/"},
			{ID: items, ParentID: root, PathPart: "items", Path: "/items"},
			{ID: item, ParentID: items, PathPart: "{id}", Path: "/items/{id}"},
		},
		Methods: []model.Method{{ResourceID: item, HTTPMethod: "GET", Authorization: model.AuthNone}},
		Integrations: []model.Integration{{
			ResourceID: item, HTTPMethod: "GET", Type: model.IntegrationHTTPProxy, IntegrationHTTPMethod: "GET",
			URI: "http://" + *backendAddr + "/items/{id}", TimeoutMilliseconds: model.DefaultTimeoutMillis,
		}},
	}
	if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, snap); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if err := s.Serve(ctx, ln); err != nil {
		log.Print(err)
	}
}
