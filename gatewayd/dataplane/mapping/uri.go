package mapping

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

var stageVarRef = regexp.MustCompile(`\$\{stageVariables\.([^}]*)\}`)

// URI is a compiled integration URI: stage variables resolved, {name} placeholders left for each request.
type URI struct {
	Scheme string
	// Addr is host:port to dial.
	Addr string
	// Host is the Host header: the authority as written.
	Host string
	// pieces alternate literal text and placeholder names, starting with literal text.
	pieces []string
	// Query is the URI's own query string, without "?".
	Query string
}

// CompileURI resolves ${stageVariables.x} in raw and parses the result.
func CompileURI(raw string, stageVars map[string]string) (*URI, error) {
	s := stageVarRef.ReplaceAllStringFunc(raw, func(m string) string {
		return stageVars[stageVarRef.FindStringSubmatch(m)[1]]
	})
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, fmt.Errorf("integration uri %q: must be an absolute http or https URL", s)
	}
	authority, target := rest, "/"
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, target = rest[:i], rest[i:]
		if target[0] == '?' {
			target = "/" + target
		}
	}
	if authority == "" || strings.ContainsAny(authority, "{}@ ") {
		return nil, fmt.Errorf("integration uri %q: invalid host %q", s, authority)
	}
	u := &URI{Scheme: scheme, Host: authority, Addr: authority}
	if _, _, err := net.SplitHostPort(authority); err != nil {
		port := "80"
		if scheme == "https" {
			port = "443"
		}
		u.Addr = net.JoinHostPort(strings.Trim(authority, "[]"), port)
	}
	path, query, _ := strings.Cut(target, "?")
	u.Query = query
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("integration uri %q: unclosed placeholder", s)
		}
		name := strings.TrimSuffix(path[i+1:i+j], "+")
		u.pieces = append(u.pieces, path[:i], name)
		path = path[i+j+1:]
	}
	u.pieces = append(u.pieces, path)
	if _, err := url.ParseRequestURI(strings.Join(u.pieces, "")); err != nil {
		return nil, fmt.Errorf("integration uri %q: %w", s, err)
	}
	return u, nil
}

// Target builds the request target, path and query, for one request. param returns the escaped value of
// a placeholder; a missing one is an error. extraQuery, already encoded, is appended to the URI's query.
func (u *URI) Target(param func(name string) (string, bool), extraQuery string) (string, error) {
	var b strings.Builder
	for i, p := range u.pieces {
		if i%2 == 0 {
			b.WriteString(p)
			continue
		}
		v, ok := param(p)
		if !ok {
			return "", fmt.Errorf("integration uri: no value for path parameter {%s}", p)
		}
		b.WriteString(v)
	}
	if u.Query != "" || extraQuery != "" {
		b.WriteByte('?')
		b.WriteString(u.Query)
		if u.Query != "" && extraQuery != "" {
			b.WriteByte('&')
		}
		b.WriteString(extraQuery)
	}
	return b.String(), nil
}
