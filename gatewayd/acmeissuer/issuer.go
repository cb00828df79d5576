// Package acmeissuer obtains certificates from an ACME CA (RFC 8555: Let's Encrypt, or a private
// CA such as step-ca or pebble) with golang.org/x/crypto/acme. It does the protocol only: the
// challenges' answers are handed to a publish function (the control plane stores them so that every
// node's data plane answers them), and the certificate and key are returned to the caller, which
// stores them. Answering is by tls-alpn-01 on the TLS listener (port 443 in production) or http-01
// on the plain listener (port 80).
package acmeissuer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// LetsEncryptURL is the default directory: Let's Encrypt's production CA.
const LetsEncryptURL = acme.LetsEncryptURL

// Options configure an Issuer.
type Options struct {
	// DirectoryURL is the CA's ACME directory; empty takes LetsEncryptURL.
	DirectoryURL string
	// Email is the account's contact, for the CA's expiry and policy mail; empty registers none.
	Email string
	// AcceptTOS must be true: registering an account accepts the CA's terms of service.
	AcceptTOS bool
	// RootCAs verifies the directory's HTTPS certificate; nil takes the system's roots.
	RootCAs *x509.CertPool
	// AccountKeyFile keeps the account's key (PEM, created mode 0600 at first use), so that a
	// restart keeps the account.
	AccountKeyFile string
	// Challenges are the challenge types answered, in order of preference; empty takes
	// tls-alpn-01 then http-01.
	Challenges []string
}

// Issuer orders certificates. It is safe for concurrent use.
type Issuer struct {
	opts Options

	mu     sync.Mutex
	client *acme.Client // registered; nil until the first order
}

// New checks opts and returns an Issuer; nothing is sent to the CA before the first order.
func New(opts Options) (*Issuer, error) {
	if !opts.AcceptTOS {
		return nil, errors.New("issuing ACME certificates accepts the CA's terms of service: say so with --acme-accept-tos")
	}
	if opts.DirectoryURL == "" {
		opts.DirectoryURL = LetsEncryptURL
	}
	if !strings.HasPrefix(opts.DirectoryURL, "https://") {
		return nil, fmt.Errorf("the ACME directory URL must be https://, got %q", opts.DirectoryURL)
	}
	var chals []string
	for _, c := range opts.Challenges {
		if c = strings.TrimSpace(c); c != "" {
			chals = append(chals, c)
		}
	}
	opts.Challenges = chals
	if len(opts.Challenges) == 0 {
		opts.Challenges = []string{model.ChallengeTLSALPN01, model.ChallengeHTTP01}
	}
	for _, c := range opts.Challenges {
		if c != model.ChallengeTLSALPN01 && c != model.ChallengeHTTP01 {
			return nil, fmt.Errorf("ACME challenge %q is not one gatewayd answers (%s, %s)", c, model.ChallengeTLSALPN01, model.ChallengeHTTP01)
		}
	}
	if opts.AccountKeyFile == "" {
		return nil, errors.New("the ACME account key file is required")
	}
	return &Issuer{opts: opts}, nil
}

// DirectoryURL is the CA's directory.
func (i *Issuer) DirectoryURL() string { return i.opts.DirectoryURL }

// registered returns a client whose account is registered (once per Issuer).
func (i *Issuer) registered(ctx context.Context) (*acme.Client, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.client != nil {
		return i.client, nil
	}
	key, err := accountKey(i.opts.AccountKeyFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: i.opts.RootCAs, MinVersion: tls.VersionTLS12}
	c := &acme.Client{Key: key, DirectoryURL: i.opts.DirectoryURL, UserAgent: "gatewayd",
		HTTPClient: &http.Client{Transport: tr, Timeout: time.Minute}}
	acct := &acme.Account{}
	if i.opts.Email != "" {
		acct.Contact = []string{"mailto:" + i.opts.Email}
	}
	if _, err := c.Register(ctx, acct, acme.AcceptTOS); err != nil && !errors.Is(err, acme.ErrAccountAlreadyExists) {
		return nil, fmt.Errorf("registering an account with %s: %w", i.opts.DirectoryURL, err)
	}
	i.client = c
	return c, nil
}

// accountKey reads the account key, or creates it.
func accountKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, fmt.Errorf("writing the ACME account key: %w", err)
		}
		return key, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading the ACME account key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("the ACME account key %s is not PEM", path)
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the ACME account key %s: %w", path, err)
	}
	return key, nil
}

