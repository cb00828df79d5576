// Command lambdafunc is the demo's function: it speaks the Lambda Invoke API
// (POST /2015-03-31/functions/{name}/invocations), as `sam local start-lambda` and the Lambda Runtime
// Interface Emulator do, and answers a Lambda proxy event with a proxy response.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"time"
)

type proxyEvent struct {
	Resource              string            `json:"resource"`
	Path                  string            `json:"path"`
	HTTPMethod            string            `json:"httpMethod"`
	PathParameters        map[string]string `json:"pathParameters"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	StageVariables        map[string]string `json:"stageVariables"`
	RequestContext        struct {
		RequestID string `json:"requestId"`
		Stage     string `json:"stage"`
	} `json:"requestContext"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3001", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		var ev proxyEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, `{"errorMessage":"bad event"}`, http.StatusBadRequest)
			return
		}
		body, _ := json.Marshal(map[string]any{
			"function": r.PathValue("name"),
			"greeting": fmt.Sprintf("hello from %s %s", ev.HTTPMethod, ev.Path),
			"resource": ev.Resource,
			"params":   ev.PathParameters,
			"query":    ev.QueryStringParameters,
			"stage":    ev.RequestContext.Stage,
		})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"statusCode": 200,
			"headers":    map[string]string{"Content-Type": "application/json", "X-Function": r.PathValue("name")},
			"body":       string(body),
		})
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("lambdafunc listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
