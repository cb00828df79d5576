package control

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Certificates are keyed by id and belong to no API. Their private keys are sealed with the data
// directory's key (as IAM secrets are) and never returned. A change reloads the data plane's TLS table
// (through OnMeteringChange, which reloads every table that belongs to no API).

// DefaultCertificateValidity is how long an INTERNAL certificate is valid.
const DefaultCertificateValidity = 90 * 24 * time.Hour

func certificateWhat(id string) string { return "certificate " + id }

// certificateRecord is a certificate as stored: its private key sealed.
type certificateRecord struct {
	model.Certificate
	SealedKey string `json:"sealed_key"`
	// ACME is the issuance state of an ACME certificate (acme.go).
	ACME *acmeState `json:"acme,omitempty"`
}

// CertificateARN is the ARN of a certificate: ACM's form.
func (s *Service) CertificateARN(id string) string {
	return "arn:aws:acm:" + s.region() + ":" + model.AccountID + ":certificate/" + id
}

func (s *Service) region() string {
	if s.opts.Region == "" {
		return model.DefaultRegion
	}
	return s.opts.Region
}

// certificateIDFromARN returns the id of a gatewayd certificate ARN, or "" if arn is not one.
func (s *Service) certificateIDFromARN(arn string) string {
	prefix := s.CertificateARN("")
	if len(arn) <= len(prefix) || arn[:len(prefix)] != prefix {
		return ""
	}
	return arn[len(prefix):]
}

// newCertificateID returns 32 hex digits in ACM's 8-4-4-4-12 form.
func newCertificateID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand never fails on Linux
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// CARootPEM returns the certificate of gatewayd's internal CA, creating the CA on first use.
func (s *Service) CARootPEM() ([]byte, error) {
	if s.opts.CA == nil {
		return nil, &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "this gatewayd has no internal CA"}
	}
	b, err := s.opts.CA.RootPEM()
	if err != nil {
		return nil, internal(err)
	}
	return b, nil
}

// fill sets what the server derives from a checked certificate.
func (s *Service) fillCertificate(c *model.Certificate, leaf *x509.Certificate, keyAlgorithm string) {
	c.Serial = leaf.SerialNumber.Text(16)
	c.NotBefore, c.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
	c.KeyAlgorithm = keyAlgorithm
	c.Status = model.CertificateIssued
	if s.opts.Now().After(leaf.NotAfter) {
		c.Status = model.CertificateExpired
	}
	if c.ValidationMethod == "" {
		// An imported certificate's names are its own.
		c.DomainName = leaf.Subject.CommonName
		sans := slices.Clone(leaf.DNSNames)
		for _, ip := range leaf.IPAddresses {
			sans = append(sans, ip.String())
		}
		if c.DomainName == "" && len(sans) > 0 {
			c.DomainName = sans[0]
		}
		c.SubjectAlternativeNames = sans
	}
}

// materialize issues an INTERNAL certificate or checks an imported one, and returns its sealed key.
// An ACME certificate is left PENDING_VALIDATION: the daemon's issuer takes it up (acme.go).
func (s *Service) materialize(c *model.Certificate) (sealed string, err error) {
	if c.ValidationMethod == model.ValidationACME {
		if s.opts.ACMEWake == nil {
			return "", badRequest("validation_method", "this gatewayd does not issue ACME certificates: start it with --acme-accept-tos (and --acme-directory-url for another CA than Let's Encrypt)")
		}
		c.Status = model.CertificatePending
		return "", nil
	}
	if c.ValidationMethod == model.ValidationInternal {
		if s.opts.CA == nil {
			return "", internal(errors.New("this gatewayd has no internal CA"))
		}
		names := append([]string{c.DomainName}, c.SubjectAlternativeNames...)
		certPEM, keyPEM, err := s.opts.CA.Issue(slices.Compact(names), s.certificateValidity())
		if err != nil {
			return "", internal(err)
		}
		root, err := s.opts.CA.RootPEM()
		if err != nil {
			return "", internal(err)
		}
		c.CertificateBody, c.CertificateChain, c.PrivateKey = string(certPEM), string(root), string(keyPEM)
	}
	kp, err := pki.Check(c.CertificateBody, c.CertificateChain, c.PrivateKey)
	if err != nil {
		return "", badRequest("certificate_body", "%v", err)
	}
	s.fillCertificate(c, kp.Leaf, kp.KeyAlgorithm)
	sealed, err = s.sealWith(c.PrivateKey, certificateAAD)
	if err != nil {
		return "", internal(err)
	}
	c.PrivateKey = ""
	return sealed, nil
}

