package control_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

const testNLB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders/abc"

// TestVPCLinks: a link's life through the control plane. Targets are addresses or ARNs the operator
// mapped (an unmapped one is refused, naming it, and nothing is stored); the status follows the
// mapping in force; an integration's connection_id must name a link when it is written and when it is
// deployed; a link an integration names cannot be deleted.
func TestVPCLinks(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mapping := model.VPCLinkTargetMap{testNLB: {{Addr: "10.0.0.1:80"}}}
	metering := 0
	svc := control.New(st, control.Options{VPCLinkTargets: mapping, OnMeteringChange: func() { metering++ }})

	for _, tc := range []struct {
		name  string
		link  model.VPCLink
		field string
	}{
		{"unmapped ARN", model.VPCLink{Name: "x", TargetARNs: []string{"10.0.0.1:80", testNLB + "-other"}}, "target_arns[1]"},
		{"no port", model.VPCLink{Name: "x", TargetARNs: []string{"orders.internal"}}, "target_arns[0]"},
		{"no target", model.VPCLink{Name: "x"}, "target_arns"},
		{"algorithm", model.VPCLink{Name: "x", TargetARNs: []string{"a:1"}, LoadBalancingAlgorithm: "RANDOM"}, "load_balancing_algorithm"},
		{"path", model.VPCLink{Name: "x", TargetARNs: []string{"a:1"}, HealthCheckPath: "healthz"}, "health_check_path"},
	} {
		_, err := svc.CreateVPCLink(ctx, tc.link)
		if ce, ok := err.(*control.Error); !ok || ce.Status != http.StatusBadRequest || ce.Field != tc.field {
			t.Errorf("%s: CreateVPCLink = %v, want 400 naming %s", tc.name, err, tc.field)
		}
	}
	if links, _ := svc.ListVPCLinks(ctx); len(links) != 0 || metering != 0 {
		t.Fatalf("refused links left %d links and %d reloads", len(links), metering)
	}

	l, err := svc.CreateVPCLink(ctx, model.VPCLink{Name: "orders", TargetARNs: []string{"10.0.0.2:80", testNLB}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != model.VPCLinkAvailable || l.StatusMessage != model.VPCLinkAvailableMessage || l.ARN != "arn:aws:apigateway:us-east-1::/vpclinks/"+l.ID ||
		l.LoadBalancingAlgorithm != model.BalanceRoundRobin || l.UnhealthyThreshold != 5 || l.EjectionSeconds != 30 || metering != 1 {
		t.Errorf("created link = %+v (reloads %d), want AVAILABLE with its ARN and defaults, one reload", l, metering)
	}

	// Another node (or a restart) whose mapping lost the ARN shows the link FAILED, saying why.
	other := control.New(st, control.Options{})
	if got, err := other.GetVPCLink(ctx, l.ID); err != nil || got.Status != model.VPCLinkFailed || !strings.Contains(got.StatusMessage, testNLB) {
		t.Errorf("link read without the mapping = %+v, %v; want FAILED naming %s", got, err, testNLB)
	}

	api, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	id := control.MethodID{RestAPIID: api.ID, ResourceID: api.RootResourceID, HTTPMethod: "GET"}
	if _, err := svc.PutMethod(ctx, id, model.Method{}, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	in := model.Integration{Type: model.IntegrationHTTPProxy, IntegrationHTTPMethod: "GET", URI: "http://orders.internal/",
		ConnectionType: model.ConnectionVPCLink, ConnectionID: "nosuchlink"}
	if _, err := svc.PutIntegration(ctx, id, in, control.Precondition{}); status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "nosuchlink") {
		t.Errorf("integration naming no link: %v, want 422 naming it", err)
	}
	in.ConnectionID = l.ID
	if _, err := svc.PutIntegration(ctx, id, in, control.Precondition{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteVPCLink(ctx, l.ID, control.Precondition{}); status(err) != http.StatusConflict || !strings.Contains(err.Error(), api.ID+"/"+api.RootResourceID+"/GET") {
		t.Errorf("deleting a link in use: %v, want 409 naming the integration", err)
	}

	l.Name, l.TargetARNs = "orders-2", []string{"10.0.0.3:80"}
	if up, err := svc.UpdateVPCLink(ctx, l.ID, l, control.Precondition{IfMatch: l.Version}); err != nil || up.Name != "orders-2" || up.Version != l.Version+1 {
		t.Errorf("UpdateVPCLink = %+v, %v", up, err)
	}

	// A link removed behind the control plane's back (an older gatewayd, a hand edit): deploying an
	// integration that names it is refused.
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.Delete(store.KindVPCLink, "", l.ID, store.AnyVersion) }); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateDeployment(ctx, api.ID, model.Deployment{}, ""); status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), l.ID) {
		t.Errorf("deploying an integration whose link is gone: %v, want 422 naming %s", err, l.ID)
	}
	// A stage variable reference is resolved per stage by the data plane, not here.
	in.ConnectionID = "${stageVariables.link}"
	if _, err := svc.PutIntegration(ctx, id, in, control.Precondition{}); err != nil {
		t.Errorf("integration with connection_id from a stage variable: %v", err)
	}
	if _, err := svc.CreateDeployment(ctx, api.ID, model.Deployment{}, ""); err != nil {
		t.Errorf("deploying it: %v", err)
	}
}
