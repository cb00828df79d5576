package model

import (
	"regexp"
	"time"
)

// gatewayd keeps identities of its own for AWS_IAM methods, as self-hosted S3-compatible stores do:
// IAM users, their access keys (whose secrets sign requests with SigV4) and their inline policies.

// Access key statuses.
const (
	AccessKeyActive   = "Active"
	AccessKeyInactive = "Inactive"
)

var (
	// IAMNamePattern matches an IAM user or policy name (IAM's characters).
	IAMNamePattern = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	// IAMPathPattern matches an IAM path: "/" or "/division/team/".
	IAMPathPattern = regexp.MustCompile(`^/([\x21-\x7e]{0,510}/)?$`)
)

// IAMUserARN is the ARN of a gatewayd IAM user: arn:aws:iam::000000000000:user{PATH}{NAME}.
func IAMUserARN(path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + AccountID + ":user" + path + name
}

// IAMUser is an identity that signs requests with its access keys.
type IAMUser struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// ARN and UniqueID are set by the server; UniqueID (AIDA...) is $context.identity.user.
	ARN         string            `json:"arn"`
	UniqueID    string            `json:"unique_id"`
	Tags        map[string]string `json:"tags"`
	CreatedDate time.Time         `json:"created_date"`
	Version     int64             `json:"version"`
}

// Normalize fills defaults.
func (u *IAMUser) Normalize() {
	if u.Path == "" {
		u.Path = "/"
	}
	u.Tags = emptyIfNil(u.Tags)
}

// Validate checks the fields a client sets.
func (u *IAMUser) Validate() error {
	if !IAMNamePattern.MatchString(u.Name) {
		return fieldErr("name", "must be 1 to 64 letters, digits and +=,.@_-, got %q", u.Name)
	}
	if !IAMPathPattern.MatchString(u.Path) {
		return fieldErr("path", "must be / or start and end with / (such as /division/), got %q", u.Path)
	}
	return validateTags("tags", u.Tags)
}

// IAMAccessKey is an access key of a user. Its secret is returned only by the call that creates it;
// gatewayd keeps it encrypted with a key of its data directory, to verify signatures.
type IAMAccessKey struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
	// Status is Active (the default) or Inactive: an inactive key's signatures are refused.
	Status string `json:"status"`
	// Secret is set only in the answer to the create call.
	Secret      string    `json:"secret,omitempty"`
	CreatedDate time.Time `json:"created_date"`
	Version     int64     `json:"version"`
}

// Normalize fills defaults.
func (k *IAMAccessKey) Normalize() {
	if k.Status == "" {
		k.Status = AccessKeyActive
	}
}

// Validate checks the fields a client sets.
func (k *IAMAccessKey) Validate() error {
	if !IAMNamePattern.MatchString(k.UserName) {
		return fieldErr("user_name", "must name an IAM user, got %q", k.UserName)
	}
	if err := oneOf("status", k.Status, []string{AccessKeyActive, AccessKeyInactive}); err != nil {
		return err
	}
	return nil
}

// IAMUserPolicy is an inline identity policy of a user: IAM JSON on execute-api:Invoke.
type IAMUserPolicy struct {
	UserName string `json:"user_name"`
	Name     string `json:"name"`
	Policy   string `json:"policy"`
	Version  int64  `json:"version"`
}

// Validate checks the fields a client sets; whether the document is a policy gatewayd can evaluate
// is checked by the control plane.
func (p *IAMUserPolicy) Validate() error {
	if !IAMNamePattern.MatchString(p.UserName) {
		return fieldErr("user_name", "must name an IAM user, got %q", p.UserName)
	}
	if !IAMNamePattern.MatchString(p.Name) {
		return fieldErr("name", "must be 1 to 64 letters, digits and +=,.@_-, got %q", p.Name)
	}
	if p.Policy == "" {
		return fieldErr("policy", "must be an IAM policy document")
	}
	return checkText("policy", p.Policy, MaxPolicyLength, true)
}

// IAMCredential is an access key with its secret, for the data plane only.
type IAMCredential struct {
	AccessKeyID string
	Secret      string
	Active      bool
	UserName    string
	UserARN     string
	UniqueID    string
}

// IAMSnapshot is what the data plane needs to verify signed requests: the credentials and each user's
// policies (by user name). The control plane builds it in one read; it never leaves the process.
type IAMSnapshot struct {
	Credentials []IAMCredential
	Policies    map[string][]IAMUserPolicy
}
