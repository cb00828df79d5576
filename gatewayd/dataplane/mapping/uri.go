package mapping

import (
	"fmt"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

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
	// AWS is set for an arn:aws:apigateway URI: Scheme, Addr and Host stay empty until OnEndpoint
	// gives the service's endpoint.
	AWS *model.AWSTarget
}

// CompileURI resolves ${stageVariables.x} in raw and parses the result with model.ParseIntegrationURI,
// the rule the admin API validates with.
func CompileURI(raw string, stageVars map[string]string) (*URI, error) {
	s := model.ResolveStageVariables(raw, stageVars)
	p, err := model.ParseIntegrationURI(s)
	if err != nil {
		return nil, fmt.Errorf("integration uri %q: %w", s, err)
	}
	return &URI{Scheme: p.Scheme, Addr: p.Addr, Host: p.Host, pieces: p.Pieces, Query: p.Query, AWS: p.AWS}, nil
}

// TakeQuery returns the URI's own query and removes it from the targets it builds.
func (u *URI) TakeQuery() string {
	q := u.Query
	u.Query = ""
	return q
}

// OnEndpoint sets where an arn:aws:apigateway URI is sent: the service endpoint's scheme, address and
// Host, its path (without a trailing slash) prefixed to the URI's own.
func (u *URI) OnEndpoint(scheme, addr, host, basePath string) {
	u.Scheme, u.Addr, u.Host = scheme, addr, host
	if basePath = strings.TrimSuffix(basePath, "/"); basePath != "" {
		u.pieces = append([]string{basePath + u.pieces[0]}, u.pieces[1:]...)
	}
}

// Target builds the request target, path and query, for one request. param returns the escaped value of
// a placeholder; a missing one is an error. extraQuery, already encoded, is appended to the URI's query.
func (u *URI) Target(param func(name string) (string, bool), extraQuery string) (string, error) {
	// The values first, to size the target: it is then built in one allocation.
	var buf [4]string
	values := buf[:0]
	n := len(u.Query) + len(extraQuery) + 2
	for i, p := range u.pieces {
		if i%2 == 0 {
			n += len(p)
			continue
		}
		v, ok := param(p)
		if !ok {
			return "", fmt.Errorf("integration uri: no value for path parameter {%s}", p)
		}
		values = append(values, v)
		n += len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range u.pieces {
		if i%2 == 0 {
			b.WriteString(p)
		} else {
			b.WriteString(values[i/2])
		}
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
