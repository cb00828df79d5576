// Command httpbackend is the demo's HTTP service: it answers every request with JSON describing what
// reached it, so the demo shows what the gateway forwarded.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	name := flag.String("name", "pets-v1", "name reported in every answer")
	flag.Parse()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"backend":         *name,
			"method":          r.Method,
			"path":            r.URL.Path,
			"query":           r.URL.RawQuery,
			"x_forwarded_for": r.Header.Get("X-Forwarded-For"),
			"request_id":      r.Header.Get("X-Gatewayd-Request-Id"),
		})
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("httpbackend %s listening on %s", *name, *addr)
	log.Fatal(srv.ListenAndServe())
}
