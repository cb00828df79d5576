package dataplane

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestPanickingStepAnswers500: a step that panics answers 500 for that request, on both servers, and
// the server goes on serving.
func TestPanickingStepAnswers500(t *testing.T) {
	for _, kind := range []string{"fasthttp", "net/http"} {
		t.Run(kind, func(t *testing.T) {
			s, err := New(Options{Server: kind})
			if err != nil {
				t.Fatal(err)
			}
			snap := model.Snapshot{
				RestAPI:      model.RestAPI{ID: "api1", RootResourceID: "root"},
				Resources:    []model.Resource{{ID: "root", Path: "/"}, {ID: "x", ParentID: "root", PathPart: "x", Path: "/x"}},
				Methods:      []model.Method{{ResourceID: "x", HTTPMethod: "GET", Authorization: "NONE"}},
				Integrations: []model.Integration{{ResourceID: "x", HTTPMethod: "GET", Type: model.IntegrationMock, PassthroughBehavior: "WHEN_NO_MATCH"}},
				IntegrationResponses: []model.IntegrationResponse{{ResourceID: "x", HTTPMethod: "GET", StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": "ok"}}},
			}
			if err := s.SetStage(model.Stage{RestAPIID: "api1", StageName: "prod"}, &snap); err != nil {
				t.Fatal(err)
			}
			calls := 0
			boom := func(context.Context, *exchange) error {
				calls++
				if calls == 1 {
					panic("a bug")
				}
				return nil
			}
			s.pipeline = append([]step{boom}, s.pipeline...)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				if err := s.Serve(context.Background(), ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					t.Error(err)
				}
			}()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = s.Shutdown(ctx)
			}()
			get := func() (int, string) {
				resp, err := http.Get("http://" + ln.Addr().String() + "/api1/prod/x")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if code, body := get(); code != 500 || body != `{"message":"Internal server error"}` {
				t.Errorf("panicking request = %d %q, want 500 Internal server error", code, body)
			}
			if code, body := get(); code != 200 || body != "ok" {
				t.Errorf("next request = %d %q, want 200 ok", code, body)
			}
		})
	}
}
