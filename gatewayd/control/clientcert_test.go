package control_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// TestClientCertificate: the key is stored sealed, reaches only the releases of the stages that name
// the certificate, and a certificate in use cannot be deleted.
func TestClientCertificate(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := control.New(st, control.Options{SecretKey: []byte(strings.Repeat("k", 32))})

	if _, err := svc.GenerateClientCertificate(ctx, model.ClientCertificate{Description: strings.Repeat("x", model.MaxDescriptionLength+1)}); status(err) != http.StatusBadRequest {
		t.Errorf("too long a description: %v, want 400", err)
	}
	cc := must(svc.GenerateClientCertificate(ctx, model.ClientCertificate{Description: "to the backend"}))(t)
	if len(cc.ID) != 6 || !strings.HasPrefix(cc.PEMEncodedCertificate, "-----BEGIN CERTIFICATE-----") ||
		cc.ExpirationDate.Sub(cc.CreatedDate) != model.ClientCertificateValidity {
		t.Errorf("GenerateClientCertificate = %+v", cc)
	}
	// The record holds no private key in the clear.
	err = st.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Get(store.KindClientCertificate, "", cc.ID)
		if err == nil && strings.Contains(string(rec.Data), "PRIVATE KEY") {
			t.Errorf("the stored record holds the private key in the clear: %s", rec.Data)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	api := must(svc.CreateRestAPI(ctx, model.RestAPI{Name: "pets"}))(t)
	if _, err := svc.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, ClientCertificateID: "nosuch"}); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("a stage naming no client certificate: %v, want 422", err)
	}
	stage := must(svc.CreateStage(ctx, api.ID, model.Stage{StageName: "prod", AutoDeploy: true, ClientCertificateID: cc.ID}))(t)
	rel := must(svc.StageRelease(ctx, api.ID, "prod"))(t)
	kp := rel.Stage.ClientCertificate
	if kp == nil || kp.CertificatePEM != cc.PEMEncodedCertificate {
		t.Fatalf("StageRelease client certificate = %+v", kp)
	}
	if _, err := pki.Check(kp.CertificatePEM, "", kp.PrivateKeyPEM); err != nil {
		t.Errorf("the released key pair does not match: %v", err)
	}
	if got := must(svc.GetStage(ctx, api.ID, "prod"))(t); got.ClientCertificate != nil || got.ClientCertificateID != cc.ID {
		t.Errorf("GetStage: client_certificate_id %q, key pair %v; want the id and no key", got.ClientCertificateID, got.ClientCertificate)
	}
	if err := svc.DeleteClientCertificate(ctx, cc.ID, control.Precondition{}); status(err) != http.StatusConflict || !strings.Contains(err.Error(), "stage prod") {
		t.Errorf("deleting a certificate in use: %v, want 409 naming the stage", err)
	}
	updated := must(svc.UpdateClientCertificate(ctx, cc.ID, model.ClientCertificate{ID: cc.ID, Description: "renamed"}, control.Precondition{}))(t)
	if updated.Description != "renamed" || updated.PEMEncodedCertificate != cc.PEMEncodedCertificate {
		t.Errorf("UpdateClientCertificate = %+v, want the description changed and the certificate kept", updated)
	}
	stage.ClientCertificateID = ""
	must(svc.UpdateStage(ctx, api.ID, "prod", stage, control.Precondition{}))(t)
	if rel := must(svc.StageRelease(ctx, api.ID, "prod"))(t); rel.Stage.ClientCertificate != nil {
		t.Error("a stage without client_certificate_id still gets a key pair")
	}
	if err := svc.DeleteClientCertificate(ctx, cc.ID, control.Precondition{}); err != nil {
		t.Errorf("deleting a certificate no stage uses: %v", err)
	}
	if _, err := svc.GetClientCertificate(ctx, cc.ID); status(err) != http.StatusNotFound {
		t.Errorf("reading a deleted certificate: %v, want 404", err)
	}
}
