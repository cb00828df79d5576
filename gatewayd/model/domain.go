package model

import (
	"regexp"
	"strings"
	"time"
)

// HTTPS endpoints: certificates (imported, or issued by gatewayd's own CA), custom domain names and
// the base path mappings that route a domain's paths to stages.

// Certificate validation methods. An imported certificate has none.
const (
	// ValidationInternal issues the certificate from gatewayd's own CA (a root kept in the data
	// directory), for private networks whose clients trust that root.
	ValidationInternal = "INTERNAL"
	// ValidationACME issues the certificate from the ACME directory the daemon is configured with
	// (Let's Encrypt by default), answering the CA's tls-alpn-01 or http-01 challenge itself.
	ValidationACME = "ACME"
)

// Certificate statuses.
const (
	CertificateIssued  = "ISSUED"
	CertificateExpired = "EXPIRED"
	// CertificatePending is an ACME certificate not issued yet; CertificateFailed one whose
	// issuance failed (FailureReason says why).
	CertificatePending = "PENDING_VALIDATION"
	CertificateFailed  = "FAILED"
)

// Security policies of a domain name: the lowest TLS version it accepts.
const (
	SecurityPolicyTLS10 = "TLS_1_0"
	SecurityPolicyTLS12 = "TLS_1_2"
)

// Endpoint types of a domain name. gatewayd serves every domain from its own TLS listener: the types
// are accepted for ported configurations and change nothing.
const (
	EndpointRegional = "REGIONAL"
	EndpointEdge     = "EDGE"
	EndpointPrivate  = "PRIVATE"
)

// NoBasePath is the key of the empty base path, as API Gateway names it.
const NoBasePath = "(none)"

var (
	// DomainNamePattern matches a DNS name gatewayd serves: lowercase labels of letters, digits and
	// hyphens, at least two labels; a certificate's names may start with "*." (one label).
	DomainNamePattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// BasePathPattern matches a base path: segments of API Gateway's characters, no leading or
	// trailing slash ("v1", "v1/orders").
	BasePathPattern = regexp.MustCompile(`^[A-Za-z0-9._~$!&'()*+,;=:@-]+(/[A-Za-z0-9._~$!&'()*+,;=:@-]+)*$`)
)

// Certificate is a TLS certificate gatewayd serves for domain names: imported (body, chain and key
// given) or issued by gatewayd's own CA (ValidationMethod INTERNAL).
type Certificate struct {
	// ID is server-generated; the ARN ends with it.
	ID  string `json:"id"`
	ARN string `json:"arn"`
	// DomainName and SubjectAlternativeNames are the names of an issued certificate; for an imported
	// one the server reads them from the certificate.
	DomainName              string   `json:"domain_name"`
	SubjectAlternativeNames []string `json:"subject_alternative_names"`
	ValidationMethod        string   `json:"validation_method"`
	// CertificateBody and CertificateChain are PEM. PrivateKey (PEM) is accepted on writes and never
	// returned.
	CertificateBody  string `json:"certificate_body"`
	CertificateChain string `json:"certificate_chain"`
	PrivateKey       string `json:"private_key,omitempty"`
	// Set by the server.
	Status string `json:"status"`
	// FailureReason says why an ACME certificate's issuance (status FAILED) or its last renewal
	// (status still ISSUED) failed; empty otherwise.
	FailureReason string            `json:"failure_reason,omitempty"`
	Serial        string            `json:"serial"`
	NotBefore     time.Time         `json:"not_before"`
	NotAfter      time.Time         `json:"not_after"`
	KeyAlgorithm  string            `json:"key_algorithm"`
	Tags          map[string]string `json:"tags"`
	CreatedDate   time.Time         `json:"created_date"`
	Version       int64             `json:"version"`
}

// Normalize fills defaults.
func (c *Certificate) Normalize() {
	c.DomainName = strings.ToLower(c.DomainName)
	for i, n := range c.SubjectAlternativeNames {
		c.SubjectAlternativeNames[i] = strings.ToLower(n)
	}
	c.Tags = emptyIfNil(c.Tags)
	if c.SubjectAlternativeNames == nil {
		c.SubjectAlternativeNames = []string{}
	}
}

