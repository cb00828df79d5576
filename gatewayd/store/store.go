// Package store declares the persistence contract of gatewayd's control plane.
//
// A backend is a transactional, versioned document store: records of a kind, scoped to a REST API (or to
// no API), keyed by a string, holding JSON. All of the product's rules (validation, references, cascades,
// snapshots) live above it in package control, written once for every backend; a backend only has to
// be transactional and keep versions honest. storetest holds the conformance suite every backend passes.
package store

import (
	"context"
	"errors"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

// Kind names a collection of records.
type Kind string

// The kinds the control plane stores.
const (
	KindRestAPI             Kind = "restapi"
	KindResource            Kind = "resource"
	KindMethod              Kind = "method"
	KindIntegration         Kind = "integration"
	KindMethodResponse      Kind = "method_response"
	KindIntegrationResponse Kind = "integration_response"
	KindDeployment          Kind = "deployment"
	KindSnapshot            Kind = "snapshot"
	KindStage               Kind = "stage"
	KindStageHistory        Kind = "stage_history"

	// KindResourceChild indexes an API's resources by parent ("PARENT_ID/PATH_PART" -> id);
	// KindSnapshotPart holds content-addressed parts of deployment snapshots (control/snapparts.go).
	KindResourceChild Kind = "resource_child"
	KindSnapshotPart  Kind = "snapshot_part"

	// KindModel holds an API's models, keyed by name; KindRequestValidator its request validators, by id.
	KindModel            Kind = "model"
	KindRequestValidator Kind = "request_validator"
	// KindPendingDeploy marks an API changed since its auto-deploy stages were last deployed.
	KindPendingDeploy Kind = "pending_deploy"
	// Metering. API keys, usage plans, plan keys ("PLAN/KEY") and usage counts ("PLAN/KEY/DAY") belong
	// to no API; method settings belong to their API, keyed "STAGE/METHOD_PATH".
	KindAPIKey         Kind = "api_key"
	KindUsagePlan      Kind = "usage_plan"
	KindUsagePlanKey   Kind = "usage_plan_key"
	KindMethodSettings Kind = "method_settings"
	KindUsage          Kind = "usage"
	// Authorization. Authorizers (by id) and gateway responses (by response type) belong to their API;
	// IAM users (by name), access keys (by id) and user policies ("USER/POLICY") to none.
	KindAuthorizer      Kind = "authorizer"
	KindGatewayResponse Kind = "gateway_response"
	KindIAMUser         Kind = "iam_user"
	KindIAMAccessKey    Kind = "iam_access_key"
	KindIAMUserPolicy   Kind = "iam_user_policy"
	// Revisions (belonging to no API): the record "head" whose version is the latest revision, and
	// one change per revision, keyed by the revision zero-padded to 19 digits (control/revision.go).
	KindRevision Kind = "revision"
	KindChange   Kind = "change"
	// HTTPS endpoints, belonging to no API: certificates (by id), domain names (by name) and base
	// path mappings ("DOMAIN/BASE_PATH", the empty base path as "(none)").
	KindCertificate     Kind = "certificate"
	KindDomainName      Kind = "domain_name"
	KindBasePathMapping Kind = "base_path_mapping"
	// KindVPCLink holds VPC links (by id), belonging to no API.
	KindVPCLink Kind = "vpc_link"
	// Belonging to no API: client certificates (by id) and the account's settings (the one record
	// "account"). Belonging to their API: documentation parts (by id) and versions (by version).
	KindClientCertificate    Kind = "client_certificate"
	KindAccount              Kind = "account"
	KindDocumentationPart    Kind = "documentation_part"
	KindDocumentationVersion Kind = "documentation_version"
)

// Errors a backend returns; callers test them with errors.Is.
var (
	// ErrNotFound: no record under that kind, scope and key.
	ErrNotFound = errors.New("record not found")
	// ErrExists: Put with ExpectAbsent found a record.
	ErrExists = errors.New("record already exists")
	// ErrVersionMismatch: Put or Delete with an expected version found another one.
	ErrVersionMismatch = errors.New("record version mismatch")
	// ErrTxAborted: the transaction can no longer be used, because the writes of a failed Savepoint
	// could not be undone (or a Savepoint could not be released); the Update must fail.
	ErrTxAborted = errors.New("transaction aborted")
	// ErrUnavailable: the backend cannot reach its database (a shared one that is down or
	// unreachable); nothing was written, and the call may be tried again later.
	ErrUnavailable = errors.New("store unavailable")
)

// Version expectations for Put and Delete.
const (
	// AnyVersion writes whatever is stored.
	AnyVersion int64 = -1
	// ExpectAbsent writes only when no record exists.
	ExpectAbsent int64 = 0
)

// Record is one stored document.
type Record struct {
	Kind  Kind
	Scope string // the owning REST API's id, or "" for objects that belong to no API
	Key   string
	// Version starts at 1 and grows by one on every Put.
	Version int64
	Data    []byte
}

// Store is a transactional document store. Implementations are safe for concurrent use.
type Store interface {
	// Update runs fn in one read-write transaction; it commits when fn returns nil and rolls back
	// otherwise. Writes are durable when Update returns nil. A backend shared by several processes
	// may roll back and run fn again when a concurrent transaction made it unserializable, so fn
	// keeps its effects inside the transaction, or resets them when it starts.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent state.
	View(ctx context.Context, fn func(tx Tx) error) error
	// AppendAudit stores an audit entry and returns it with its sequence number set.
	AppendAudit(ctx context.Context, e model.AuditEntry) (model.AuditEntry, error)
	// ListAudit returns up to limit entries with Seq > after, oldest first.
	ListAudit(ctx context.Context, after int64, limit int) ([]model.AuditEntry, error)
	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
	Close() error
}

// Tx is a transaction. It must not be used after the function it was passed to returns.
type Tx interface {
	// Get returns the record, or ErrNotFound.
	Get(kind Kind, scope, key string) (Record, error)
	// List returns the records of kind in scope whose key starts with prefix, ordered by key.
	List(kind Kind, scope, prefix string) ([]Record, error)
	// Put creates or replaces a record and returns its new version. expect is AnyVersion,
	// ExpectAbsent (ErrExists when present) or the version that must be stored (ErrVersionMismatch
	// otherwise, ErrNotFound when absent).
	Put(kind Kind, scope, key string, data []byte, expect int64) (int64, error)
	// Delete removes a record. expect is AnyVersion or the version that must be stored. It returns
	// ErrNotFound when there is no record.
	Delete(kind Kind, scope, key string, expect int64) error
	// DeletePrefix removes the records of kind in scope whose key starts with prefix and returns how many.
	DeletePrefix(kind Kind, scope, prefix string) (int, error)
	// DeleteScope removes every record of every kind in scope.
	DeleteScope(scope string) error
	// Savepoint runs fn as one step of the transaction, through tx or the Tx it is given (they are
	// the same transaction). When fn returns nil its writes stay, to commit with the transaction. When
	// fn returns an error, every write fn made (Put, Delete, DeletePrefix, DeleteScope, nested
	// Savepoints) is undone, versions included, the transaction goes on as it was before the step, and
	// Savepoint returns fn's error unchanged. Savepoints nest. If the writes cannot be undone, Savepoint
	// returns an error wrapping ErrTxAborted: the transaction is then unusable and its function must
	// return an error. A panic in fn goes on after Savepoint has tried to undo fn's writes. In a View,
	// Savepoint runs fn with nothing to undo.
	Savepoint(fn func(tx Tx) error) error
}
