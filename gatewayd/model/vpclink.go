package model

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// VPC links. In API Gateway a VPC link reaches a Network Load Balancer in a VPC; in gatewayd a VPC
// link is the load balancer itself: a pool of backend addresses that integrations with
// connection_type VPC_LINK send to, spread by LoadBalancingAlgorithm, with passive (and, when
// HealthCheckPath is set, active) health checks.

// Integration connection types.
const (
	ConnectionInternet = "INTERNET"
	ConnectionVPCLink  = "VPC_LINK"
)

// ConnectionTypes lists the accepted connection types.
var ConnectionTypes = []string{ConnectionInternet, ConnectionVPCLink}

// VPC link statuses, as API Gateway shows them.
const (
	VPCLinkAvailable = "AVAILABLE"
	VPCLinkFailed    = "FAILED"
	// VPCLinkAvailableMessage is API Gateway's status_message of an available link.
	VPCLinkAvailableMessage = "Your VPC link is ready to route traffic"
)

// Load balancing algorithms of a VPC link (gatewayd-specific).
const (
	// BalanceRoundRobin sends each request to the next healthy target in turn.
	BalanceRoundRobin = "ROUND_ROBIN"
	// BalanceLeastRequests sends each request to the healthy target with the fewest requests in
	// flight (the lower of two picked at random, so that equal targets still share evenly).
	BalanceLeastRequests = "LEAST_REQUESTS"
)

// LoadBalancingAlgorithms lists the accepted algorithms.
var LoadBalancingAlgorithms = []string{BalanceLeastRequests, BalanceRoundRobin}

// Defaults and bounds of a VPC link's health settings.
const (
	DefaultHealthCheckIntervalSeconds = 10
	MaxHealthCheckIntervalSeconds     = 300
	DefaultUnhealthyThreshold         = 5
	MaxUnhealthyThreshold             = 100
	DefaultEjectionSeconds            = 30
	MaxEjectionSeconds                = 3600
	MaxVPCLinkTargets                 = 100
)

