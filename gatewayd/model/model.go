// Package model holds gatewayd's object model (REST APIs in the shape of Amazon API Gateway), its
// defaults and its validation. It does no I/O: the control plane, the admin API, the data plane and the
// provider's client all share these types.
//
// JSON names are the snake_case names of the AWS provider's aws_api_gateway_* attributes wherever the
// concept is the same, so the wire format, the Terraform schema and the docs read alike.
package model

import "time"

// HTTP methods a Method may be declared for. ANY matches every verb that has no explicit method.
var HTTPMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// Integration types.
const (
	IntegrationMock      = "MOCK"
	IntegrationHTTP      = "HTTP"
	IntegrationHTTPProxy = "HTTP_PROXY"
	IntegrationAWSProxy  = "AWS_PROXY"
	// IntegrationAWS calls an AWS service API named by an arn:aws:apigateway URI, signed with SigV4.
	IntegrationAWS = "AWS"
)

// IntegrationTypes lists the supported integration types.
var IntegrationTypes = []string{IntegrationAWS, IntegrationAWSProxy, IntegrationHTTP, IntegrationHTTPProxy, IntegrationMock}

// Content handlings of integrations and integration responses: how a body is converted between binary
// and text (base64) on its way.
const (
	ContentHandlingConvertToBinary = "CONVERT_TO_BINARY"
	ContentHandlingConvertToText   = "CONVERT_TO_TEXT"
)

// Method authorization types.
const (
	AuthNone    = "NONE"
	AuthCustom  = "CUSTOM"
	AuthIAM     = "AWS_IAM"
	AuthCognito = "COGNITO_USER_POOLS"
	AuthJWT     = "JWT"
)

// AuthorizationTypes lists the accepted method authorization types.
var AuthorizationTypes = []string{AuthIAM, AuthCognito, AuthCustom, AuthJWT, AuthNone}

// Passthrough behaviours of an integration without a matching request template.
var PassthroughBehaviors = []string{"NEVER", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES"}

// API key sources.
var APIKeySources = []string{"AUTHORIZER", "HEADER"}

// Integration timeout bounds and default, in milliseconds (API Gateway's).
const (
	MinTimeoutMillis     = 50
	MaxTimeoutMillis     = 29000
	DefaultTimeoutMillis = 29000
)

// RestAPI is the root of an API's configuration.
type RestAPI struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	APIKeySource     string            `json:"api_key_source"`
	BinaryMediaTypes []string          `json:"binary_media_types"`
	RootResourceID   string            `json:"root_resource_id"`
	Tags             map[string]string `json:"tags"`
	// Policy is the API's resource policy: an IAM policy document on execute-api:Invoke, or "".
	Policy string `json:"policy"`
	// MinimumCompressionSize is the smallest answer body, in bytes (0 to MaxMinimumCompressionSize),
	// that the data plane compresses (gzip or deflate, as the client's Accept-Encoding asks); nil
	// compresses nothing. A write of -1 is nil, as in API Gateway.
	MinimumCompressionSize *int `json:"minimum_compression_size"`
	// DisableExecuteAPIEndpoint makes /{api_id}/{stage} answer 403 from the next deployment on: the
	// API is then reached through its domain names only.
	DisableExecuteAPIEndpoint bool `json:"disable_execute_api_endpoint,omitempty"`
	// ARN and ExecutionARN are read-only and never stored: the control plane derives them from the id
	// and the daemon's region on every read. ExecutionARN is the prefix of the API's method ARNs, what
	// resource and identity policies name (`${execution_arn}/*`).
	ARN          string    `json:"arn,omitempty"`
	ExecutionARN string    `json:"execution_arn,omitempty"`
	CreatedDate  time.Time `json:"created_date"`
	Version      int64     `json:"version"`
}

// Resource is one node of an API's path tree. The root resource has path "/" and no parent.
type Resource struct {
	ID        string `json:"id"`
	RestAPIID string `json:"rest_api_id"`
	ParentID  string `json:"parent_id"`
	PathPart  string `json:"path_part"`
	Path      string `json:"path"`
	Version   int64  `json:"version"`
}

// Method is an HTTP verb declared on a resource.
type Method struct {
	RestAPIID           string            `json:"rest_api_id"`
	ResourceID          string            `json:"resource_id"`
	HTTPMethod          string            `json:"http_method"`
	Authorization       string            `json:"authorization"`
	AuthorizerID        string            `json:"authorizer_id"`
	AuthorizationScopes []string          `json:"authorization_scopes"`
	APIKeyRequired      bool              `json:"api_key_required"`
	OperationName       string            `json:"operation_name"`
	RequestParameters   map[string]bool   `json:"request_parameters"`
	RequestModels       map[string]string `json:"request_models"`
	RequestValidatorID  string            `json:"request_validator_id"`
	Version             int64             `json:"version"`
}

