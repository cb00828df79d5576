// Package authtest has test peers for authorization: an authorizer function served over the Lambda
// Invoke API on a real HTTP server, with helpers to build its answers. Tests of the data plane and the
// provider's acceptance tests use it.
package authtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Event is the input an authorizer function received (TOKEN or REQUEST), decoded.
type Event map[string]any

// String returns a top-level string field of the event ("type", "authorizationToken", "methodArn").
func (e Event) String(field string) string {
	s, _ := e[field].(string)
	return s
}

// Map returns a top-level object field of the event ("headers", "queryStringParameters").
func (e Event) Map(field string) map[string]any {
	m, _ := e[field].(map[string]any)
	return m
}

// Decide answers one event: the output to return, or an error message the function fails with (the
// Lambda Invoke API's X-Amz-Function-Error); "Unauthorized" is API Gateway's 401.
type Decide func(ev Event) (output any, fnError string)

// Function is an authorizer function on a real HTTP server speaking the Lambda Invoke API.
type Function struct {
	// URL is the function's Invoke URL, for authorizer_uri.
	URL    string
	srv    *httptest.Server
	calls  atomic.Int64
	mu     sync.Mutex
	decide Decide
	last   Event
	// Delay, when set before calls, makes each call wait that long before answering.
	delay atomic.Int64
}

// NewFunction starts a function that answers with decide. It stops when the test ends.
func NewFunction(t testing.TB, decide Decide) *Function {
	t.Helper()
	f := &Function{decide: decide}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.URL = f.srv.URL + "/2015-03-31/functions/authorizer/invocations"
	return f
}

func (f *Function) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/authorizer/invocations" {
		http.Error(w, `{"message":"not an invoke call"}`, http.StatusNotFound)
		return
	}
	f.calls.Add(1)
	if d := f.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	body, _ := io.ReadAll(r.Body)
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, `{"message":"event is not JSON"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.last = ev
	decide := f.decide
	f.mu.Unlock()
	out, fnErr := decide(ev)
	w.Header().Set("Content-Type", "application/json")
	if fnErr != "" {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		json.NewEncoder(w).Encode(map[string]any{"errorMessage": fnErr, "errorType": "Error"})
		return
	}
	if raw, ok := out.(json.RawMessage); ok {
		w.Write(raw)
		return
	}
	json.NewEncoder(w).Encode(out)
}

// Calls returns how many times the function was invoked.
func (f *Function) Calls() int64 { return f.calls.Load() }

// Last returns the last event the function received.
func (f *Function) Last() Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// SetDecide replaces how the function answers.
func (f *Function) SetDecide(d Decide) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.decide = d
}

// SetDelay makes every call wait d before answering.
func (f *Function) SetDelay(d time.Duration) { f.delay.Store(int64(d)) }

// Output is an authorizer's answer: the principal, one statement on execute-api:Invoke, and context.
func Output(principal, effect, resource string, context map[string]any) map[string]any {
	out := map[string]any{
		"principalId": principal,
		"policyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource,
			}},
		},
	}
	if context != nil {
		out["context"] = context
	}
	return out
}
