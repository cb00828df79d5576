package control_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki/pkitest"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store/sqlite"
)

// TestACMECertificateStates: an ACME certificate is created PENDING_VALIDATION (waking the issuer),
// may be named by a domain whose name it will cover, is claimed by one issuer at a time, publishes its
// challenges to the data plane, becomes ISSUED with its key sealed, is claimed again for renewal with
// a third of its validity left, and a failed renewal keeps it ISSUED with the reason and a retry
// delay; a failed first issuance is FAILED with the reason and never claimed again.
func TestACMECertificateStates(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now, wakes, reloads := time.Now(), 0, 0
	svc := control.New(st, control.Options{SecretKey: make([]byte, 32), Now: func() time.Time { return now },
		ACMEWake: func() { wakes++ }, OnMeteringChange: func() { reloads++ }})

	if _, err := svc.CreateCertificate(ctx, model.Certificate{DomainName: "*.example.test", ValidationMethod: model.ValidationACME}); fieldOf(err) != "domain_name" {
		t.Errorf("wildcard ACME certificate: %v, want refused on domain_name", err)
	}
	c := must(svc.CreateCertificate(ctx, model.Certificate{DomainName: "acme.example.test", ValidationMethod: model.ValidationACME}))(t)
	if c.Status != model.CertificatePending || wakes != 1 {
		t.Fatalf("created: status %s, issuer woken %d times; want PENDING_VALIDATION, once", c.Status, wakes)
	}
	if _, err := svc.CreateDomainName(ctx, model.DomainName{DomainName: "other.example.test", RegionalCertificateARN: c.ARN}); fieldOf(err) != "regional_certificate_arn" {
		t.Errorf("domain the pending certificate will not cover: %v, want refused", err)
	}
	must(svc.CreateDomainName(ctx, model.DomainName{DomainName: "acme.example.test", RegionalCertificateARN: c.ARN}))(t)
	snap := must(svc.Domains(ctx))(t)
	if len(snap.Domains) != 1 || !strings.Contains(snap.Domains[0].Problem, "PENDING_VALIDATION") {
		t.Errorf("served domain before issuance = %+v, want a PENDING_VALIDATION problem", snap.Domains)
	}

	jobs := must(svc.ClaimACME(ctx, time.Minute))(t)
	if len(jobs) != 1 || jobs[0].ID != c.ID || jobs[0].Renewal || strings.Join(jobs[0].Names, ",") != "acme.example.test" {
		t.Fatalf("first claim = %+v", jobs)
	}
	if again := must(svc.ClaimACME(ctx, time.Minute))(t); len(again) != 0 {
		t.Errorf("claimed twice within the lease: %+v", again)
	}
	chal := model.ACMEChallenge{Domain: "acme.example.test", Type: model.ChallengeHTTP01, Token: "tok", KeyAuth: "tok.thumb"}
	before := reloads
	if err := svc.PublishACMEChallenges(ctx, c.ID, []model.ACMEChallenge{chal}); err != nil {
		t.Fatal(err)
	}
	if snap := must(svc.Domains(ctx))(t); len(snap.Challenges) != 1 || snap.Challenges[0] != chal || reloads == before {
		t.Errorf("challenges served = %+v (reloads %d -> %d)", snap.Challenges, before, reloads)
	}
	pair := pkitest.NewCA(t, "acme").Server("acme.example.test")
	if err := svc.CompleteACME(ctx, c.ID, pair.CertPEM, "", pair.KeyPEM); err != nil {
		t.Fatal(err)
	}
	issued := must(svc.GetCertificate(ctx, c.ID))(t)
	if issued.Status != model.CertificateIssued || issued.PrivateKey != "" || issued.CertificateBody != pair.CertPEM {
		t.Errorf("completed certificate = %s, body set %v", issued.Status, issued.CertificateBody == pair.CertPEM)
	}
	snap = must(svc.Domains(ctx))(t)
	if len(snap.Challenges) != 0 || snap.Domains[0].Problem != "" || string(snap.Domains[0].KeyPEM) != pair.KeyPEM {
		t.Errorf("served after issuance: challenges %d, problem %q", len(snap.Challenges), snap.Domains[0].Problem)
	}
	if jobs := must(svc.ClaimACME(ctx, time.Minute))(t); len(jobs) != 0 {
		t.Errorf("a fresh certificate was claimed: %+v", jobs)
	}

	// pkitest certificates are valid 25 hours: 20 hours on, less than a third is left.
	now = now.Add(20 * time.Hour)
	jobs = must(svc.ClaimACME(ctx, time.Minute))(t)
	if len(jobs) != 1 || !jobs[0].Renewal {
		t.Fatalf("renewal claim = %+v", jobs)
	}
	if err := svc.FailACME(ctx, c.ID, "the CA is down"); err != nil {
		t.Fatal(err)
	}
	r := must(svc.GetCertificate(ctx, c.ID))(t)
	if r.Status != model.CertificateIssued || r.FailureReason != "renewal failed: the CA is down" || r.Serial != issued.Serial {
		t.Errorf("after a failed renewal: %s %q", r.Status, r.FailureReason)
	}
	if jobs := must(svc.ClaimACME(ctx, time.Minute))(t); len(jobs) != 0 {
		t.Errorf("a failed renewal was claimed again at once: %+v", jobs)
	}
	now = now.Add(control.ACMERenewalRetry + time.Minute)
	if jobs := must(svc.ClaimACME(ctx, time.Minute))(t); len(jobs) != 1 {
		t.Errorf("a failed renewal was not claimed after the retry delay: %+v", jobs)
	}

	f := must(svc.CreateCertificate(ctx, model.Certificate{DomainName: "down.example.test", ValidationMethod: model.ValidationACME}))(t)
	now = now.Add(2 * time.Minute) // the renewal's lease ends too
	jobs = must(svc.ClaimACME(ctx, time.Minute))(t)
	if len(jobs) != 2 {
		t.Fatalf("claims = %+v, want the new certificate and the renewal", jobs)
	}
	if err := svc.FailACME(ctx, f.ID, "connection refused"); err != nil {
		t.Fatal(err)
	}
	if got := must(svc.GetCertificate(ctx, f.ID))(t); got.Status != model.CertificateFailed || got.FailureReason != "connection refused" {
		t.Errorf("failed issuance = %s %q", got.Status, got.FailureReason)
	}
	now = now.Add(time.Hour)
	for _, j := range must(svc.ClaimACME(ctx, time.Minute))(t) {
		if j.ID == f.ID {
			t.Error("a FAILED certificate was claimed again")
		}
	}
}
