package control_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

func TestIAM(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := []byte(strings.Repeat("k", 32))
	reloads := 0
	svc := control.New(st, control.Options{SecretKey: key, OnMeteringChange: func() { reloads++ }})

	u := must(svc.CreateIAMUser(ctx, model.IAMUser{Name: "alice"}))(t)
	if u.ARN != "arn:aws:iam::000000000000:user/alice" || !strings.HasPrefix(u.UniqueID, "AIDA") {
		t.Errorf("CreateIAMUser = %+v", u)
	}
	if _, err := svc.CreateIAMUser(ctx, model.IAMUser{Name: "bad name"}); status(err) != http.StatusBadRequest {
		t.Errorf("bad name: %v", err)
	}
	k := must(svc.CreateIAMAccessKey(ctx, model.IAMAccessKey{UserName: "alice"}))(t)
	if !strings.HasPrefix(k.ID, "AKIA") || len(k.ID) != 20 || len(k.Secret) != 40 || k.Status != "Active" {
		t.Errorf("CreateIAMAccessKey = %+v", k)
	}
	if got := must(svc.GetIAMAccessKey(ctx, k.ID))(t); got.Secret != "" {
		t.Errorf("GetIAMAccessKey returned the secret")
	}
	if _, err := svc.CreateIAMAccessKey(ctx, model.IAMAccessKey{UserName: "nobody"}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("key of an unknown user: %v", err)
	}
	if _, err := svc.PutIAMUserPolicy(ctx, "alice", "p", model.IAMUserPolicy{Policy: `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`}, control.Precondition{}); status(err) != http.StatusBadRequest {
		t.Errorf("a condition gatewayd cannot check: %v, want 400", err)
	}
	must(svc.PutIAMUserPolicy(ctx, "alice", "p", model.IAMUserPolicy{Policy: `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`}, control.Precondition{}))(t)
	snap := must(svc.IAM(ctx))(t)
	if len(snap.Credentials) != 1 || snap.Credentials[0].Secret != k.Secret || len(snap.Policies["alice"]) != 1 {
		t.Errorf("IAM snapshot = %+v", snap)
	}
	if err := svc.DeleteIAMUser(ctx, "alice", control.Precondition{}); status(err) != http.StatusConflict {
		t.Errorf("deleting a user with keys: %v, want 409", err)
	}
	// A secret sealed with another key does not open.
	other := control.New(st, control.Options{SecretKey: []byte(strings.Repeat("x", 32))})
	if _, err := other.IAM(ctx); err == nil {
		t.Error("IAM with another secret key: no error")
	}
	if reloads < 3 {
		t.Errorf("data plane reloaded %d times, want one per change", reloads)
	}
	if _, err := svc.CreateRestAPI(ctx, model.RestAPI{Name: "x", Policy: `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`}); status(err) != http.StatusBadRequest {
		t.Errorf("resource policy without Principal: %v, want 400", err)
	}
}
