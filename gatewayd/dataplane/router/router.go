// Package router matches a request's verb and path against a stage's resource tree.
//
// A Table is a trie of path segments built once per deployment: literal children sit in a map (a
// persistent one, so that a copy of the table shares it, cow.go), and each
// node has at most one {param} child and one {proxy+} greedy child, whatever their names (the names
// belong to each route, so two sibling parameters with different names share one node). Lookup walks
// one node per path segment, so its cost depends on the depth of the path, not on the number of routes.
//
// Lookup picks the resource first and the verb second, as API Gateway does: at each node a literal
// segment is tried before {param}, and {param} before {proxy+}, and the first node that matches the
// whole path and declares any method is the resource. A branch that reaches no resource is left for the
// next one; a resource that lacks the verb (and ANY) is no match at all. The request never falls through
// to a less specific sibling's method, so /secret GET with an API key beside /{proxy+} ANY without one
// cannot be reached as PUT /secret or HEAD /secret through the proxy.
//
// Lookup expects a path that Normalize accepted: it does not resolve dot segments or merge slashes.
package router

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/internal/pmap"
)

// Route is what a Table returns for a match.
type Route[T any] struct {
	// Verb is the declared verb, which is "ANY" for a catch-all method.
	Verb string
	// Path is the resource path template, such as /pets/{id}.
	Path string
	// ParamNames names the values Lookup captures, in path order.
	ParamNames []string
	Value      T
}

// Verbs in the order of a node's method slots; ANY is slot 0.
var verbs = [...]string{"ANY", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

func verbIndex(v string) int {
	switch v {
	case "ANY":
		return 0
	case "GET":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "DELETE":
		return 4
	case "PATCH":
		return 5
	case "HEAD":
		return 6
	case "OPTIONS":
		return 7
	}
	return -1
}

type node[T any] struct {
	literal pmap.Map[*node[T]]
	param   *node[T]
	greedy  *node[T]
	methods [len(verbs)]*Route[T]
	// routes counts the methods declared here; a node without any is not a resource to Lookup.
	routes int
}

// Table is a compiled routing table. Add all routes before the first Lookup; a Table is read-only
// afterwards and safe for concurrent lookups.
type Table[T any] struct {
	root  node[T]
	count int
	// owned, in a Clone, holds the nodes this table made or copied, which it may change; nil, every
	// node is its own (cow.go).
	owned map[*node[T]]bool
	// edit changes the literal maps: those of the nodes this table made or copied (cow.go).
	edit *pmap.Edit
}

// New returns an empty table.
func New[T any]() *Table[T] { return &Table[T]{} }

// Len returns the number of routes.
func (t *Table[T]) Len() int { return t.count }

// Segment kinds of a path template.
const (
	literalSeg = iota
	paramSeg
	greedySeg
)

// segment classifies one segment of a path template and returns its parameter name, if any.
func segment(part string) (kind int, name string) {
	switch {
	case len(part) >= 3 && part[0] == '{' && strings.HasSuffix(part, "+}"):
		return greedySeg, part[1 : len(part)-2]
	case len(part) > 2 && part[0] == '{' && part[len(part)-1] == '}':
		return paramSeg, part[1 : len(part)-1]
	}
	return literalSeg, ""
}

// Shape returns the path template with parameter names erased ({} and {+}): two templates with the same
// shape are the same resource to the router, so the same verb on both is a conflict.
func Shape(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch k, _ := segment(p); k {
		case paramSeg:
			parts[i] = "{}"
		case greedySeg:
			parts[i] = "{+}"
		}
	}
	return strings.Join(parts, "/")
}

// Add declares verb on the resource path template, such as /pets/{id}/{proxy+}. It refuses a verb
// declared already on a template of the same Shape.
func (t *Table[T]) Add(path, verb string, v T) error {
	vi := verbIndex(verb)
	if vi < 0 {
		return fmt.Errorf("adding %s %s: unsupported verb", verb, path)
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("adding %s %s: path must start with /", verb, path)
	}
	n := &t.root
	var names []string
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if path == "/" {
		parts = nil
	}
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("adding %s %s: empty path segment", verb, path)
		}
		switch kind, name := segment(part); kind {
		case greedySeg:
			if i != len(parts)-1 {
				return fmt.Errorf("adding %s %s: greedy parameter %s must be the last segment", verb, path, part)
			}
			if n.greedy == nil {
				n.greedy = t.newNode()
			}
			n.greedy = t.own(n.greedy)
			n = n.greedy
			names = append(names, name)
		case paramSeg:
			if n.param == nil {
				n.param = t.newNode()
			}
			n.param = t.own(n.param)
			n = n.param
			names = append(names, name)
		default:
			old, _ := n.literal.Get(part)
			c := old
			if c == nil {
				c = t.newNode()
			}
			if c = t.own(c); c != old {
				n.literal.Set(part, c, t.ed())
			}
			n = c
		}
	}
	if r := n.methods[vi]; r != nil {
		return fmt.Errorf("adding %s %s: %s %s is declared already", verb, path, r.Verb, r.Path)
	}
	n.methods[vi] = &Route[T]{Verb: verb, Path: path, ParamNames: names, Value: v}
	n.routes++
	t.count++
	return nil
}

// Lookup finds the route for verb and the escaped path (starting with "/"). It appends the captured
// parameter values, still escaped, to vals and returns the extended slice; a caller that passes a slice
// with enough capacity makes Lookup allocation-free. A nil route means no match: no resource matches
// the path, or the resource that matches declares neither the verb nor ANY.
func (t *Table[T]) Lookup(verb, path string, vals []string) (*Route[T], []string) {
	vi := verbIndex(verb)
	if vi < 0 {
		vi = 0 // verbs without a slot of their own can only match ANY
	}
	n, got := t.root.match(strings.TrimPrefix(path, "/"), vals)
	if n == nil {
		return nil, vals
	}
	if r := n.methods[vi]; r != nil {
		return r, got
	}
	if r := n.methods[0]; r != nil {
		return r, got
	}
	return nil, vals
}

// match returns the most specific resource that matches rest, with the captured values appended.
func (n *node[T]) match(rest string, vals []string) (*node[T], []string) {
	if rest == "" {
		if n.routes > 0 {
			return n, vals
		}
		return nil, vals
	}
	seg, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i+1:]
	}
	if n.literal.Len() > 0 {
		key := seg
		if strings.IndexByte(seg, '%') >= 0 {
			if u, err := url.PathUnescape(seg); err == nil {
				key = u
			}
		}
		if c, _ := n.literal.Get(key); c != nil {
			if r, v := c.match(tail, vals); r != nil {
				return r, v
			}
		}
	}
	if n.param != nil && seg != "" {
		if r, v := n.param.match(tail, append(vals, seg)); r != nil {
			return r, v
		}
	}
	if n.greedy != nil && n.greedy.routes > 0 {
		return n.greedy, append(vals, rest)
	}
	return nil, vals
}
