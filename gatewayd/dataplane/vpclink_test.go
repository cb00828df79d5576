package dataplane_test

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestVPCLinkIntegration: an HTTP_PROXY integration with connection_type VPC_LINK reaches the link's
// targets (here an ARN the operator mapped), with the uri's host as Host and its path and query; the
// link is named through a stage variable. A stage whose variable names no link answers 500 and logs
// why; a target that refuses connections is skipped without failing requests.
func TestVPCLinkIntegration(t *testing.T) {
	echo := echoBackend(t)
	echoAddr := strings.TrimPrefix(echo.URL, "http://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	// closer accepts requests and cuts the connection before answering: a backend that crashes mid-request.
	closer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
	}))
	defer closer.Close()
	closerAddr := strings.TrimPrefix(closer.URL, "http://")
	const nlb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders/abc"
	var logs lockedBuffer
	s := newServerOf(t, dataplane.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		VPCLinkTargets: model.VPCLinkTargetMap{nlb: {{Addr: echoAddr}}}})
	links := []model.VPCLink{
		{ID: "mapped", Name: "mapped", TargetARNs: []string{nlb}},
		{ID: "halfdead", Name: "halfdead", TargetARNs: []string{refused, echoAddr}},
		{ID: "crashing", Name: "crashing", TargetARNs: []string{closerAddr, echoAddr}, UnhealthyThreshold: 100},
	}
	for i := range links {
		links[i].Normalize()
	}
	s.SetVPCLinks(links)
	base := serve(t, s)
	api := newAPI("a1").method("/pets", "GET", model.Integration{Type: model.IntegrationHTTPProxy,
		URI: "http://orders.internal/v2/pets?src=gw", ConnectionType: model.ConnectionVPCLink, ConnectionID: "${stageVariables.link}"})
	setStage(t, s, "prod", map[string]string{"link": "mapped"}, api)
	setStage(t, s, "half", map[string]string{"link": "halfdead"}, api)
	setStage(t, s, "bad", map[string]string{"link": "nosuchlink"}, api)
	api.method("/pets", "POST", model.Integration{Type: model.IntegrationHTTPProxy,
		URI: "http://orders.internal/v2/pets", ConnectionType: model.ConnectionVPCLink, ConnectionID: "${stageVariables.link}"})
	setStage(t, s, "crash", map[string]string{"link": "crashing"}, api)

	got := do(t, newRequest(t, "GET", base+"/a1/prod/pets", nil))
	if got.Status != 200 {
		t.Fatalf("GET through the mapped link = %d %s", got.Status, got.Body)
	}
	if e := decodeEcho(t, got.Body); e.Host != "orders.internal" || e.URI != "/v2/pets?src=gw" {
		t.Errorf("backend got Host %q URI %q, want orders.internal and /v2/pets?src=gw", e.Host, e.URI)
	}

	for i := range 20 {
		if got := do(t, newRequest(t, "GET", base+"/a1/half/pets", nil)); got.Status != 200 {
			t.Fatalf("request %d through a link with a refusing target = %d %s, want 200", i, got.Status, got.Body)
		}
	}

	// A connection cut before the answer: an idempotent GET goes to the other target, a POST (which
	// the crashed backend may have acted on) is a 502.
	for i := range 20 {
		if got := do(t, newRequest(t, "GET", base+"/a1/crash/pets", nil)); got.Status != 200 {
			t.Fatalf("GET %d through a link with a crashing target = %d %s, want 200", i, got.Status, got.Body)
		}
	}
	posts := 0
	for i := range 20 {
		switch got := do(t, newRequest(t, "POST", base+"/a1/crash/pets", strings.NewReader("{}"))); got.Status {
		case 200:
		case 502:
			posts++
		default:
			t.Fatalf("POST %d = %d %s, want 200 or 502", i, got.Status, got.Body)
		}
	}
	if posts == 0 {
		t.Error("no POST sent to the crashing target failed: a non-idempotent request was sent twice")
	}

	got = do(t, newRequest(t, "GET", base+"/a1/bad/pets", nil))
	if got.Status != 500 || got.Body != `{"message":"Internal server error"}` {
		t.Errorf("GET through a link that does not exist = %d %s, want 500 Internal server error", got.Status, got.Body)
	}
	if !strings.Contains(logs.String(), `connection_id \"nosuchlink\" names no VPC link`) {
		t.Errorf("no log line says the link does not exist; logs:\n%s", logs.String())
	}
}