// Integration says how a method reaches its backend.
type Integration struct {
	RestAPIID             string            `json:"rest_api_id"`
	ResourceID            string            `json:"resource_id"`
	HTTPMethod            string            `json:"http_method"`
	Type                  string            `json:"type"`
	URI                   string            `json:"uri"`
	IntegrationHTTPMethod string            `json:"integration_http_method"`
	RequestParameters     map[string]string `json:"request_parameters"`
	RequestTemplates      map[string]string `json:"request_templates"`
	PassthroughBehavior   string            `json:"passthrough_behavior"`
	TimeoutMilliseconds   int               `json:"timeout_milliseconds"`
	CacheKeyParameters    []string          `json:"cache_key_parameters"`
	CacheNamespace        string            `json:"cache_namespace"`
	ContentHandling       string            `json:"content_handling"`
	// Credentials is the ARN of an IAM role gatewayd assumes to sign calls of an arn:aws:apigateway
	// URI; "" signs with gatewayd's own AWS credentials.
	Credentials string `json:"credentials"`
	// ConnectionType is INTERNET ("" reads as INTERNET) or VPC_LINK: then ConnectionID names the VPC
	// link (or ${stageVariables.NAME}) whose targets receive the calls, and the uri's host only sets
	// the Host header (vpclink.go).
	ConnectionType string `json:"connection_type"`
	ConnectionID   string `json:"connection_id"`
	// TLSConfig, for HTTP and HTTP_PROXY integrations, relaxes the check of an https backend's
	// certificate; nil checks it fully.
	TLSConfig *IntegrationTLSConfig `json:"tls_config,omitempty"`
	Version   int64                 `json:"version"`
}

// IntegrationTLSConfig is API Gateway's tls_config of an integration.
type IntegrationTLSConfig struct {
	// InsecureSkipVerification accepts a backend certificate no trusted CA issued (self-signed, a
	// private CA's); its validity dates and its host name are still checked, as in API Gateway.
	InsecureSkipVerification bool `json:"insecure_skip_verification"`
}

// MethodResponse declares a status code a method may answer with and the headers it may carry.
type MethodResponse struct {
	RestAPIID          string            `json:"rest_api_id"`
	ResourceID         string            `json:"resource_id"`
	HTTPMethod         string            `json:"http_method"`
	StatusCode         string            `json:"status_code"`
	ResponseParameters map[string]bool   `json:"response_parameters"`
	ResponseModels     map[string]string `json:"response_models"`
	Version            int64             `json:"version"`
}

// IntegrationResponse maps a backend answer, chosen by SelectionPattern, to a method response.
type IntegrationResponse struct {
	RestAPIID          string            `json:"rest_api_id"`
	ResourceID         string            `json:"resource_id"`
	HTTPMethod         string            `json:"http_method"`
	StatusCode         string            `json:"status_code"`
	SelectionPattern   string            `json:"selection_pattern"`
	ResponseParameters map[string]string `json:"response_parameters"`
	ResponseTemplates  map[string]string `json:"response_templates"`
	ContentHandling    string            `json:"content_handling"`
	Version            int64             `json:"version"`
}

