package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// body is the backend's small fixed JSON answer.
const body = `{"id":1,"name":"gatewayd","ok":true}`

// countPath answers how many requests the backend served (not counting itself): the cache check.
const countPath = "/__count"

// runBackend serves the fixed JSON body on every path.
func runBackend(args []string) error {
	fs := flag.NewFlagSet("backend", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18401", "listen address (loopback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*addr, "127.0.0.1:") {
		return fmt.Errorf("listen address %q is not on 127.0.0.1", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	b := []byte(body)
	var served atomic.Int64
	iss, err := newIssuer("http://" + *addr + issuerPath)
	if err != nil {
		return err
	}
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == countPath {
			w.Write(strconv.AppendInt(nil, served.Load(), 10))
			return
		}
		if strings.HasPrefix(r.URL.Path, issuerPath+"/") {
			iss.ServeHTTP(w, r)
			return
		}
		served.Add(1)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		w.Write(b)
	}))
}
