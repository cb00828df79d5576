package daemon

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/acmeissuer"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// ACME certificates (validation_method ACME) are ordered by each node's issuer loop: woken by the
// creation of one, and every acmeEvery for renewals and for certificates another node left. The
// CA validates through this node's listeners or any other's: the challenges are in the store, and
// every data plane answers them (tls-alpn-01 on the TLS listener, http-01 on the plain one).

// ACMEAccountKeyFile is the ACME account's key in the data directory.
const ACMEAccountKeyFile = "acme-account-key.pem"

const (
	// acmeEvery is how often the issuer looks for certificates due without being woken.
	acmeEvery = time.Minute
	// acmeOrderTimeout bounds one order, challenges included; acmeLease is the claim that covers it.
	acmeOrderTimeout = 5 * time.Minute
	acmeLease        = acmeOrderTimeout + time.Minute
)

// newIssuer returns the ACME issuer cfg asks for, or nil when ACME is off (no --acme-accept-tos).
func newIssuer(cfg Config) (*acmeissuer.Issuer, error) {
	if !cfg.ACMEAcceptTOS {
		if cfg.ACMEDirectoryURL != "" || cfg.ACMEEmail != "" || cfg.ACMECARoot != "" {
			return nil, errors.New("the --acme-* settings need --acme-accept-tos: issuing ACME certificates accepts the CA's terms of service")
		}
		return nil, nil
	}
	var roots *x509.CertPool
	if cfg.ACMECARoot != "" {
		pem, err := os.ReadFile(cfg.ACMECARoot)
		if err != nil {
			return nil, fmt.Errorf("reading the ACME CA root: %w", err)
		}
		if roots, err = x509.SystemCertPool(); err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("the ACME CA root %s holds no PEM certificate", cfg.ACMECARoot)
		}
	}
	return acmeissuer.New(acmeissuer.Options{
		DirectoryURL: cfg.ACMEDirectoryURL, Email: cfg.ACMEEmail, AcceptTOS: true, RootCAs: roots,
		AccountKeyFile: filepath.Join(cfg.DataDir, ACMEAccountKeyFile), Challenges: cfg.ACMEChallenges,
	})
}

// runACME orders the due ACME certificates until Shutdown, one at a time.
// spread is how long the challenges take to reach every node: zero for a node alone on its store, the
// poll interval on a shared one (at the latest; PostgreSQL's notifications bring them sooner).
func (d *Daemon) runACME(svc *control.Service, iss *acmeissuer.Issuer, wake <-chan struct{}, every, spread time.Duration) {
	if every <= 0 {
		every = acmeEvery
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer cancel()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			jobs, err := svc.ClaimACME(ctx, acmeLease)
			if err != nil {
				d.log.Error("looking for ACME certificates to issue", "err", err)
			}
			for _, job := range jobs {
				d.issueACME(ctx, svc, iss, job, spread)
			}
			select {
			case <-d.stopRenew:
				return
			case <-wake:
			case <-t.C:
			}
		}
	}()
	go func() {
		<-d.stopRenew
		cancel()
	}()
}

func (d *Daemon) issueACME(ctx context.Context, svc *control.Service, iss *acmeissuer.Issuer, job control.ACMEJob, spread time.Duration) {
	log := d.log.With("certificate", job.ID, "names", job.Names, "renewal", job.Renewal, "directory", iss.DirectoryURL())
	octx, cancel := context.WithTimeout(ctx, acmeOrderTimeout)
	defer cancel()
	cert, err := iss.Issue(octx, job.Names, func(ctx context.Context, chals []model.ACMEChallenge) error {
		if err := svc.PublishACMEChallenges(ctx, job.ID, chals); err != nil || chals == nil || spread == 0 {
			return err
		}
		// The CA may reach any node: let the others apply the challenges before it is told to look.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(spread):
			return nil
		}
	})
	after := context.WithoutCancel(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopping: not the CA's fault. Whoever runs next takes it up again.
		if err := svc.ReleaseACME(after, job.ID); err != nil {
			log.Error("releasing an ACME certificate", "err", err)
		}
	case err != nil:
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("the order did not complete within %s: %w", acmeOrderTimeout, err)
		}
		log.Warn("ACME issuance failed", "err", err)
		if err := svc.FailACME(after, job.ID, err.Error()); err != nil && !control.IsNotFound(err) {
			log.Error("recording a failed ACME issuance", "err", err)
		}
	default:
		err := svc.CompleteACME(after, job.ID, string(cert.CertPEM), string(cert.ChainPEM), string(cert.KeyPEM))
		if control.IsNotFound(err) {
			return // deleted meanwhile
		}
		if err != nil {
			log.Error("storing an ACME certificate", "err", err)
			if err := svc.FailACME(after, job.ID, err.Error()); err != nil && !control.IsNotFound(err) {
				log.Error("recording a failed ACME issuance", "err", err)
			}
			return
		}
		log.Info("ACME certificate issued")
	}
}