// Certificate is an issued certificate: the leaf, the CA's intermediates and the new private key,
// each PEM.
type Certificate struct {
	CertPEM, ChainPEM, KeyPEM []byte
}

// Issue orders a certificate for names. publish must make the challenges answerable before it
// returns (and is called with nil once they are no longer needed, whatever the outcome). The error
// of a refused order or a failed challenge is the CA's own problem text.
func (i *Issuer) Issue(ctx context.Context, names []string, publish func(context.Context, []model.ACMEChallenge) error) (Certificate, error) {
	c, err := i.registered(ctx)
	if err != nil {
		return Certificate{}, err
	}
	order, err := c.AuthorizeOrder(ctx, acme.DomainIDs(names...))
	if err != nil {
		return Certificate{}, fmt.Errorf("ordering a certificate for %s: %w", strings.Join(names, ", "), err)
	}
	var chals []model.ACMEChallenge
	var accept []*acme.Challenge
	var authzs []string
	for _, u := range order.AuthzURLs {
		z, err := c.GetAuthorization(ctx, u)
		if err != nil {
			return Certificate{}, err
		}
		if z.Status == acme.StatusValid {
			continue // validated recently, for an earlier order
		}
		ch := i.pick(z.Challenges)
		if ch == nil {
			return Certificate{}, fmt.Errorf("the CA offers none of the challenges gatewayd answers (%s) for %s", strings.Join(i.opts.Challenges, ", "), z.Identifier.Value)
		}
		keyAuth, err := c.HTTP01ChallengeResponse(ch.Token) // the key authorization, for either type
		if err != nil {
			return Certificate{}, err
		}
		chals = append(chals, model.ACMEChallenge{Domain: z.Identifier.Value, Type: ch.Type, Token: ch.Token, KeyAuth: keyAuth})
		accept = append(accept, ch)
		authzs = append(authzs, z.URI)
	}
	if len(chals) > 0 {
		if err := publish(ctx, chals); err != nil {
			return Certificate{}, fmt.Errorf("publishing the ACME challenges: %w", err)
		}
		defer publish(context.WithoutCancel(ctx), nil)
	}
	for n, ch := range accept {
		if _, err := c.Accept(ctx, ch); err != nil {
			return Certificate{}, fmt.Errorf("accepting the %s challenge of %s: %w", ch.Type, chals[n].Domain, err)
		}
	}
	for _, u := range authzs {
		if _, err := c.WaitAuthorization(ctx, u); err != nil {
			return Certificate{}, reason(err)
		}
	}
	if order, err = c.WaitOrder(ctx, order.URI); err != nil {
		return Certificate{}, reason(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certificate{}, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, key)
	if err != nil {
		return Certificate{}, err
	}
	der, _, err := c.CreateCertFromOrder(ctx, order, csr, true)
	if err != nil {
		return Certificate{}, fmt.Errorf("finalizing the order: %w", reason(err))
	}
	if len(der) == 0 {
		return Certificate{}, errors.New("the CA returned no certificate")
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Certificate{}, err
	}
	out := Certificate{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der[0]}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	for _, b := range der[1:] {
		out.ChainPEM = append(out.ChainPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b})...)
	}
	return out, nil
}

// pick returns the preferred challenge of an authorization that gatewayd answers.
func (i *Issuer) pick(offered []*acme.Challenge) *acme.Challenge {
	for _, typ := range i.opts.Challenges {
		if n := slices.IndexFunc(offered, func(c *acme.Challenge) bool { return c.Type == typ }); n >= 0 {
			return offered[n]
		}
	}
	return nil
}

// reason makes the CA's problem the error's text: what the operator needs to fix.
func reason(err error) error {
	var az *acme.AuthorizationError
	if errors.As(err, &az) {
		var details []string
		for _, e := range az.Errors {
			details = append(details, problem(e))
		}
		return fmt.Errorf("the CA could not validate %s: %s", az.Identifier, strings.Join(details, "; "))
	}
	var oe *acme.OrderError
	if errors.As(err, &oe) && oe.Problem != nil {
		return fmt.Errorf("the CA refused the order (%s): %s", oe.Status, problem(oe.Problem))
	}
	return err
}

func problem(err error) string {
	var ae *acme.Error
	if errors.As(err, &ae) {
		typ := strings.TrimPrefix(ae.ProblemType, "urn:ietf:params:acme:error:")
		return typ + ": " + ae.Detail
	}
	return err.Error()
}
