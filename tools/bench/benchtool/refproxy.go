package main

import (
	"flag"
	"fmt"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// runRefProxy serves a reverse proxy made of nothing but fasthttp: its server and its HostClient to one
// backend, with no pipeline. It is the floor of gatewayd's proxy path in Go (gatewayd is a fasthttp
// server with its own backend client), measured beside nginx by proxyab.sh (REF=1) so that a gap to
// nginx can be split into what the Go design costs and what gatewayd adds to it.
func runRefProxy(args []string) error {
	fs := flag.NewFlagSet("refproxy", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	backend := fs.String("backend", "", "backend host:port")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *backend == "" {
		return fmt.Errorf("refproxy: -backend is required")
	}
	hc := &fasthttp.HostClient{Addr: *backend, MaxConns: 1024, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	srv := &fasthttp.Server{
		Handler: func(fc *fasthttp.RequestCtx) {
			if err := hc.Do(&fc.Request, &fc.Response); err != nil {
				fc.Error(err.Error(), fasthttp.StatusBadGateway)
			}
		},
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
		IdleTimeout:           60 * time.Second,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return srv.Serve(ln)
}