func (s *Service) certificateValidity() time.Duration {
	if s.opts.CertificateValidity > 0 {
		return s.opts.CertificateValidity
	}
	return DefaultCertificateValidity
}

// CreateCertificate imports a certificate or issues one from the internal CA.
func (s *Service) CreateCertificate(ctx context.Context, in model.Certificate) (model.Certificate, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return model.Certificate{}, invalid(err)
	}
	in.ID = newCertificateID()
	in.ARN = s.CertificateARN(in.ID)
	in.CreatedDate = s.now()
	sealed, err := s.materialize(&in)
	if err != nil {
		return model.Certificate{}, err
	}
	err = s.update(ctx, func(t *txn) error {
		var err error
		in.Version, err = putJSON(t, store.KindCertificate, "", in.ID, certificateRecord{Certificate: in, SealedKey: sealed}, store.ExpectAbsent, certificateWhat(in.ID))
		t.meteringChanged()
		return err
	})
	if err == nil && in.ValidationMethod == model.ValidationACME {
		s.opts.ACMEWake()
	}
	return in, err
}

func getCertificateRecord(tx store.Tx, id string) (certificateRecord, error) {
	rec, ver, err := getJSON[certificateRecord](tx, store.KindCertificate, "", id, certificateWhat(id))
	rec.Version = ver
	return rec, err
}

// GetCertificate returns a certificate, without its private key.
func (s *Service) GetCertificate(ctx context.Context, id string) (model.Certificate, error) {
	var out model.Certificate
	err := s.view(ctx, func(tx store.Tx) error {
		rec, err := getCertificateRecord(tx, id)
		out = s.withStatus(rec.Certificate)
		return err
	})
	return out, err
}

// withStatus reports EXPIRED for a certificate past its not_after.
func (s *Service) withStatus(c model.Certificate) model.Certificate {
	if !c.NotAfter.IsZero() && s.opts.Now().After(c.NotAfter) {
		c.Status = model.CertificateExpired
	}
	return c
}

// ListCertificates returns every certificate, by id.
func (s *Service) ListCertificates(ctx context.Context) ([]model.Certificate, error) {
	var out []model.Certificate
	err := s.view(ctx, func(tx store.Tx) error {
		recs, err := listJSON(tx, store.KindCertificate, "", "", func(r *certificateRecord, v int64) { r.Version = v })
		for _, r := range recs {
			out = append(out, s.withStatus(r.Certificate))
		}
		return err
	})
	return out, err
}

// UpdateCertificate replaces an imported certificate (body, chain and key: ACM's re-import; the
// domains that serve it do so from the next handshake on) or a certificate's tags. An INTERNAL
// certificate's names cannot change: make a new one.
func (s *Service) UpdateCertificate(ctx context.Context, id string, in model.Certificate, pre Precondition) (model.Certificate, error) {
	if err := checkKey("id", in.ID, id); err != nil {
		return model.Certificate{}, err
	}
	in.Normalize()
	var out model.Certificate
	err := s.update(ctx, func(t *txn) error {
		rec, err := getCertificateRecord(t, id)
		if err != nil {
			return err
		}
		if pre.IfNoneMatch {
			return conflict("%s already exists", certificateWhat(id))
		}
		if in.ValidationMethod != rec.ValidationMethod {
			return badRequest("validation_method", "validation_method of %s cannot change (it is %q); make a new certificate instead", certificateWhat(id), rec.ValidationMethod)
		}
		cur := rec.Certificate
		if err := in.Validate(); err != nil {
			return invalid(err)
		}
		if cur.ValidationMethod != "" {
			if in.DomainName != cur.DomainName || !slices.Equal(in.SubjectAlternativeNames, cur.SubjectAlternativeNames) {
				return badRequest("domain_name", "the names of an %s certificate cannot change; make a new certificate instead", cur.ValidationMethod)
			}
		} else if in.CertificateBody != cur.CertificateBody || in.CertificateChain != cur.CertificateChain || in.PrivateKey != "" {
			next := cur
			next.CertificateBody, next.CertificateChain, next.PrivateKey = in.CertificateBody, in.CertificateChain, in.PrivateKey
			if next.PrivateKey == "" {
				return badRequest("private_key", "private_key is required to replace the certificate body")
			}
			sealed, err := s.materialize(&next)
			if err != nil {
				return err
			}
			cur, rec.SealedKey = next, sealed
		}
		cur.Tags = in.Tags
		rec.Certificate = cur
		if cur.Version, err = putJSON(t, store.KindCertificate, "", id, rec, pre.expect(), certificateWhat(id)); err != nil {
			return err
		}
		out = cur
		t.meteringChanged()
		return nil
	})
	return out, err
}