// Validate checks the fields a client sets; whether the PEM blocks hold a certificate and its key is
// checked by the control plane.
func (c *Certificate) Validate() error {
	switch c.ValidationMethod {
	case ValidationInternal, ValidationACME:
		if !DomainNamePattern.MatchString(c.DomainName) {
			return fieldErr("domain_name", "must be a DNS name such as api.example.com (or *.example.com), got %q", c.DomainName)
		}
		for _, n := range c.SubjectAlternativeNames {
			if !DomainNamePattern.MatchString(n) {
				return fieldErr("subject_alternative_names", "must be DNS names, got %q", n)
			}
		}
		if c.ValidationMethod == ValidationACME {
			for _, n := range append([]string{c.DomainName}, c.SubjectAlternativeNames...) {
				if strings.HasPrefix(n, "*.") {
					return fieldErr("domain_name", "%q is a wildcard, which ACME validates only by DNS (dns-01), and gatewayd answers tls-alpn-01 and http-01; name each host, or use INTERNAL or an imported certificate", n)
				}
			}
		}
		if c.CertificateBody != "" || c.PrivateKey != "" || c.CertificateChain != "" {
			return fieldErr("certificate_body", "must be empty with validation_method %s (gatewayd issues the certificate); leave out validation_method to import one", c.ValidationMethod)
		}
	case "":
		if c.CertificateBody == "" || c.PrivateKey == "" {
			return fieldErr("certificate_body", "and private_key are required to import a certificate (or set validation_method = \"INTERNAL\" to have gatewayd issue one)")
		}
	default:
		return fieldErr("validation_method", "must be INTERNAL, ACME, or empty for an imported certificate, got %q", c.ValidationMethod)
	}
	return validateTags("tags", c.Tags)
}

// MutualTLSAuthentication makes a domain require client certificates signed by a truststore.
type MutualTLSAuthentication struct {
	// TruststoreURI is a PEM bundle of CA certificates: file:///absolute/path.pem (read by gatewayd
	// on each write and each reload), or the PEM text itself.
	TruststoreURI string `json:"truststore_uri"`
	// TruststoreVersion is free text; changing it makes gatewayd read a file:// truststore again.
	TruststoreVersion string `json:"truststore_version,omitempty"`
}

// EndpointConfiguration is accepted for ported configurations; see EndpointRegional.
type EndpointConfiguration struct {
	Types []string `json:"types"`
}

// DomainName is a custom domain name served on gatewayd's TLS listener.
type DomainName struct {
	DomainName string `json:"domain_name"`
	// CertificateARN and RegionalCertificateARN name a gatewayd certificate; one of them is required,
	// and the regional one wins when both are set (gatewayd has one listener kind).
	CertificateARN         string                   `json:"certificate_arn,omitempty"`
	RegionalCertificateARN string                   `json:"regional_certificate_arn,omitempty"`
	SecurityPolicy         string                   `json:"security_policy"`
	EndpointConfiguration  EndpointConfiguration    `json:"endpoint_configuration"`
	MutualTLS              *MutualTLSAuthentication `json:"mutual_tls_authentication,omitempty"`
	Tags                   map[string]string        `json:"tags"`
	// Set by the server.
	DomainNameID       string    `json:"domain_name_id"`
	ARN                string    `json:"arn"`
	RegionalDomainName string    `json:"regional_domain_name"`
	DistributionDomain string    `json:"distribution_domain_name"`
	CreatedDate        time.Time `json:"created_date"`
	Version            int64     `json:"version"`
}

// CertificateARNInUse is the certificate the domain serves.
func (d *DomainName) CertificateARNInUse() string {
	if d.RegionalCertificateARN != "" {
		return d.RegionalCertificateARN
	}
	return d.CertificateARN
}

// Normalize fills defaults.
func (d *DomainName) Normalize() {
	d.DomainName = strings.ToLower(d.DomainName)
	if d.SecurityPolicy == "" {
		d.SecurityPolicy = SecurityPolicyTLS12
	}
	if len(d.EndpointConfiguration.Types) == 0 {
		d.EndpointConfiguration.Types = []string{EndpointRegional}
	}
	d.Tags = emptyIfNil(d.Tags)
	if d.MutualTLS != nil && d.MutualTLS.TruststoreURI == "" && d.MutualTLS.TruststoreVersion == "" {
		d.MutualTLS = nil
	}
}

