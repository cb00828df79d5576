package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// TestDisableExecuteAPIEndpoint: with disable_execute_api_endpoint, /{api_id}/{stage} answers 403 on
// both listeners while the API's domain name still serves it; turned off, the path serves again.
func TestDisableExecuteAPIEndpoint(t *testing.T) {
	d, err := Start(context.Background(), Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0", Listen: "127.0.0.1:0",
		TLSListen: "127.0.0.1:0", AdminToken: "tok", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, d)
	ctx := context.Background()
	c, err := client.New(d.AdminURL, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	apiID := mockAPI(t, c, "A")
	cert, err := c.CreateCertificate(ctx, model.Certificate{DomainName: "api.example.test", ValidationMethod: model.ValidationInternal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, model.DomainName{DomainName: "api.example.test", RegionalCertificateARN: cert.ARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBasePathMapping(ctx, model.BasePathMapping{DomainName: "api.example.test", RestAPIID: apiID, Stage: "prod"}); err != nil {
		t.Fatal(err)
	}
	rootPEM, err := c.CACertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(rootPEM))
	tlsAddr := strings.TrimPrefix(d.TLSURL, "https://")
	hc := httpsClient(tlsAddr, &tls.Config{RootCAs: roots})
	insecure := httpsClient(tlsAddr, &tls.Config{InsecureSkipVerify: true}) // the listener's default certificate

	setDisabled := func(on bool) {
		t.Helper()
		api, err := c.GetRestAPI(ctx, apiID)
		if err != nil {
			t.Fatal(err)
		}
		api.DisableExecuteAPIEndpoint = on
		if _, err := c.UpdateRestAPI(ctx, apiID, api); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, wantPath int) {
		t.Helper()
		resp, err := http.Get(d.DataURL + "/" + apiID + "/prod/ping")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != wantPath {
			t.Errorf("%s: GET /{api}/prod/ping = %d, want %d", name, resp.StatusCode, wantPath)
		}
		a, err := call(t, insecure, "https://"+tlsAddr+"/"+apiID+"/prod/ping", "")
		if err != nil || a.status != wantPath {
			t.Errorf("%s: GET https /{api}/prod/ping = %d (%v), want %d", name, a.status, err, wantPath)
		}
		a, err = call(t, hc, "https://api.example.test/ping", "")
		if err != nil || a.status != http.StatusOK || a.body != `{"api":"A"}` {
			t.Errorf("%s: GET through the domain name = %d %s (%v), want 200", name, a.status, a.body, err)
		}
	}
	check("enabled", http.StatusOK)
	setDisabled(true) // the auto-deploy stage gets it with the change
	check("disabled", http.StatusForbidden)
	setDisabled(false)
	check("enabled again", http.StatusOK)
}
