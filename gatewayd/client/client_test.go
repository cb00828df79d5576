package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// flaky answers fail with status for the first failures calls, then 200 with an API.
func flaky(t *testing.T, status, failures int, calls *atomic.Int32) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if int(calls.Add(1)) <= failures {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"message":"busy","code":"X"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"abcdefghij","name":"pets"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, "tok", Options{RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		create        bool // POST instead of GET
		wantCalls     int32
		wantErrStatus int
	}{
		{"get retried on 503", 503, false, 3, 0},
		{"get retried on 429", 429, false, 3, 0},
		{"create retried on 429, shed before handling", 429, true, 3, 0},
		{"create not repeated on 503, it may have happened", 503, true, 1, 503},
		{"create not repeated on 502", 502, true, 1, 502},
		{"get not retried on 400", 400, false, 1, 400},
		{"get not retried on 409", 409, false, 1, 409},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c := flaky(t, tc.status, 2, &calls)
			var err error
			if tc.create {
				_, err = c.CreateRestAPI(context.Background(), model.RestAPI{Name: "pets"})
			} else {
				_, err = c.GetRestAPI(context.Background(), "abcdefghij")
			}
			if got := calls.Load(); got != tc.wantCalls {
				t.Errorf("calls = %d, want %d", got, tc.wantCalls)
			}
			if tc.wantErrStatus == 0 && err != nil {
				t.Errorf("err = %v, want success after retries", err)
			}
			if tc.wantErrStatus != 0 && !statusIs(err, tc.wantErrStatus) {
				t.Errorf("err = %v, want status %d", err, tc.wantErrStatus)
			}
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	var calls atomic.Int32
	c := flaky(t, 503, 100, &calls)
	_, err := c.GetRestAPI(context.Background(), "abcdefghij")
	if !statusIs(err, 503) || calls.Load() != 4 {
		t.Fatalf("err %v after %d calls, want 503 after 1 + 3 retries", err, calls.Load())
	}
}

func TestCreateRetriedWhenConnectionRefused(t *testing.T) {
	// A port nobody listens on: the request never reached a server, so even a create may be repeated.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New("http://"+addr, "tok", Options{RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.CreateRestAPI(context.Background(), model.RestAPI{Name: "x"})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("create against a closed port: %v after %s", err, time.Since(start))
	}
}

func TestErrorsAreTyped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"rest api x not found","code":"NotFound"}`))
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "tok", Options{})
	_, err := c.GetRestAPI(context.Background(), "x")
	if !IsNotFound(err) || IsConflict(err) {
		t.Fatalf("IsNotFound(%v) = false", err)
	}
	if got, want := err.Error(), "gatewayd: 404 NotFound: rest api x not found"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct{ endpoint, token string }{{"127.0.0.1:9080", "t"}, {"ftp://x", "t"}, {"http://x", ""}} {
		if _, err := New(tc.endpoint, tc.token, Options{}); err == nil {
			t.Errorf("New(%q, %q) succeeded", tc.endpoint, tc.token)
		}
	}
}

func TestPathsKeepTheirEscaping(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "tok", Options{})
	_, _ = c.GetStage(context.Background(), "a/b", "c d")
	if want := "/v1/restapis/a%2Fb/stages/c%20d"; got != want {
		t.Errorf("path on the wire = %q, want %q", got, want)
	}
	_, _ = c.GetMethodSettings(context.Background(), "api", "prod", "pets/{petId}/GET")
	if want := "/v1/restapis/api/stages/prod/methodsettings/pets/%7BpetId%7D/GET"; got != want {
		t.Errorf("method settings path on the wire = %q, want %q", got, want)
	}
}
