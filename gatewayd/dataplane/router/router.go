// Package router matches a request's verb and path against a stage's resource tree.
//
// A Table is a trie of path segments built once per deployment: literal children sit in a map, and each
// node has at most one {param} child and one {proxy+} greedy child. Lookup walks one node per path
// segment, so its cost depends on the depth of the path, not on the number of routes. At each node a
// literal segment is tried before {param}, and {param} before {proxy+}; at the node reached, an explicit
// verb wins over ANY. A branch that does not lead to a method for the verb is left for the next one.
package router

import (
	"fmt"
	"net/url"
	"strings"
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
	literal    map[string]*node[T]
	param      *node[T]
	paramName  string
	greedy     *node[T]
	greedyName string
	methods    [len(verbs)]*Route[T]
}

// Table is a compiled routing table. Add all routes before the first Lookup; a Table is read-only
// afterwards and safe for concurrent lookups.
type Table[T any] struct {
	root  node[T]
	count int
}

// New returns an empty table.
func New[T any]() *Table[T] { return &Table[T]{} }

// Len returns the number of routes.
func (t *Table[T]) Len() int { return t.count }

// Add declares verb on the resource path template, such as /pets/{id}/{proxy+}.
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
		switch {
		case part == "":
			return fmt.Errorf("adding %s %s: empty path segment", verb, path)
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "+}"):
			name := part[1 : len(part)-2]
			if i != len(parts)-1 {
				return fmt.Errorf("adding %s %s: greedy parameter %s must be the last segment", verb, path, part)
			}
			if n.greedy == nil {
				n.greedy, n.greedyName = &node[T]{}, name
			} else if n.greedyName != name {
				return fmt.Errorf("adding %s %s: greedy parameter {%s+} conflicts with {%s+} at the same level", verb, path, name, n.greedyName)
			}
			n = n.greedy
			names = append(names, name)
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
			name := part[1 : len(part)-1]
			if n.param == nil {
				n.param, n.paramName = &node[T]{}, name
			} else if n.paramName != name {
				return fmt.Errorf("adding %s %s: parameter {%s} conflicts with {%s} at the same level", verb, path, name, n.paramName)
			}
			n = n.param
			names = append(names, name)
		default:
			if n.literal == nil {
				n.literal = map[string]*node[T]{}
			}
			c := n.literal[part]
			if c == nil {
				c = &node[T]{}
				n.literal[part] = c
			}
			n = c
		}
	}
	if n.methods[vi] != nil {
		return fmt.Errorf("adding %s %s: route already declared", verb, path)
	}
	n.methods[vi] = &Route[T]{Verb: verb, Path: path, ParamNames: names, Value: v}
	t.count++
	return nil
}

// Lookup finds the route for verb and the escaped path (starting with "/"). It appends the captured
// parameter values, still escaped, to vals and returns the extended slice; a caller that passes a slice
// with enough capacity makes Lookup allocation-free. A nil route means no match.
func (t *Table[T]) Lookup(verb, path string, vals []string) (*Route[T], []string) {
	vi := verbIndex(verb)
	if vi < 0 {
		vi = 0 // verbs without a slot of their own can only match ANY
	}
	return t.root.match(vi, strings.TrimPrefix(path, "/"), vals)
}

func (n *node[T]) route(vi int) *Route[T] {
	if r := n.methods[vi]; r != nil {
		return r
	}
	return n.methods[0]
}

func (n *node[T]) match(vi int, rest string, vals []string) (*Route[T], []string) {
	if rest == "" {
		return n.route(vi), vals
	}
	seg, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i+1:]
	}
	if n.literal != nil {
		key := seg
		if strings.IndexByte(seg, '%') >= 0 {
			if u, err := url.PathUnescape(seg); err == nil {
				key = u
			}
		}
		if c := n.literal[key]; c != nil {
			if r, v := c.match(vi, tail, vals); r != nil {
				return r, v
			}
		}
	}
	if n.param != nil && seg != "" {
		if r, v := n.param.match(vi, tail, append(vals, seg)); r != nil {
			return r, v
		}
	}
	if n.greedy != nil {
		if r := n.greedy.route(vi); r != nil {
			return r, append(vals, rest)
		}
	}
	return nil, vals
}
