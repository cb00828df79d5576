package dataplane_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type httptestServer = httptest.Server

func newHTTPTest(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
