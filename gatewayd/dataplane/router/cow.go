package router

import (
	"fmt"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/internal/pmap"
)

// Copy on write. A stage compiled again after a change to one route should not pay for adding every
// route to a new table (issue 17), yet the table requests are reading must not change. Clone returns a
// table sharing every node of the original; Add and Remove on the clone copy the nodes on their way
// first (path copying), and a node's literal children are a persistent map (pmap), whose copy shares
// them too: the cost of a change is the depth of its path, whatever the number of routes or of
// siblings on the way.

// Clone returns a table with t's routes that shares t's nodes until it changes them. t must not be
// changed afterwards (a table being read never is).
func (t *Table[T]) Clone() *Table[T] {
	return &Table[T]{root: t.root, count: t.count, owned: map[*node[T]]bool{}, edit: pmap.NewEdit()}
}

// ed returns the Edit of the table's literal maps.
func (t *Table[T]) ed() *pmap.Edit {
	if t.edit == nil {
		t.edit = pmap.NewEdit()
	}
	return t.edit
}

func (t *Table[T]) newNode() *node[T] {
	n := &node[T]{}
	if t.owned != nil {
		t.owned[n] = true
	}
	return n
}

// own returns n when this table may change it, or a copy of it that the table then owns.
func (t *Table[T]) own(n *node[T]) *node[T] {
	if t.owned == nil || t.owned[n] {
		return n
	}
	c := *n // the literal map is shared: changing it under t's Edit copies it
	t.owned[&c] = true
	return &c
}

// Remove takes back verb on the resource path template (the names of its parameters do not matter).
// Nodes left without routes stay: Lookup passes over them as over missing ones.
func (t *Table[T]) Remove(path, verb string) error {
	vi := verbIndex(verb)
	if vi < 0 || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("removing %s %s: no such route", verb, path)
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if path == "/" {
		parts = nil
	}
	// Find the route first, so that a missing one changes nothing.
	var at *node[T] = &t.root
	for _, part := range parts {
		switch kind, _ := segment(part); kind {
		case greedySeg:
			at = at.greedy
		case paramSeg:
			at = at.param
		default:
			at, _ = at.literal.Get(part)
		}
		if at == nil {
			return fmt.Errorf("removing %s %s: no such route", verb, path)
		}
	}
	if at.methods[vi] == nil {
		return fmt.Errorf("removing %s %s: no such route", verb, path)
	}
	n := &t.root
	for _, part := range parts {
		switch kind, _ := segment(part); kind {
		case greedySeg:
			n.greedy = t.own(n.greedy)
			n = n.greedy
		case paramSeg:
			n.param = t.own(n.param)
			n = n.param
		default:
			old, _ := n.literal.Get(part)
			c := t.own(old)
			if c != old {
				n.literal.Set(part, c, t.ed())
			}
			n = c
		}
	}
	n.methods[vi] = nil
	n.routes--
	t.count--
	return nil
}