// VPCLink is a pool of backends (aws_api_gateway_vpc_link). Name, Description, TargetARNs and Tags are
// API Gateway's; the balancing and health fields are gatewayd's own.
type VPCLink struct {
	// ID is server-generated (10 lowercase alphanumerics); ARN ends with it.
	ID          string `json:"id"`
	ARN         string `json:"arn"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// TargetARNs are the pool's targets: each a backend address ("host:port", "http://host:port",
	// "https://host:port") or an ARN-shaped id that the operator maps to addresses
	// (--vpc-link-targets).
	TargetARNs []string          `json:"target_arns"`
	Tags       map[string]string `json:"tags"`
	// Status and StatusMessage are read-only: FAILED when a target no longer resolves (an ARN the
	// operator's mapping lost), else AVAILABLE.
	Status        string `json:"status"`
	StatusMessage string `json:"status_message"`
	// LoadBalancingAlgorithm is BalanceRoundRobin (default) or BalanceLeastRequests.
	LoadBalancingAlgorithm string `json:"load_balancing_algorithm"`
	// HealthCheckPath, when set, makes gatewayd GET it on every target each HealthCheckIntervalSeconds:
	// a target that does not answer 2xx or 3xx within the interval (at most 5 s) is out of the pool
	// until a check passes. Empty: passive checks only.
	HealthCheckPath            string `json:"health_check_path"`
	HealthCheckIntervalSeconds int    `json:"health_check_interval_seconds"`
	// UnhealthyThreshold is how many failures in a row (a connection that fails, a 5xx answer, a
	// timeout) eject a target for EjectionSeconds (passive health check).
	UnhealthyThreshold int   `json:"unhealthy_threshold"`
	EjectionSeconds    int   `json:"ejection_seconds"`
	Version            int64 `json:"version"`
}

// Normalize fills defaults.
func (l *VPCLink) Normalize() {
	if l.LoadBalancingAlgorithm == "" {
		l.LoadBalancingAlgorithm = BalanceRoundRobin
	}
	if l.HealthCheckIntervalSeconds == 0 {
		l.HealthCheckIntervalSeconds = DefaultHealthCheckIntervalSeconds
	}
	if l.UnhealthyThreshold == 0 {
		l.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	if l.EjectionSeconds == 0 {
		l.EjectionSeconds = DefaultEjectionSeconds
	}
	l.TargetARNs = emptySliceIfNil(l.TargetARNs)
	l.Tags = emptyIfNil(l.Tags)
}

// Validate checks the fields a client sets. Whether an ARN-shaped target is mapped is the control
// plane's check (it knows the operator's mapping).
func (l *VPCLink) Validate() error {
	if err := checkName("name", l.Name, MaxNameLength); err != nil {
		return err
	}
	if err := checkText("description", l.Description, MaxDescriptionLength, true); err != nil {
		return err
	}
	if len(l.TargetARNs) == 0 {
		return fieldErr("target_arns", "must name at least one target (a host:port backend address, or an ARN the operator maps with --vpc-link-targets)")
	}
	if len(l.TargetARNs) > MaxVPCLinkTargets {
		return fieldErr("target_arns", "must have at most %d targets, got %d", MaxVPCLinkTargets, len(l.TargetARNs))
	}
	for i, t := range l.TargetARNs {
		if IsVPCLinkTargetARN(t) {
			if err := checkText(fmt.Sprintf("target_arns[%d]", i), t, 2048, false); err != nil {
				return err
			}
			continue
		}
		if _, err := ParseVPCLinkEndpoint(t); err != nil {
			return fieldErr(fmt.Sprintf("target_arns[%d]", i), "%v", err)
		}
	}
	if err := validateTags("tags", l.Tags); err != nil {
		return err
	}
	if err := oneOf("load_balancing_algorithm", l.LoadBalancingAlgorithm, LoadBalancingAlgorithms); err != nil {
		return err
	}
	if p := l.HealthCheckPath; p != "" {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \r\n\t#") || len(p) > 1024 {
			return fieldErr("health_check_path", "must be empty or an absolute path such as /healthz (at most 1024 characters, no spaces), got %q", p)
		}
	}
	if n := l.HealthCheckIntervalSeconds; n < 1 || n > MaxHealthCheckIntervalSeconds {
		return fieldErr("health_check_interval_seconds", "must be between 1 and %d, got %d", MaxHealthCheckIntervalSeconds, n)
	}
	if n := l.UnhealthyThreshold; n < 1 || n > MaxUnhealthyThreshold {
		return fieldErr("unhealthy_threshold", "must be between 1 and %d, got %d", MaxUnhealthyThreshold, n)
	}
	if n := l.EjectionSeconds; n < 1 || n > MaxEjectionSeconds {
		return fieldErr("ejection_seconds", "must be between 1 and %d, got %d", MaxEjectionSeconds, n)
	}
	return nil
}

// VPCLinkEndpoint is one backend address of a VPC link.
type VPCLinkEndpoint struct {
	// Scheme is "http" or "https" when the target named one; "" takes the integration uri's.
	Scheme string
	// Addr is host:port.
	Addr string
}

func (e VPCLinkEndpoint) String() string {
	if e.Scheme == "" {
		return e.Addr
	}
	return e.Scheme + "://" + e.Addr
}

// IsVPCLinkTargetARN reports whether a target is ARN-shaped (resolved through the operator's mapping)
// rather than a backend address.
func IsVPCLinkTargetARN(t string) bool { return strings.HasPrefix(t, "arn:") }

// ParseVPCLinkEndpoint parses a backend address: "host:port", "http://host:port" or "https://host:port".
func ParseVPCLinkEndpoint(s string) (VPCLinkEndpoint, error) {
	var e VPCLinkEndpoint
	rest := s
	if i := strings.Index(s, "://"); i >= 0 {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return e, fmt.Errorf("must be host:port, http://host:port or https://host:port (or an arn: the operator maps), got %q", s)
		}
		e.Scheme, rest = u.Scheme, u.Host
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || host == "" || strings.ContainsAny(host, "/ ") {
		return e, fmt.Errorf("must be host:port, http://host:port or https://host:port (or an arn: the operator maps), got %q", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return e, fmt.Errorf("port must be 1 to 65535, got %q", s)
	}
	e.Addr = net.JoinHostPort(host, port)
	return e, nil
}

// VPCLinkTargetMap is the operator's mapping of ARN-shaped targets to backend addresses.
type VPCLinkTargetMap map[string][]VPCLinkEndpoint

// ParseVPCLinkTargetMap parses the operator's mapping: entries "ARN=ADDR,ADDR" separated by ";" or
// newlines, each ADDR as ParseVPCLinkEndpoint takes it.
func ParseVPCLinkTargetMap(s string) (VPCLinkTargetMap, error) {
	m := VPCLinkTargetMap{}
	for entry := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		arn, addrs, ok := strings.Cut(entry, "=")
		arn = strings.TrimSpace(arn)
		if !ok || !IsVPCLinkTargetARN(arn) {
			return nil, fmt.Errorf("entry %q must be ARN=HOST:PORT[,HOST:PORT...] with an ARN starting arn:", entry)
		}
		if _, dup := m[arn]; dup {
			return nil, fmt.Errorf("%s is mapped twice", arn)
		}
		var eps []VPCLinkEndpoint
		for a := range strings.SplitSeq(addrs, ",") {
			e, err := ParseVPCLinkEndpoint(strings.TrimSpace(a))
			if err != nil {
				return nil, fmt.Errorf("%s: address %w", arn, err)
			}
			eps = append(eps, e)
		}
		m[arn] = eps
	}
	return m, nil
}

// Resolve returns the backend addresses of targets, in order and without duplicates; an ARN the map
// lacks is an error naming it.
func (m VPCLinkTargetMap) Resolve(targets []string) ([]VPCLinkEndpoint, error) {
	var out []VPCLinkEndpoint
	add := func(e VPCLinkEndpoint) {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, t := range targets {
		if IsVPCLinkTargetARN(t) {
			eps, ok := m[t]
			if !ok {
				return nil, fmt.Errorf("target %s is not mapped to backend addresses (the operator maps ARNs with gatewayd serve --vpc-link-targets 'ARN=HOST:PORT,...')", t)
			}
			for _, e := range eps {
				add(e)
			}
			continue
		}
		e, err := ParseVPCLinkEndpoint(t)
		if err != nil {
			return nil, err
		}
		add(e)
	}
	return out, nil
}

// connectionIDPattern is a literal VPC link id or one ${stageVariables.name} reference.
var connectionIDPattern = regexp.MustCompile(`^([a-z0-9]{1,64}|\$\{stageVariables\.[A-Za-z0-9_]{1,64}\})$`)

// validateConnection checks an integration's connection_type and connection_id.
func (in *Integration) validateConnection() error {
	return ValidateIntegrationConnection(in.Type, in.ConnectionType, in.ConnectionID)
}

// ValidateIntegrationConnection checks an integration's connection_type ("" is INTERNET) and
// connection_id for an integration of type typ; the error names the field at fault.
func ValidateIntegrationConnection(typ, connectionType, connectionID string) error {
	ct := connectionType
	if ct == "" {
		ct = ConnectionInternet
	}
	if err := oneOf("connection_type", ct, ConnectionTypes); err != nil {
		return err
	}
	switch {
	case ct == ConnectionInternet && connectionID != "":
		return fieldErr("connection_id", "must be empty when connection_type is INTERNET, got %q (set connection_type = \"VPC_LINK\" to send through a VPC link)", connectionID)
	case ct == ConnectionVPCLink && connectionID == "":
		return fieldErr("connection_id", "is required when connection_type is VPC_LINK: the id of a VPC link, or ${stageVariables.NAME}")
	case ct == ConnectionVPCLink && typ != IntegrationHTTP && typ != IntegrationHTTPProxy:
		return fieldErr("connection_type", "VPC_LINK works with HTTP and HTTP_PROXY integrations only, got type %s", typ)
	case ct == ConnectionVPCLink && !connectionIDPattern.MatchString(connectionID):
		return fieldErr("connection_id", "must be a VPC link id or ${stageVariables.NAME}, got %q", connectionID)
	}
	return nil
}

// VPCLinkID returns the VPC link an integration sends through, its stage variable reference resolved
// with vars, or "" when it does not use one.
func (in *Integration) VPCLinkID(vars map[string]string) string {
	if in.ConnectionType != ConnectionVPCLink {
		return ""
	}
	return ResolveStageVariables(in.ConnectionID, vars)
}
