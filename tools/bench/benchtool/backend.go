package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// body is the backend's small fixed JSON answer.
const body = `{"id":1,"name":"gatewayd","ok":true}`

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
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		w.Write(b)
	}))
}
