// Package control is gatewayd's control plane: typed operations on the object model over a store.Store,
// with validation, references, cascades, deployment snapshots, stage history and auto-deploy. Every
// operation that writes runs in exactly one store transaction, with the auto-deployment it calls for;
// concurrent writes share that transaction (batch.go).
package control

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/store"
)

// Options configure a Service.
type Options struct {
	// PublicURL is the data plane's base URL, used to build each stage's invoke_url.
	PublicURL string
	// OnStageChange is called after a commit that changed what a stage serves (its deployment, its
	// variables, or its existence), before the writes of that commit return. Calls are made one at a
	// time, in commit order, once per stage and commit. It must not block for long (the next commit
	// waits for it) and must not write through the Service (that write would wait for it).
	OnStageChange func(apiID, stageName string)
	// OnMeteringChange is called after a commit that changed API keys, usage plans or plan keys, IAM
	// users, access keys and policies, or certificates, domain names and base path mappings, so that
	// the data plane reloads Metering, IAM and Domains; like
	// OnStageChange, before the writes return, one at a time. It must not block for long.
	OnMeteringChange func()
	// OnRevision is called after a commit that took a revision (revision.go), with that revision,
	// after OnStageChange and OnMeteringChange and like them before the writes return. A node's
	// reconciler catches up to it, so that the writer's next request is served the change.
	OnRevision func(revision int64)
	// SecretKey (32 bytes) encrypts IAM access keys' secrets at rest (AES-256-GCM). Without it, access
	// keys cannot be created.
	SecretKey []byte
	// CA issues the certificates of validation_method INTERNAL; nil refuses them.
	CA *pki.CA
	// CertificateValidity is how long an INTERNAL certificate is valid. Default
	// DefaultCertificateValidity (90 days); RenewCertificates renews it with a third left.
	CertificateValidity time.Duration
	// ACMEWake, when set, is called after a commit that created an ACME certificate, so that the
	// daemon's issuer takes it up now (acme.go); nil refuses validation_method ACME.
	ACMEWake func()
	// Region is the region of the ARNs of certificates and domain names. Default model.DefaultRegion.
	Region string
	// TLSHost is the host of the data plane's TLS listener: the regional_domain_name of domain names,
	// what their DNS records point at.
	TLSHost string
	// StageStatus reports what the data plane serves for a stage, for the read-only status and
	// last_error of stage reads; nil, or an empty status, leaves them out.
	StageStatus func(apiID, stageName string) (status, lastError string)
	// VPCLinkTargets maps the ARN-shaped targets of VPC links to backend addresses (the operator's
	// --vpc-link-targets); a link whose ARN target it lacks is refused when written.
	VPCLinkTargets model.VPCLinkTargetMap
	// Now returns the current time; tests may replace it. Defaults to time.Now.
	Now func() time.Time
	// AccountRateLimit and AccountBurstLimit are the daemon's account limits, in force while the
	// account (account.go) does not replace them. Defaults model.DefaultAccountRateLimit and
	// model.DefaultAccountBurstLimit.
	AccountRateLimit  float64
	AccountBurstLimit int
	// KeepAutoDeployments is how many auto-deployed deployments per API are kept besides those a stage
	// uses. Default 10.
	KeepAutoDeployments int
}

// Service is the control plane. It is safe for concurrent use.
type Service struct {
	store store.Store
	opts  Options

	// commit queues writes so that concurrent ones share a transaction and a deployment (batch.go).
	commit committer
	// keepChanges is how many changes the revision log keeps (revision.go).
	keepChanges int64
	// parts keeps decoded snapshot parts for StageRelease (snapparts.go).
	parts partCache
}

// New returns a Service over st.
func New(st store.Store, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnStageChange == nil {
		opts.OnStageChange = func(string, string) {}
	}
	if opts.OnMeteringChange == nil {
		opts.OnMeteringChange = func() {}
	}
	if opts.OnRevision == nil {
		opts.OnRevision = func(int64) {}
	}
	if opts.KeepAutoDeployments <= 0 {
		opts.KeepAutoDeployments = 10
	}
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	return &Service{store: st, opts: opts, keepChanges: keepChanges}
}

// Precondition is a conditional write: If-Match on a version, or If-None-Match: * (create only).
type Precondition struct {
	IfMatch     int64
	IfNoneMatch bool
}

func (p Precondition) expect() int64 {
	switch {
	case p.IfNoneMatch:
		return store.ExpectAbsent
	case p.IfMatch > 0:
		return p.IfMatch
	}
	return store.AnyVersion
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID returns 10 random lowercase alphanumerics, the form of API Gateway's ids.
func newID() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand never fails on Linux
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// txn carries what one write transaction changed, so that notifications go out after it commits.
type txn struct {
	store.Tx
	s       *Service
	changed map[[2]string]bool
	// metering is set by writes to keys, plans or plan keys.
	metering bool
	// deploy holds the APIs whose auto-deploy stages must get the change, in the same transaction.
	deploy map[string]bool
	// flushes holds the stages whose caches every node must empty (FlushStageCache).
	flushes map[[2]string]bool
	// indexed holds the APIs whose resource index is known to be built (resindex.go); dirty, the
	// parts of each API's snapshot head this write changed (snapparts.go).
	indexed map[string]bool
	dirty   map[string]map[string]bool
}

func (t *txn) stageChanged(apiID, stage string) { t.changed[[2]string{apiID, stage}] = true }

func (t *txn) meteringChanged() { t.metering = true }

func (s *Service) view(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.store.View(ctx, fn)
}

func getJSON[T any](tx store.Tx, kind store.Kind, scope, key, what string) (T, int64, error) {
	var v T
	rec, err := tx.Get(kind, scope, key)
	if err != nil {
		return v, 0, storeErr(err, what)
	}
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		return v, 0, fmt.Errorf("decoding %s: %w", what, err)
	}
	return v, rec.Version, nil
}

// listJSON decodes the records of kind in scope under prefix; setVersion, when not nil, copies each
// record's version into its object (the stored JSON does not carry it).
func listJSON[T any](tx store.Tx, kind store.Kind, scope, prefix string, setVersion func(*T, int64)) ([]T, error) {
	recs, err := tx.List(kind, scope, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, rec := range recs {
		var v T
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			return nil, fmt.Errorf("decoding %s %s/%s: %w", kind, scope, rec.Key, err)
		}
		if setVersion != nil {
			setVersion(&v, rec.Version)
		}
		out = append(out, v)
	}
	return out, nil
}

// putJSON writes v and returns its new version.
func putJSON(tx store.Tx, kind store.Kind, scope, key string, v any, expect int64, what string) (int64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encoding %s: %w", what, err)
	}
	ver, err := tx.Put(kind, scope, key, data, expect)
	if errors.Is(err, store.ErrNotFound) && expect > 0 {
		return 0, &Error{Status: http.StatusPreconditionFailed, Code: CodePreconditionFailed,
			Message: what + " does not exist, so If-Match cannot hold"}
	}
	return ver, storeErr(err, what)
}

func deleteRecord(tx store.Tx, kind store.Kind, scope, key string, expect int64, what string) error {
	return storeErr(tx.Delete(kind, scope, key, expect), what)
}
