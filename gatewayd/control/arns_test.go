package control_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// TestDerivedARNs: ARNs follow the daemon's region on every read, what a client sends for them is
// dropped, and no stored record holds one (so that a region change never leaves stale ARNs behind).
func TestDerivedARNs(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := control.New(st, control.Options{Region: "eu-west-3", SecretKey: make([]byte, 32)})

	api, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "a", ARN: "arn:forged", ExecutionARN: "arn:forged"})
	if err != nil {
		t.Fatal(err)
	}
	stage, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, ARN: "arn:forged"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := svc.CreateAPIKey(ctx, model.APIKey{Name: "k", Enabled: true, ARN: "arn:forged"})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := svc.CreateUsagePlan(ctx, model.UsagePlan{Name: "p", ARN: "arn:forged"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := svc.CreateAuthorizer(ctx, api.ID, model.Authorizer{Name: "a", AuthorizerURI: "http://127.0.0.1:1/2015-03-31/functions/f/invocations", ARN: "arn:forged"})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := svc.GenerateClientCertificate(ctx, model.ClientCertificate{ARN: "arn:forged"})
	if err != nil {
		t.Fatal(err)
	}
	gotAPI, _ := svc.GetRestAPI(ctx, api.ID)
	gotStage, _ := svc.GetStage(ctx, api.ID, "prod")
	gotKey, _ := svc.GetAPIKey(ctx, key.ID)
	gotPlan, _ := svc.GetUsagePlan(ctx, plan.ID)
	gotAuth, _ := svc.GetAuthorizer(ctx, api.ID, auth.ID)
	gotCert, _ := svc.GetClientCertificate(ctx, cert.ID)
	for _, tc := range []struct{ name, created, read, want string }{
		{"rest api", api.ARN, gotAPI.ARN, "arn:aws:apigateway:eu-west-3::/restapis/" + api.ID},
		{"rest api execution", api.ExecutionARN, gotAPI.ExecutionARN, "arn:aws:execute-api:eu-west-3:000000000000:" + api.ID},
		{"stage", stage.ARN, gotStage.ARN, "arn:aws:apigateway:eu-west-3::/restapis/" + api.ID + "/stages/prod"},
		{"stage execution", stage.ExecutionARN, gotStage.ExecutionARN, "arn:aws:execute-api:eu-west-3:000000000000:" + api.ID + "/prod"},
		{"api key", key.ARN, gotKey.ARN, "arn:aws:apigateway:eu-west-3::/apikeys/" + key.ID},
		{"usage plan", plan.ARN, gotPlan.ARN, "arn:aws:apigateway:eu-west-3::/usageplans/" + plan.ID},
		{"authorizer", auth.ARN, gotAuth.ARN, "arn:aws:apigateway:eu-west-3::/restapis/" + api.ID + "/authorizers/" + auth.ID},
		{"client certificate", cert.ARN, gotCert.ARN, "arn:aws:apigateway:eu-west-3::/clientcertificates/" + cert.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.created != tc.want || tc.read != tc.want {
				t.Errorf("ARN on create %q, on read %q, want %q", tc.created, tc.read, tc.want)
			}
		})
	}
	err = st.View(ctx, func(tx store.Tx) error {
		for _, k := range []struct {
			kind       store.Kind
			scope, key string
		}{
			{store.KindRestAPI, "", api.ID}, {store.KindStage, api.ID, "prod"}, {store.KindAPIKey, "", key.ID},
			{store.KindUsagePlan, "", plan.ID}, {store.KindAuthorizer, api.ID, auth.ID}, {store.KindClientCertificate, "", cert.ID},
		} {
			rec, err := tx.Get(k.kind, k.scope, k.key)
			if err != nil {
				return err
			}
			if strings.Contains(string(rec.Data), `"arn":`) || strings.Contains(string(rec.Data), `"execution_arn":`) {
				t.Errorf("stored %s %s holds an ARN: %s", k.kind, k.key, rec.Data)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
