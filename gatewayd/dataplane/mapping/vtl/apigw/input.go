package apigw

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ohler55/ojg/jp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// input is $input. It parses the body at most once per evaluation, when $input.json or $input.path first
// needs it.
type input struct {
	in     *Input
	text   *string // the body as a string, made once
	parsed bool
	root   any
	err    error
	params *vtl.Map
}

// body is $input.body: API Gateway hands templates "{}" for an empty body.
func (i *input) body() string {
	if i.text == nil {
		s := "{}"
		if len(i.in.Body) > 0 {
			s = string(i.in.Body)
		}
		i.text = &s
	}
	return *i.text
}

func (i *input) Get(name string) (any, bool) {
	if name == "body" {
		return i.body(), true
	}
	return nil, false
}

func (i *input) Call(name string, args []any) (any, error) {
	switch name {
	case "params":
		switch len(args) {
		case 0:
			return i.allParams(), nil
		case 1:
			return i.param(vtl.String(args[0])), nil
		}
	case "json", "path":
		if len(args) != 1 {
			break
		}
		p, ok := args[0].(string)
		if !ok {
			return nil, vtl.ErrNoMethod
		}
		v, found, err := i.eval(p)
		if err != nil || !found {
			return nil, err
		}
		if name == "json" {
			return vtl.JSON(v), nil
		}
		return v, nil
	}
	return nil, vtl.ErrNoMethod
}

// allParams is $input.params(): a map of "path", "querystring" and "header" maps.
func (i *input) allParams() *vtl.Map {
	if i.params == nil {
		i.params = vtl.NewHashMap()
		i.params.Put("path", stringMap(i.in.Path, false))
		i.params.Put("querystring", stringMap(i.in.Query, false))
		i.params.Put("header", stringMap(i.in.Header, false))
	}
	return i.params
}

// param is $input.params(name): a path parameter, else a query parameter, else a header, else "".
// Header names match without regard to case, as HTTP's do.
func (i *input) param(name string) string {
	if v, ok := i.in.Path[name]; ok {
		return v
	}
	if v, ok := i.in.Query[name]; ok {
		return v
	}
	if v, ok := i.in.Header[name]; ok {
		return v
	}
	for k, v := range i.in.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// eval evaluates a JSONPath on the body with Jayway's results: a definite path (names and single
// indexes) gives its value, found false when it does not exist; any other path gives the list of
// matches.
func (i *input) eval(path string) (v any, found bool, err error) {
	if !i.parsed {
		i.parsed = true
		i.root, i.err = parseJSON(i.body())
		switch {
		case i.err == nil:
		case !isJSONType(i.in.ContentType):
			// A form or text body is one string to JSONPath: Slack's form posts are read with
			// $input.path('$').split('&') and passed on with $input.json('$').
			i.root, i.err = i.body(), nil
		default:
			i.err = &BodyError{Err: i.err}
		}
	}
	if i.err != nil {
		return nil, false, i.err
	}
	x, err := compilePath(path)
	if err != nil {
		return nil, false, err
	}
	return x.eval(i.root)
}

type jsonPath struct {
	x        jp.Expr
	definite bool
	root     bool
}

var (
	pathCache sync.Map // string -> *jsonPath
	pathCount int64
	pathMu    sync.Mutex
)

const maxCachedPaths = 4096

func compilePath(p string) (*jsonPath, error) {
	if c, ok := pathCache.Load(p); ok {
		return c.(*jsonPath), nil
	}
	src := strings.TrimSpace(p)
	if !strings.HasPrefix(src, "$") && !strings.HasPrefix(src, "@") {
		src = "$." + src // Jayway reads "a.b" as "$.a.b"
	}
	x, err := jp.ParseString(src)
	if err != nil {
		return nil, &pathError{path: p, err: err}
	}
	c := &jsonPath{x: x, definite: true}
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.At, jp.Child, jp.Nth, jp.Bracket:
		default:
			c.definite = false
		}
	}
	c.root = len(x) == 1
	pathMu.Lock()
	if pathCount < maxCachedPaths {
		pathCount++
		pathCache.Store(p, c)
	}
	pathMu.Unlock()
	return c, nil
}

type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return "invalid JSONPath " + e.path + ": " + e.err.Error() }

func (c *jsonPath) eval(root any) (any, bool, error) {
	if c.root {
		return root, true, nil
	}
	if c.definite {
		v, ok := walk(c.x, root)
		return v, ok, nil
	}
	return c.getAll(root)
}

// getAll runs ojg's evaluation, turning a panic in a filter (a division by zero, say) into an error.
func (c *jsonPath) getAll(root any) (v any, found bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, found, err = nil, false, fmt.Errorf("evaluating JSONPath %s: %v", c.x, r)
		}
	}()
	return vtl.NewJSONList(c.x.Get(root)...), true, nil
}

// walk follows a definite path (names and single indexes) without allocating.
func walk(x jp.Expr, v any) (any, bool) {
	for _, f := range x {
		switch f := f.(type) {
		case jp.Child:
			m, ok := v.(*vtl.Map)
			if !ok {
				return nil, false
			}
			if v, ok = m.GetString(string(f)); !ok {
				return nil, false
			}
		case jp.Nth:
			l, ok := v.(*vtl.List)
			if !ok {
				return nil, false
			}
			i := int(f)
			if i < 0 {
				i += l.Len()
			}
			if i < 0 || i >= l.Len() {
				return nil, false
			}
			v = l.At(i)
		}
	}
	return v, true
}

// isJSONType reports whether a body of this Content-Type is JSON; none is, as API Gateway assumes.
func isJSONType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json")
}