// Validate checks the fields a client sets; that the certificate exists and covers the name, and
// that the truststore can be read, is checked by the control plane.
func (d *DomainName) Validate() error {
	if !DomainNamePattern.MatchString(d.DomainName) || strings.HasPrefix(d.DomainName, "*.") {
		return fieldErr("domain_name", "must be a DNS name such as api.example.com, got %q", d.DomainName)
	}
	if d.CertificateARNInUse() == "" {
		return fieldErr("regional_certificate_arn", "or certificate_arn must name a gatewayd_certificate")
	}
	if err := oneOf("security_policy", d.SecurityPolicy, []string{SecurityPolicyTLS10, SecurityPolicyTLS12}); err != nil {
		return err
	}
	if len(d.EndpointConfiguration.Types) != 1 {
		return fieldErr("endpoint_configuration.types", "must hold exactly one type, got %d", len(d.EndpointConfiguration.Types))
	}
	if err := oneOf("endpoint_configuration.types", d.EndpointConfiguration.Types[0], []string{EndpointRegional, EndpointEdge, EndpointPrivate}); err != nil {
		return err
	}
	if m := d.MutualTLS; m != nil && m.TruststoreURI == "" {
		return fieldErr("mutual_tls_authentication.truststore_uri", "is required: file:///path/to/bundle.pem or the PEM text of the CA certificates")
	}
	return validateTags("tags", d.Tags)
}

// BasePathMapping routes the requests of a domain under a base path to a stage of an API.
type BasePathMapping struct {
	DomainName string `json:"domain_name"`
	// BasePath is "" (stored as NoBasePath) for the mapping that serves every path no other matches.
	BasePath  string `json:"base_path"`
	RestAPIID string `json:"rest_api_id"`
	// Stage may be empty: then the first segment after the base path names the stage.
	Stage   string `json:"stage"`
	Version int64  `json:"version"`
}

// Normalize fills defaults.
func (m *BasePathMapping) Normalize() {
	m.DomainName = strings.ToLower(m.DomainName)
	m.BasePath = strings.Trim(m.BasePath, "/")
	if m.BasePath == NoBasePath {
		m.BasePath = ""
	}
}

// Validate checks the fields a client sets.
func (m *BasePathMapping) Validate() error {
	if !DomainNamePattern.MatchString(m.DomainName) {
		return fieldErr("domain_name", "must be a domain name, got %q", m.DomainName)
	}
	if m.BasePath != "" && (!BasePathPattern.MatchString(m.BasePath) || len(m.BasePath) > 255) {
		return fieldErr("base_path", "must be path segments such as v1 or v1/orders (no empty, . or .. segment, at most 255 characters), got %q", m.BasePath)
	}
	for _, seg := range strings.Split(m.BasePath, "/") {
		if seg == "." || seg == ".." {
			return fieldErr("base_path", "must not hold a . or .. segment, got %q", m.BasePath)
		}
	}
	if m.RestAPIID == "" {
		return fieldErr("rest_api_id", "is required")
	}
	return nil
}

// Key is the mapping's base path as the admin API names it: NoBasePath for the empty one.
func (m *BasePathMapping) Key() string {
	if m.BasePath == "" {
		return NoBasePath
	}
	return m.BasePath
}

// CACertificate is the internal CA's root certificate, which clients trust.
type CACertificate struct {
	CertificatePEM string `json:"certificate_pem"`
}

// ServedDomain is a domain with what the data plane needs to serve it: its certificate and key, its
// truststore and its mappings. The control plane builds it; it never leaves the process.
type ServedDomain struct {
	Name           string
	SecurityPolicy string
	// CertificatePEM is the certificate followed by its chain; KeyPEM its private key. Empty when the
	// domain's certificate is missing: the domain then fails its handshakes.
	CertificatePEM, KeyPEM []byte
	// TruststorePEM, when not empty, requires client certificates signed by one of its certificates.
	TruststorePEM []byte
	// Problem says why the domain cannot be served (its certificate or truststore is missing).
	Problem  string
	Mappings []BasePathMapping
}

// DomainSnapshot is every domain the data plane serves, and the ACME challenges it answers.
type DomainSnapshot struct {
	Domains    []ServedDomain
	Challenges []ACMEChallenge
}

// ACME challenge types gatewayd answers.
const (
	ChallengeTLSALPN01 = "tls-alpn-01"
	ChallengeHTTP01    = "http-01"
)

// ACMEChallenge is a challenge an ACME CA is validating: every node's data plane answers it (the
// key authorization is all it needs), so that the CA may reach any node.
type ACMEChallenge struct {
	// Domain is the name validated; Type is ChallengeTLSALPN01 or ChallengeHTTP01.
	Domain string `json:"domain"`
	Type   string `json:"type"`
	// Token is the http-01 path's last segment; KeyAuth the key authorization (token.thumbprint).
	Token   string `json:"token"`
	KeyAuth string `json:"key_auth"`
}
