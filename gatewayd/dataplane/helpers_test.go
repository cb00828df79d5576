package dataplane_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// apiBuilder builds deployment snapshots for tests.
type apiBuilder struct {
	snap model.Snapshot
	ids  map[string]string // path to resource id
}

func newAPI(id string) *apiBuilder {
	b := &apiBuilder{ids: map[string]string{"/": "root"}}
	b.snap.RestAPI = model.RestAPI{ID: id, Name: id, RootResourceID: "root"}
	b.snap.Resources = []model.Resource{{ID: "root", RestAPIID: id, Path: "/"}}
	return b
}

func (b *apiBuilder) resource(path string) string {
	if id, ok := b.ids[path]; ok {
		return id
	}
	i := strings.LastIndexByte(path, '/')
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := b.resource(parentPath)
	id := "r" + strings.NewReplacer("/", "_", "{", "", "}", "", "+", "").Replace(path)
	b.snap.Resources = append(b.snap.Resources, model.Resource{
		ID: id, RestAPIID: b.snap.RestAPI.ID, ParentID: parent, PathPart: path[i+1:], Path: path,
	})
	b.ids[path] = id
	return id
}

// method declares verb on path with an integration and its integration responses.
func (b *apiBuilder) method(path, verb string, in model.Integration, responses ...model.IntegrationResponse) *apiBuilder {
	return b.methodWith(model.Method{}, path, verb, in, responses...)
}

func (b *apiBuilder) methodWith(m model.Method, path, verb string, in model.Integration, responses ...model.IntegrationResponse) *apiBuilder {
	rid := b.resource(path)
	m.RestAPIID, m.ResourceID, m.HTTPMethod = b.snap.RestAPI.ID, rid, verb
	m.Normalize()
	b.snap.Methods = append(b.snap.Methods, m)
	in.RestAPIID, in.ResourceID, in.HTTPMethod = b.snap.RestAPI.ID, rid, verb
	if in.IntegrationHTTPMethod == "" && in.Type != model.IntegrationMock {
		in.IntegrationHTTPMethod = "ANY"
		if in.Type == model.IntegrationAWSProxy {
			in.IntegrationHTTPMethod = "POST"
		}
	}
	in.Normalize()
	b.snap.Integrations = append(b.snap.Integrations, in)
	for _, r := range responses {
		r.RestAPIID, r.ResourceID, r.HTTPMethod = b.snap.RestAPI.ID, rid, verb
		r.Normalize()
		b.snap.IntegrationResponses = append(b.snap.IntegrationResponses, r)
	}
	return b
}

func mock(status, body string) (model.Integration, model.IntegrationResponse) {
	return model.Integration{Type: model.IntegrationMock}, model.IntegrationResponse{
		StatusCode: status, ResponseTemplates: map[string]string{"application/json": body},
	}
}

func newServer(t *testing.T) *dataplane.Server {
	t.Helper()
	s, err := dataplane.New(dataplane.Options{Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serverKinds are the client-facing servers Serve can run; tests of what Serve does run on each.
var serverKinds = []string{dataplane.ServerFastHTTP, dataplane.ServerNetHTTP}

func newServerOf(t *testing.T, opts dataplane.Options) *dataplane.Server {
	t.Helper()
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	s, err := dataplane.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve deploys snapshots as stages and serves them on a real listener.
func serve(t *testing.T, s *dataplane.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func setStage(t *testing.T, s *dataplane.Server, stage string, vars map[string]string, b *apiBuilder) {
	t.Helper()
	st := model.Stage{RestAPIID: b.snap.RestAPI.ID, StageName: stage, Variables: vars}
	if err := s.SetStage(st, &b.snap); err != nil {
		t.Fatalf("SetStage: %v", err)
	}
}

type result struct {
	Status int
	Body   string
	Header http.Header
}

func do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{Status: resp.StatusCode, Body: string(body), Header: resp.Header}
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// echoed is what the echo backend reports about a request it received.
type echoed struct {
	Method string      `json:"method"`
	URI    string      `json:"uri"`
	Host   string      `json:"host"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// echoBackend answers every request with a JSON description of it.
func echoBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "echo")
		json.NewEncoder(w).Encode(echoed{Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header, Body: body})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func decodeEcho(t *testing.T, body string) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("decoding echo %q: %v", body, err)
	}
	return e
}

const missingToken = `{"message":"Missing Authentication Token"}`
