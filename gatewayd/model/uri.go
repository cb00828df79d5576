package model

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// IntegrationURI is an integration's backend URL, parsed once. Path and query keep their escapes;
// Pieces alternate literal path text and placeholder names ({id}, {proxy+} as "id", "proxy"),
// starting and ending with literal text.
type IntegrationURI struct {
	// Scheme is "http" or "https".
	Scheme string
	// Host is the authority as written: the Host header the backend receives.
	Host string
	// Addr is host:port to dial, with the scheme's default port when the URI names none.
	Addr   string
	Pieces []string
	// Query is the URI's own query string, without "?".
	Query string
	// AWS is set for an arn:aws:apigateway URI, which names a service API rather than a host: Scheme,
	// Host and Addr are then empty (the caller resolves the service's endpoint), Pieces is the path/
	// form's path (or "/"), and Query the action/ form's parameters.
	AWS *AWSTarget
}

// ParseIntegrationURI parses an integration URI whose stage variables are resolved already. It is the
// one definition of a valid URI: the admin API (ValidateIntegrationURI), the provider and the data
// plane's compiler all use it, so that a URI the admin API accepts always compiles.
//
// The URI must be absolute http or https with a host (a name or an IP literal) and an optional port,
// without credentials (user:pass@) or a fragment; the path may hold {name} and {name+} placeholders,
// which the method's path parameters or request parameters fill per request, and nothing else needs
// escaping that is not escaped. An arn:aws:apigateway URI is parsed by its own rule (see AWSTarget).
func ParseIntegrationURI(s string) (*IntegrationURI, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return nil, errors.New("must not hold spaces or control characters")
		}
	}
	if IsAWSURI(s) {
		return parseAWSURI(s)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, errors.New("must be an absolute http:// or https:// URL, or an arn:aws:apigateway ARN")
	}
	if strings.Contains(rest, "#") {
		return nil, errors.New("must not have a fragment (#...)")
	}
	authority, target := rest, "/"
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, target = rest[:i], rest[i:]
		if target[0] == '?' {
			target = "/" + target
		}
	}
	u := &IntegrationURI{Scheme: scheme, Host: authority}
	if err := u.parseAuthority(authority); err != nil {
		return nil, err
	}
	path, query, _ := strings.Cut(target, "?")
	u.Query = query
	var err error
	if _, err = url.ParseQuery(query); err != nil {
		return nil, fmt.Errorf("has an invalid query string: %w", err)
	}
	if u.Pieces, err = pathPieces(path); err != nil {
		return nil, err
	}
	return u, nil
}

// pathPieces splits an escaped path into literal text and {placeholder} names, alternately.
func pathPieces(path string) ([]string, error) {
	var pieces []string
	for {
		i := strings.IndexAny(path, "{}")
		if i < 0 {
			break
		}
		if path[i] == '}' {
			return nil, errors.New(`has a "}" without its "{"`)
		}
		j := strings.IndexAny(path[i+1:], "{}")
		if j < 0 || path[i+1+j] != '}' {
			return nil, fmt.Errorf("has an unclosed placeholder %q", path[i:])
		}
		name := path[i+1 : i+1+j]
		if !PathPartPattern.MatchString("{" + name + "}") {
			return nil, fmt.Errorf("placeholder {%s} must be {name} or {name+} of letters, digits, '.', '_' and '-'", name)
		}
		pieces = append(pieces, path[:i], strings.TrimSuffix(name, "+"))
		path = path[i+1+j+1:]
	}
	pieces = append(pieces, path)
	literal := strings.Join(pieces, "")
	if _, err := url.ParseRequestURI(literal); err != nil {
		return nil, fmt.Errorf("has an invalid path %q", literal)
	}
	return pieces, nil
}

func (u *IntegrationURI) parseAuthority(authority string) error {
	if authority == "" {
		return errors.New("must name a host")
	}
	if strings.Contains(authority, "@") {
		return errors.New("must not hold credentials (user:password@); set an Authorization header with request_parameters instead")
	}
	host, port := authority, ""
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return fmt.Errorf("has an invalid host %q", authority)
		}
		host, port = authority[1:end], strings.TrimPrefix(authority[end+1:], ":")
		if authority[end+1:] != "" && !strings.HasPrefix(authority[end+1:], ":") || net.ParseIP(host) == nil {
			return fmt.Errorf("has an invalid host %q", authority)
		}
	} else if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		host, port = authority[:i], authority[i+1:]
		if host == "" {
			return fmt.Errorf("has an invalid host %q", authority)
		}
	}
	if !strings.HasPrefix(authority, "[") && !validHostname(host) {
		return fmt.Errorf("has an invalid host %q", host)
	}
	if port == "" && strings.HasSuffix(authority, ":") {
		return fmt.Errorf("has an empty port in %q", authority)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '+' || port[0] == '-' {
			return fmt.Errorf("has an invalid port %q", port)
		}
	}
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	u.Addr = net.JoinHostPort(host, port)
	return nil
}

// validHostname accepts a DNS name or an IPv4 address: labels of letters, digits, '-' and '_'
// (which real internal names use), separated by dots.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ResolveStageVariables replaces each ${stageVariables.name} in s with the variable's value ("" when
// the stage has none).
func ResolveStageVariables(s string, vars map[string]string) string {
	if !strings.Contains(s, "${stageVariables.") {
		return s
	}
	return stageVarRefRE.ReplaceAllStringFunc(s, func(m string) string {
		return vars[stageVarRefRE.FindStringSubmatch(m)[1]]
	})
}

// ValidateIntegrationURI checks an integration URI as written, before any stage resolves its
// ${stageVariables.name} references: each must name a valid variable, and the URI must parse with
// every reference standing for a plain value ("1", which fits a host, a port, a path and a query), or,
// when the URI starts with one, with that first reference standing for a whole base URL ("http://1"). Which values a stage gives is only known per
// stage: a stage whose values make the URI invalid shows the method as misconfigured (DEGRADED).
func ValidateIntegrationURI(raw string) error {
	_, err := probeIntegrationURI(raw)
	return err
}

// probeIntegrationURI is ValidateIntegrationURI, returning the URI parsed with its probe values.
func probeIntegrationURI(raw string) (*IntegrationURI, error) {
	refs := stageVarRefRE.FindAllStringSubmatchIndex(raw, -1)
	for _, m := range refs {
		if name := raw[m[2]:m[3]]; !StageVariableNamePattern.MatchString(name) {
			return nil, fmt.Errorf("stage variable reference %q must name a variable of 1 to 64 letters, digits and underscores", raw[m[0]:m[1]])
		}
	}
	if strings.Contains(stageVarRefRE.ReplaceAllString(raw, ""), "${") {
		return nil, errors.New(`has a "${" that is not a ${stageVariables.name} reference`)
	}
	probe := raw
	if len(refs) > 0 && refs[0][0] == 0 {
		probe = "http://1" + raw[refs[0][1]:]
	}
	probe = stageVarRefRE.ReplaceAllString(probe, "1")
	return ParseIntegrationURI(probe)
}
