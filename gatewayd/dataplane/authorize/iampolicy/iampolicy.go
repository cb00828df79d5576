// Package iampolicy evaluates IAM policy documents as API Gateway does for execute-api:Invoke: the
// policies Lambda authorizers return, the identity policies of gatewayd's IAM users and the resource
// policies of REST APIs.
//
// A document is parsed once (Parse) into a Policy and then evaluated per request without allocating.
// Evaluation follows IAM: a matching Deny statement wins, then a matching Allow; nothing matching is an
// implicit deny (NoMatch). Supported: Effect, Action/NotAction, Resource/NotResource, Principal/
// NotPrincipal ("*" or IAM ARNs, resource policies only) and Condition with the operators IpAddress,
// NotIpAddress (aws:SourceIp, CIDRs), StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike and StringNotLike (aws:Referer, aws:UserAgent, aws:PrincipalArn,
// aws:username), each with an optional ...IfExists suffix. Anything else is refused when parsed, never
// ignored: a condition that could not be checked must not silently allow.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Effect is the outcome of an evaluation.
type Effect int

const (
	// NoMatch: no statement applies (an implicit deny).
	NoMatch Effect = iota
	// Allow: an Allow statement applies and no Deny does.
	Allow
	// Deny: a Deny statement applies (an explicit deny).
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "NoMatch"
}

// Kind says what a document is, which decides what it may hold.
type Kind int

const (
	// Identity is a user's policy: no Principal.
	Identity Kind = iota
	// Resource is a REST API's resource policy: every statement names a Principal.
	Resource
	// AuthorizerOutput is the policyDocument a Lambda authorizer returns: no Principal; Effect is
	// read case-insensitively, as API Gateway does.
	AuthorizerOutput
)

// Options tell Parse how to read a document.
type Options struct {
	Kind Kind
	// Region and APIID expand resource policies' short form "execute-api:/STAGE/VERB/PATH" into
	// arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/VERB/PATH.
	Region, APIID, AccountID string
}

// Request is what a policy is evaluated against.
type Request struct {
	// Action is the action, execute-api:Invoke.
	Action string
	// Resource is the method ARN.
	Resource string
	// Principal is the caller's ARN; empty for an anonymous caller.
	Principal string
	// Username is the caller's IAM user name (aws:username), if any.
	Username string
	// SourceIP is the client's address.
	SourceIP netip.Addr
	// Referer and UserAgent are the request's headers.
	Referer, UserAgent string
}

// Policy is a parsed document. It is immutable and safe for concurrent use.
type Policy struct {
	statements []statement
}

type statement struct {
	deny bool
	// notAction, notResource and notPrincipal invert their lists.
	actions, resources         []string
	notAction, notResource     bool
	principals                 []string // nil: no Principal element
	notPrincipal, anyPrincipal bool
	conditions                 []condition
}

// Statements returns how many statements the policy has.
func (p *Policy) Statements() int { return len(p.statements) }

// Evaluate returns the policy's decision for r.
func (p *Policy) Evaluate(r *Request) Effect {
	if p == nil {
		return NoMatch
	}
	allowed := false
	for i := range p.statements {
		st := &p.statements[i]
		if !st.matches(r) {
			continue
		}
		if st.deny {
			return Deny
		}
		allowed = true
	}
	if allowed {
		return Allow
	}
	return NoMatch
}

func (st *statement) matches(r *Request) bool {
	if anyMatch(st.actions, r.Action, true) == st.notAction {
		return false
	}
	if anyMatch(st.resources, r.Resource, false) == st.notResource {
		return false
	}
	if st.principals != nil || st.anyPrincipal {
		in := st.anyPrincipal || (r.Principal != "" && anyMatch(st.principals, r.Principal, false))
		if in == st.notPrincipal {
			return false
		}
	}
	for i := range st.conditions {
		if !st.conditions[i].holds(r) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		if Match(p, v, fold) {
			return true
		}
	}
	return false
}