// DeleteCertificate deletes a certificate no domain name serves (409 otherwise, as ACM's
// ResourceInUseException).
func (s *Service) DeleteCertificate(ctx context.Context, id string, pre Precondition) error {
	return s.update(ctx, func(t *txn) error {
		if _, err := getCertificateRecord(t, id); err != nil {
			return err
		}
		domains, err := listJSON[model.DomainName](t, store.KindDomainName, "", "", nil)
		if err != nil {
			return err
		}
		arn := s.CertificateARN(id)
		for _, d := range domains {
			if d.CertificateARNInUse() == arn {
				return conflict("%s is in use by domain name %s; point the domain at another certificate or delete it first", certificateWhat(id), d.DomainName)
			}
		}
		t.meteringChanged()
		return deleteRecord(t, store.KindCertificate, "", id, pre.expect(), certificateWhat(id))
	})
}

// RenewCertificates issues again every INTERNAL certificate that has less than a third of its
// validity left, under the same id and ARN: the domains serving it do so from the next handshake on.
// It returns the ids it renewed.
func (s *Service) RenewCertificates(ctx context.Context) ([]string, error) {
	var due []certificateRecord
	now := s.opts.Now()
	err := s.view(ctx, func(tx store.Tx) error {
		recs, err := listJSON(tx, store.KindCertificate, "", "", func(r *certificateRecord, v int64) { r.Version = v })
		for _, r := range recs {
			if r.ValidationMethod == model.ValidationInternal && now.After(r.NotAfter.Add(-r.NotAfter.Sub(r.NotBefore)/3)) {
				due = append(due, r)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var renewed []string
	var errs []error
	for _, r := range due {
		next := r.Certificate
		sealed, err := s.materialize(&next)
		if err != nil {
			errs = append(errs, fmt.Errorf("renewing %s: %w", certificateWhat(r.ID), err))
			continue
		}
		err = s.update(ctx, func(t *txn) error {
			// Only the version read: a certificate changed meanwhile is renewed next time, if due.
			_, err := putJSON(t, store.KindCertificate, "", r.ID, certificateRecord{Certificate: next, SealedKey: sealed}, r.Version, certificateWhat(r.ID))
			t.meteringChanged()
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("renewing %s: %w", certificateWhat(r.ID), err))
			continue
		}
		renewed = append(renewed, r.ID)
	}
	return renewed, errors.Join(errs...)
}

// certificateAAD binds sealed certificate keys to their use: one cannot be opened as an access key's
// secret.
const certificateAAD = "gatewayd certificate key"

// sealWith encrypts a secret with the data directory's key: base64(nonce || AES-256-GCM ciphertext).
func (s *Service) sealWith(secret, aad string) (string, error) {
	aead, err := s.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), []byte(aad))), nil
}

func (s *Service) unsealWith(sealed, aad string) (string, error) {
	aead, err := s.aead()
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize() {
		return "", errors.New("sealed secret is not base64 of a nonce and a ciphertext")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(aad))
	if err != nil {
		return "", fmt.Errorf("the data directory's secret key does not open it (was the key replaced?): %w", err)
	}
	return string(plain), nil
}
