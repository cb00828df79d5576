package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// ACME certificates are created PENDING_VALIDATION and issued by the daemon's issuer in the
// background, so that the admin write returns at once. The issuer of any node claims a due
// certificate (a lease written with the version it read, so that two nodes never order the same
// one), stores the challenges' key authorizations in the certificate's record (every node's data
// plane answers them, through the domain table), then stores the certificate and its sealed key, or
// the CA's reason for failing.

// acmeState is the issuance state of an ACME certificate, kept in its record.
type acmeState struct {
	// Challenges are being validated by the CA; every data plane answers them.
	Challenges []model.ACMEChallenge `json:"challenges,omitempty"`
	// LeaseUntil is when an issuer's claim ends: until then no other issuer takes the certificate.
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	// NextAttempt delays a renewal after a failed one.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
}

// ACMEJob is a certificate an issuer has claimed: to issue, or to renew.
type ACMEJob struct {
	ID      string
	Names   []string
	Renewal bool
}

// ACMERenewalRetry is how long a failed renewal waits before the next attempt (the certificate in
// force keeps being served meanwhile).
const ACMERenewalRetry = time.Hour

// acmeDue reports whether an issuer should take up the certificate now: pending, or issued with a
// third of its validity left (as Let's Encrypt advises: 30 days of 90), and not claimed.
func acmeDue(r certificateRecord, now time.Time) (due, renewal bool) {
	if r.ValidationMethod != model.ValidationACME {
		return false, false
	}
	var st acmeState
	if r.ACME != nil {
		st = *r.ACME
	}
	if now.Before(st.LeaseUntil) {
		return false, false
	}
	switch r.Status {
	case model.CertificatePending:
		return true, false
	case model.CertificateIssued:
		return !now.Before(st.NextAttempt) && now.After(r.NotAfter.Add(-r.NotAfter.Sub(r.NotBefore)/3)), true
	}
	return false, false
}

// ClaimACME claims the ACME certificates due for issuance or renewal, for lease, and returns them.
// A certificate another issuer claimed first is left to it.
func (s *Service) ClaimACME(ctx context.Context, lease time.Duration) ([]ACMEJob, error) {
	now := s.opts.Now()
	var due []certificateRecord
	err := s.view(ctx, func(tx store.Tx) error {
		recs, err := listJSON(tx, store.KindCertificate, "", "", func(r *certificateRecord, v int64) { r.Version = v })
		for _, r := range recs {
			if ok, _ := acmeDue(r, now); ok {
				due = append(due, r)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var jobs []ACMEJob
	for _, r := range due {
		_, renewal := acmeDue(r, now)
		if r.ACME == nil {
			r.ACME = &acmeState{}
		}
		r.ACME.LeaseUntil = now.Add(lease)
		err := s.update(ctx, func(t *txn) error {
			_, err := putJSON(t, store.KindCertificate, "", r.ID, r, r.Version, certificateWhat(r.ID))
			return err
		})
		if err != nil {
			continue // changed or claimed meanwhile: looked at again next time
		}
		jobs = append(jobs, ACMEJob{ID: r.ID, Names: slices.Compact(append([]string{r.DomainName}, r.SubjectAlternativeNames...)), Renewal: renewal})
	}
	return jobs, nil
}

// changeACME applies fn to an ACME certificate's record and stores it, reloading every data plane.
func (s *Service) changeACME(ctx context.Context, id string, fn func(*certificateRecord) error) error {
	return s.update(ctx, func(t *txn) error {
		rec, err := getCertificateRecord(t, id)
		if err != nil {
			return err
		}
		if rec.ValidationMethod != model.ValidationACME {
			return badRequest("validation_method", "%s is not an ACME certificate", certificateWhat(id))
		}
		if rec.ACME == nil {
			rec.ACME = &acmeState{}
		}
		if err := fn(&rec); err != nil {
			return err
		}
		_, err = putJSON(t, store.KindCertificate, "", id, rec, store.AnyVersion, certificateWhat(id))
		t.meteringChanged()
		return err
	})
}

// PublishACMEChallenges stores the challenges the CA validates for a certificate (nil when done):
// every node's data plane answers them after this commit reaches it; this node's before it returns.
func (s *Service) PublishACMEChallenges(ctx context.Context, id string, chals []model.ACMEChallenge) error {
	return s.changeACME(ctx, id, func(r *certificateRecord) error {
		r.ACME.Challenges = chals
		return nil
	})
}

// CompleteACME stores an issued certificate (PEM) and its key, sealed: ISSUED, served by the
// domains that name it from the next handshake on.
func (s *Service) CompleteACME(ctx context.Context, id string, certPEM, chainPEM, keyPEM string) error {
	kp, err := pki.Check(certPEM, chainPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("the CA's certificate for %s: %w", certificateWhat(id), err)
	}
	sealed, err := s.sealWith(keyPEM, certificateAAD)
	if err != nil {
		return err
	}
	return s.changeACME(ctx, id, func(r *certificateRecord) error {
		r.CertificateBody, r.CertificateChain, r.SealedKey = certPEM, chainPEM, sealed
		s.fillCertificate(&r.Certificate, kp.Leaf, kp.KeyAlgorithm)
		r.FailureReason = ""
		r.ACME = nil
		return nil
	})
}

// FailACME records why an issuance failed: a pending certificate becomes FAILED (make a new one to
// try again); an issued one keeps being served, says why its renewal failed, and is tried again after
// ACMERenewalRetry.
func (s *Service) FailACME(ctx context.Context, id, reason string) error {
	now := s.opts.Now()
	return s.changeACME(ctx, id, func(r *certificateRecord) error {
		r.ACME.Challenges, r.ACME.LeaseUntil = nil, time.Time{}
		if r.Status == model.CertificatePending {
			r.Status, r.FailureReason = model.CertificateFailed, reason
			return nil
		}
		r.FailureReason = "renewal failed: " + reason
		r.ACME.NextAttempt = now.Add(ACMERenewalRetry)
		return nil
	})
}

// ReleaseACME ends an issuer's claim without a result (it stopped): another may claim it at once.
func (s *Service) ReleaseACME(ctx context.Context, id string) error {
	err := s.changeACME(ctx, id, func(r *certificateRecord) error {
		r.ACME.Challenges, r.ACME.LeaseUntil = nil, time.Time{}
		return nil
	})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// acmeChallenges returns the challenges every data plane answers.
func acmeChallenges(tx store.Tx) ([]model.ACMEChallenge, error) {
	recs, err := listJSON[certificateRecord](tx, store.KindCertificate, "", "", nil)
	var out []model.ACMEChallenge
	for _, r := range recs {
		if r.ACME != nil {
			out = append(out, r.ACME.Challenges...)
		}
	}
	return out, err
}

// errNotIssued is why a domain whose certificate is not issued yet is not served.
func errNotIssued(c model.Certificate) error {
	if c.Status == model.CertificateFailed {
		return fmt.Errorf("certificate %s failed: %s", c.ARN, c.FailureReason)
	}
	return errors.New("certificate " + c.ARN + " is " + c.Status + " (its ACME issuance has not completed)")
}