// Match reports whether v matches an IAM pattern, where * stands for any run of characters and ? for
// one. It runs in O(len(pattern)·len(v)) at worst, whatever the pattern. fold compares ASCII letters
// case-insensitively (actions are case-insensitive in IAM; resources are not).
func Match(pattern, v string, fold bool) bool {
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(v) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case p < len(pattern) && (pattern[p] == '?' || sameByte(pattern[p], v[s], fold)):
			p++
			s++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func sameByte(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// condition is one operator applied to one key with its values.
type condition struct {
	op       string
	key      string // lower case
	ifExists bool
	negate   bool
	values   []string
	prefixes []netip.Prefix
}

func (c *condition) holds(r *Request) bool {
	if c.key == "aws:sourceip" {
		if !r.SourceIP.IsValid() {
			return c.ifExists
		}
		in := false
		addr := r.SourceIP.Unmap()
		for _, p := range c.prefixes {
			if p.Contains(addr) {
				in = true
				break
			}
		}
		return in != c.negate
	}
	v, present := "", false
	switch c.key {
	case "aws:referer":
		v, present = r.Referer, r.Referer != ""
	case "aws:useragent":
		v, present = r.UserAgent, r.UserAgent != ""
	case "aws:principalarn":
		v, present = r.Principal, r.Principal != ""
	case "aws:username":
		v, present = r.Username, r.Username != ""
	}
	if !present {
		// IAM: a negated operator holds on an absent key, a positive one does not, unless IfExists.
		return c.ifExists || c.negate
	}
	match := false
	for _, want := range c.values {
		switch c.op {
		case "stringequals", "stringnotequals":
			match = v == want
		case "stringequalsignorecase", "stringnotequalsignorecase":
			match = strings.EqualFold(v, want)
		case "stringlike", "stringnotlike":
			match = Match(want, v, false)
		}
		if match {
			break
		}
	}
	return match != c.negate
}

// document is the JSON shape of a policy.
type document struct {
	Version   string          `json:"Version"`
	ID        string          `json:"Id"`
	Statement json.RawMessage `json:"Statement"`
}

type rawStatement struct {
	Sid          string                     `json:"Sid"`
	Effect       string                     `json:"Effect"`
	Action       json.RawMessage            `json:"Action"`
	NotAction    json.RawMessage            `json:"NotAction"`
	Resource     json.RawMessage            `json:"Resource"`
	NotResource  json.RawMessage            `json:"NotResource"`
	Principal    json.RawMessage            `json:"Principal"`
	NotPrincipal json.RawMessage            `json:"NotPrincipal"`
	Condition    map[string]json.RawMessage `json:"Condition"`
}

// MaxStatements bounds a document.
const MaxStatements = 100

// Parse reads a policy document. Its errors name what is wrong, for the admin API to return.
func Parse(doc []byte, opts Options) (*Policy, error) {
	var d document
	if err := strictUnmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("policy is not a valid IAM policy document: %v", err)
	}
	switch d.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		return nil, fmt.Errorf("policy Version must be 2012-10-17, got %q", d.Version)
	}
	raws, err := oneOrMany[rawStatement](d.Statement)
	if err != nil {
		return nil, fmt.Errorf("policy Statement must be a statement or a list of statements: %v", err)
	}
	if len(raws) == 0 {
		return nil, errors.New("policy must have at least one Statement")
	}
	if len(raws) > MaxStatements {
		return nil, fmt.Errorf("policy must have at most %d statements, got %d", MaxStatements, len(raws))
	}
	p := &Policy{statements: make([]statement, 0, len(raws))}
	for i, rs := range raws {
		st, err := parseStatement(rs, opts)
		if err != nil {
			return nil, fmt.Errorf("policy Statement[%d]: %v", i, err)
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func parseStatement(rs rawStatement, opts Options) (statement, error) {
	var st statement
	effect := rs.Effect
	if opts.Kind == AuthorizerOutput {
		effect = strings.ToUpper(effect[:min(1, len(effect))]) + strings.ToLower(effect[min(1, len(effect)):])
	}
	switch effect {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		return st, fmt.Errorf(`Effect must be "Allow" or "Deny", got %q`, rs.Effect)
	}
	var err error
	if st.actions, st.notAction, err = either(rs.Action, rs.NotAction, "Action"); err != nil {
		return st, err
	}
	if st.resources, st.notResource, err = either(rs.Resource, rs.NotResource, "Resource"); err != nil {
		return st, err
	}
	for i, r := range st.resources {
		if strings.HasPrefix(r, "execute-api:/") {
			if opts.Kind != Resource {
				return st, fmt.Errorf("Resource %q: the execute-api:/ short form is only valid in a resource policy", r)
			}
			st.resources[i] = "arn:aws:execute-api:" + opts.Region + ":" + opts.AccountID + ":" + opts.APIID + strings.TrimPrefix(r, "execute-api:")
		}
	}
	if err := st.parsePrincipal(rs, opts); err != nil {
		return st, err
	}
	for op, body := range rs.Condition {
		cs, err := parseCondition(op, body)
		if err != nil {
			return st, err
		}
		st.conditions = append(st.conditions, cs...)
	}
	return st, nil
}

func (st *statement) parsePrincipal(rs rawStatement, opts Options) error {
	raw, name := rs.Principal, "Principal"
	if len(rs.NotPrincipal) > 0 {
		if len(rs.Principal) > 0 {
			return errors.New("must not have both Principal and NotPrincipal")
		}
		raw, name, st.notPrincipal = rs.NotPrincipal, "NotPrincipal", true
	}
	if opts.Kind != Resource {
		if len(raw) > 0 {
			return fmt.Errorf("%s is only valid in a resource policy", name)
		}
		return nil
	}
	if len(raw) == 0 {
		return errors.New("a resource policy statement must name a Principal (\"*\" or {\"AWS\": [IAM ARNs]})")
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return fmt.Errorf(`%s must be "*" or {"AWS": ...}, got %q`, name, star)
		}
		st.anyPrincipal = true
		return nil
	}
	var m map[string]json.RawMessage
	if err := strictUnmarshal(raw, &m); err != nil {
		return fmt.Errorf(`%s must be "*" or {"AWS": ...}: %v`, name, err)
	}
	for k, v := range m {
		if k != "AWS" {
			return fmt.Errorf("%s %q is not supported: gatewayd knows only its own IAM users (\"AWS\")", name, k)
		}
		arns, err := oneOrMany[string](v)
		if err != nil {
			return fmt.Errorf("%s AWS must be an ARN or a list of ARNs: %v", name, err)
		}
		for _, a := range arns {
			switch {
			case a == "*":
				st.anyPrincipal = true
			case strings.HasPrefix(a, "arn:aws:iam::"):
				st.principals = append(st.principals, a)
			case isAccountID(a):
				// An account id stands for every identity of the account.
				st.principals = append(st.principals, "arn:aws:iam::"+a+":*")
			default:
				return fmt.Errorf("%s AWS entry %q must be \"*\", an account id or an IAM ARN (arn:aws:iam::ACCOUNT:user/NAME)", name, a)
			}
		}
	}
	if st.principals == nil && !st.anyPrincipal {
		return fmt.Errorf("%s names nobody", name)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var stringOps = map[string]bool{
	"stringequals": false, "stringnotequals": true, "stringequalsignorecase": false,
	"stringnotequalsignorecase": true, "stringlike": false, "stringnotlike": true,
}

var stringKeys = map[string]bool{"aws:referer": true, "aws:useragent": true, "aws:principalarn": true, "aws:username": true}

func parseCondition(op string, body json.RawMessage) ([]condition, error) {
	lop := strings.ToLower(op)
	ifExists := strings.HasSuffix(lop, "ifexists")
	base := strings.TrimSuffix(lop, "ifexists")
	var keys map[string]json.RawMessage
	if err := strictUnmarshal(body, &keys); err != nil {
		return nil, fmt.Errorf("Condition %s must map condition keys to values: %v", op, err)
	}
	var out []condition
	for key, raw := range keys {
		lkey := strings.ToLower(key)
		values, err := oneOrMany[string](raw)
		if err != nil || len(values) == 0 {
			return nil, fmt.Errorf("Condition %s %s must be a string or a list of strings", op, key)
		}
		c := condition{op: base, key: lkey, ifExists: ifExists}
		switch {
		case base == "ipaddress" || base == "notipaddress":
			if lkey != "aws:sourceip" {
				return nil, fmt.Errorf("Condition %s applies to aws:SourceIp only, got %s", op, key)
			}
			c.negate = base == "notipaddress"
			for _, v := range values {
				pfx, err := parseCIDR(v)
				if err != nil {
					return nil, fmt.Errorf("Condition %s aws:SourceIp value %q is not an IP address or CIDR block", op, v)
				}
				c.prefixes = append(c.prefixes, pfx)
			}
		case stringOps[base] || base == "stringequals" || base == "stringequalsignorecase" || base == "stringlike":
			if !stringKeys[lkey] {
				return nil, fmt.Errorf("Condition key %s is not supported with %s (gatewayd checks aws:Referer, aws:UserAgent, aws:PrincipalArn and aws:username)", key, op)
			}
			c.negate = stringOps[base]
			c.values = values
		default:
			return nil, fmt.Errorf("Condition operator %s is not supported (gatewayd checks IpAddress, NotIpAddress, StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike and their IfExists forms)", op)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCIDR(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return p, err
		}
		return netip.PrefixFrom(p.Addr().Unmap(), min(p.Bits(), p.Addr().Unmap().BitLen())).Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// either reads a list from exactly one of a field and its Not form.
func either(list, notList json.RawMessage, name string) ([]string, bool, error) {
	switch {
	case len(list) > 0 && len(notList) > 0:
		return nil, false, fmt.Errorf("must not have both %s and Not%s", name, name)
	case len(list) > 0:
		v, err := oneOrMany[string](list)
		if err != nil || len(v) == 0 {
			return nil, false, fmt.Errorf("%s must be a string or a non-empty list of strings", name)
		}
		return v, false, nil
	case len(notList) > 0:
		v, err := oneOrMany[string](notList)
		if err != nil || len(v) == 0 {
			return nil, false, fmt.Errorf("Not%s must be a string or a non-empty list of strings", name)
		}
		return v, true, nil
	}
	return nil, false, fmt.Errorf("must have %s (or Not%s)", name, name)
}

// oneOrMany decodes a value or a list of values.
func oneOrMany[T any](raw json.RawMessage) ([]T, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	if raw[0] == '[' {
		var out []T
		if err := strictUnmarshal(raw, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	var one T
	if err := strictUnmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