// Model is a JSON Schema (draft 4) of a body, named within its API. Methods name models in
// request_models; a request validator checks bodies against them. A model may refer to another model
// of the API with {"$ref": "https://apigateway.amazonaws.com/restapis/API_ID/models/NAME"}.
type Model struct {
	ID          string `json:"id"`
	RestAPIID   string `json:"rest_api_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ContentType string `json:"content_type"`
	Schema      string `json:"schema"`
	Version     int64  `json:"version"`
}

// RequestValidator says what a method that names it checks before calling its integration: the
// required request parameters, the body against the method's model, or both.
type RequestValidator struct {
	ID                        string `json:"id"`
	RestAPIID                 string `json:"rest_api_id"`
	Name                      string `json:"name"`
	ValidateRequestBody       bool   `json:"validate_request_body"`
	ValidateRequestParameters bool   `json:"validate_request_parameters"`
	Version                   int64  `json:"version"`
}

// Deployment is an immutable snapshot of a whole API. Only its description may change.
type Deployment struct {
	ID          string `json:"id"`
	RestAPIID   string `json:"rest_api_id"`
	Description string `json:"description"`
	// AutoDeployed is true for deployments the server made for a stage with auto_deploy.
	AutoDeployed bool      `json:"auto_deployed"`
	CreatedDate  time.Time `json:"created_date"`
	Version      int64     `json:"version"`
}

// Snapshot is the configuration a deployment froze: everything the data plane needs to serve it.
type Snapshot struct {
	RestAPI              RestAPI               `json:"rest_api"`
	Resources            []Resource            `json:"resources"`
	Methods              []Method              `json:"methods"`
	Integrations         []Integration         `json:"integrations"`
	MethodResponses      []MethodResponse      `json:"method_responses"`
	IntegrationResponses []IntegrationResponse `json:"integration_responses"`
	Models               []Model               `json:"models"`
	RequestValidators    []RequestValidator    `json:"request_validators"`
	Authorizers          []Authorizer          `json:"authorizers"`
	GatewayResponses     []GatewayResponse     `json:"gateway_responses"`
	// Groups, when set, are the tree of shared parts the configuration is stored as: groups of parts
	// (or of groups), each named with the hash of its content, so that the data plane compiles again
	// only the parts that changed and finds them by walking only the groups that changed (issue 17);
	// the lists above then hold the API-wide objects only (models, request validators, authorizers,
	// gateway responses), resources and methods being in the parts. Never stored or sent.
	Groups []*SnapshotGroup `json:"-"`
}

// SnapshotGroup is a node of a snapshot's tree of parts, in name order. Loads of snapshots that share
// a group share it: it and everything under it must not be modified.
type SnapshotGroup struct {
	Name, Hash string
	Groups     []*SnapshotGroup
	Parts      []SnapshotPart
}

// SnapshotPart is one part of a snapshot: "a" (the API-wide objects), or "r" + a resource id (that
// resource and its methods, integrations and responses; in snapshots of an older gatewayd, "r" + the
// first two characters of its resources' ids).
type SnapshotPart struct {
	Name, Hash string
	Snapshot   *Snapshot
}

// Stage publishes one deployment of an API under a name.
type Stage struct {
	RestAPIID    string `json:"rest_api_id"`
	StageName    string `json:"stage_name"`
	DeploymentID string `json:"deployment_id"`
	// AutoDeploy makes the server deploy the API's current configuration to this stage after every
	// change to it, in the same transaction as the change.
	AutoDeploy  bool              `json:"auto_deploy"`
	Description string            `json:"description"`
	Variables   map[string]string `json:"variables"`
	Tags        map[string]string `json:"tags"`
	// CacheClusterEnabled turns the stage's response cache on; CacheClusterSize is its size in GB as
	// API Gateway names them ("0.5" ... "237"), mapped to a byte budget capped by the server.
	CacheClusterEnabled bool   `json:"cache_cluster_enabled"`
	CacheClusterSize    string `json:"cache_cluster_size"`
	// CanarySettings, when set, send a share of the stage's traffic to another deployment.
	CanarySettings *CanarySettings `json:"canary_settings,omitempty"`
	// AccessLogSettings, when set, make the stage write one line per request (accesslog.go).
	AccessLogSettings *AccessLogSettings `json:"access_log_settings,omitempty"`
	// ClientCertificateID names the client certificate the stage presents to HTTP backends that ask
	// for one (clientcert.go); "" presents none. ClientCertificate is its key pair, set only in the
	// releases the data plane loads.
	ClientCertificateID string      `json:"client_certificate_id,omitempty"`
	ClientCertificate   *TLSKeyPair `json:"-"`
	// DocumentationVersion names the API's documentation version the stage's exports carry
	// (documentation.go); "" exports the API's current documentation parts.
	DocumentationVersion string `json:"documentation_version,omitempty"`
	// XrayTracingEnabled and WebACLARN are stored and returned, with no effect: gatewayd exports no
	// traces and has no web application firewall.
	XrayTracingEnabled bool   `json:"xray_tracing_enabled,omitempty"`
	WebACLARN          string `json:"web_acl_arn,omitempty"`
	InvokeURL          string `json:"invoke_url"`
	// ARN and ExecutionARN are read-only, derived on every read as InvokeURL is: the stage's
	// arn:aws:apigateway:REGION::/restapis/API/stages/NAME and arn:aws:execute-api:REGION:ACCOUNT:API/NAME.
	ARN          string `json:"arn,omitempty"`
	ExecutionARN string `json:"execution_arn,omitempty"`
	// MethodSettings is read-only here, keyed by method path ("*/*", "pets/{petId}/GET"); it is changed
	// through the stage's methodsettings collection, so that a PUT of the stage never drops it.
	MethodSettings map[string]MethodSetting `json:"method_settings,omitempty"`
	// Status is read-only: what the data plane serves for the stage. AVAILABLE when every method can
	// serve, DEGRADED when some answer 500 (misconfigured: no integration, one that does not compile),
	// FAILED when the stage could not be loaded or compiled and answers 500 to every request. LastError
	// says why when it is not AVAILABLE.
	Status          string    `json:"status,omitempty"`
	LastError       string    `json:"last_error,omitempty"`
	CreatedDate     time.Time `json:"created_date"`
	LastUpdatedDate time.Time `json:"last_updated_date"`
	Version         int64     `json:"version"`
}

// StageHistoryEntry records one change of a stage's deployment.
type StageHistoryEntry struct {
	Seq                  int64  `json:"seq"`
	StageName            string `json:"stage_name"`
	DeploymentID         string `json:"deployment_id"`
	PreviousDeploymentID string `json:"previous_deployment_id"`
	// Reason is "create", "update", "auto_deploy", "rollback" or "promote" (the canary's deployment
	// became the stage's).
	Reason    string    `json:"reason"`
	ChangedAt time.Time `json:"changed_at"`
}

// AuditEntry records one admin call that tried to change something.
type AuditEntry struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	Remote   string    `json:"remote"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Status   int       `json:"status"`
	Result   string    `json:"result"`
	ObjectID string    `json:"object_id"`
}
