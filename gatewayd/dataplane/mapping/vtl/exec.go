package vtl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
)

// Options tunes an evaluation. The zero value (or nil) is Velocity 1.7 with the default limits.
type Options struct {
	// NullAsEmpty makes every reference that resolves to null (an unset variable, a missing key, a method
	// that returns null or does not exist) evaluate to "" instead, as API Gateway's engine does: it renders
	// as nothing, equals "", and is true in #if. Without it a null reference renders as its own source
	// text, like $foo, unless written $!foo.
	NullAsEmpty bool

	// MaxSteps bounds the nodes rendered, expressions evaluated and loop iterations; default 1,000,000.
	MaxSteps int
	// MaxOutput bounds the bytes written and the length of any one string built; default 10 MB.
	MaxOutput int
	// MaxMemory bounds the bytes of strings, list elements and map entries the template creates; default
	// 64 MB.
	MaxMemory int
	// MaxDepth bounds nested macro calls and #define expansions; default 20, Velocity's macro depth.
	MaxDepth int
	// MaxLoop is how many iterations a #foreach runs before it stops, silently, as API Gateway's do;
	// default 1,000.
	MaxLoop int
}

// Defaults of Options' limits.
const (
	DefaultMaxSteps  = 1_000_000
	DefaultMaxOutput = 10 << 20
	DefaultMaxMemory = 64 << 20
	DefaultMaxDepth  = 20
	DefaultMaxLoop   = 1000
)

// ErrLimit is what errors.Is finds in an evaluation stopped by one of Options' limits.
var ErrLimit = errors.New("evaluation limit exceeded")

type limitError struct{ what string }

func (e *limitError) Error() string   { return "evaluation limit exceeded: " + e.what }
func (e *limitError) Is(t error) bool { return t == ErrLimit }

// Control flow travels as sentinel errors; they never leave Execute.
var (
	errBreak = errors.New("#break")
	errStop  = errors.New("#stop")
)

type state struct {
	t     *Template
	opt   Options
	slots []any

	out      *bytes.Buffer
	outLimit int

	steps, mem, depth int
	lastPos           int // where the last positioned node started, for errors without a place

	args    []any // method arguments, used as a stack
	loop    *loopScope
	breakTo *loopScope
	scratch []*bytes.Buffer
	num     [32]byte
}

var statePool = sync.Pool{New: func() any { return new(state) }}

// Execute renders the template with the root variables vars into w. Go values of other types go through
// ValueOf. Variables the template sets do not change vars, but values are shared: a template that calls $list.add(...) on a List from vars modifies
// it. Errors are *Error values with the place of the failure; on error w may hold part of the output.
func (t *Template) Execute(w io.Writer, vars map[string]any, opt *Options) (err error) {
	st := statePool.Get().(*state)
	defer func() {
		// The fuzz tests find no panic; should a host Object or an engine bug raise one anyway, it fails
		// this evaluation only. The state is not reused after a panic.
		if r := recover(); r != nil {
			err = t.errorAt(st.lastPos, fmt.Errorf("panic: %v", r), "internal error: %v", r)
			return
		}
		st.release()
	}()
	st.t = t
	if opt != nil {
		st.opt = *opt
	} else {
		st.opt = Options{}
	}
	o := &st.opt
	if o.MaxSteps <= 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	if o.MaxOutput <= 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxLoop <= 0 {
		o.MaxLoop = DefaultMaxLoop
	}
	if cap(st.slots) < len(t.names) {
		st.slots = make([]any, len(t.names))
	}
	st.slots = st.slots[:len(t.names)]
	for i, n := range t.names {
		st.slots[i] = ValueOf(vars[n])
	}
	buf, direct := w.(*bytes.Buffer)
	if !direct {
		buf = st.getScratch()
	}
	st.out = buf
	st.outLimit = buf.Len() + o.MaxOutput
	err = st.render(t.nodes)
	if err == errStop || err == errBreak {
		err = nil
	}
	if _, ok := err.(*Error); err != nil && !ok {
		err = t.errorAt(st.lastPos, err, "%v", err)
	}
	if !direct {
		if _, werr := w.Write(buf.Bytes()); werr != nil && err == nil {
			err = fmt.Errorf("writing template output: %w", werr)
		}
		st.putScratch(buf)
	}
	return err
}

func (st *state) release() {
	clear(st.slots)
	clear(st.args[:cap(st.args)])
	st.args = st.args[:0]
	st.t, st.out, st.loop, st.breakTo = nil, nil, nil, nil
	st.steps, st.mem, st.depth, st.lastPos = 0, 0, 0, 0
	statePool.Put(st)
}

func (st *state) getScratch() *bytes.Buffer {
	if n := len(st.scratch); n > 0 {
		b := st.scratch[n-1]
		st.scratch = st.scratch[:n-1]
		return b
	}
	return new(bytes.Buffer)
}

func (st *state) putScratch(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // do not keep large buffers in the pool
	}
	b.Reset()
	st.scratch = append(st.scratch, b)
}

func (st *state) step(pos int) error {
	st.steps++
	if st.steps > st.opt.MaxSteps {
		return st.t.errorAt(pos, &limitError{fmt.Sprintf("more than %d steps", st.opt.MaxSteps)}, "evaluation limit exceeded: more than %d steps", st.opt.MaxSteps)
	}
	return nil
}

// alloc charges n bytes the template creates.
func (st *state) alloc(pos, n int) error {
	st.mem += n
	if st.mem > st.opt.MaxMemory || n > st.opt.MaxOutput {
		return st.t.errorAt(pos, &limitError{"memory"}, "evaluation limit exceeded: more than %d bytes of values", st.opt.MaxMemory)
	}
	return nil
}

func (st *state) write(s string) error {
	st.out.WriteString(s)
	if st.out.Len() > st.outLimit {
		return &limitError{fmt.Sprintf("more than %d bytes of output", st.opt.MaxOutput)}
	}
	return nil
}

func (st *state) invalid() any {
	if st.opt.NullAsEmpty {
		return ""
	}
	return nil
}

func (st *state) render(nodes []node) error {
	for _, n := range nodes {
		st.steps++
		if st.steps > st.opt.MaxSteps {
			return &limitError{fmt.Sprintf("more than %d steps", st.opt.MaxSteps)}
		}
		var err error
		switch n := n.(type) {
		case *textNode:
			err = st.write(n.s)
		case *refNode:
			err = st.renderRef(n)
		case *setNode:
			err = st.set(n)
		case *ifNode:
			err = st.renderIf(n)
		case *foreachNode:
			err = st.foreach(n)
		case *defineNode:
			st.slots[n.slot] = &block{nodes: n.body}
		case *macroCallNode:
			err = st.call(n)
		case *breakNode:
			st.breakTo = nil
			if n.scope != nil {
				v, verr := st.eval(n.scope)
				if verr != nil {
					return verr
				}
				if s, ok := v.(*loopScope); ok {
					st.breakTo = s
				}
			}
			return errBreak
		case *stopNode:
			return errStop
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (st *state) renderIf(n *ifNode) error {
	for i, c := range n.conds {
		v, err := st.eval(c)
		if err != nil {
			return err
		}
		if truth(v) {
			return st.render(n.blocks[i])
		}
	}
	return st.render(n.els)
}

func (st *state) renderRef(n *refNode) error {
	st.lastPos = n.ref.pos
	v, err := st.evalRef(n.ref)
	if err != nil {
		return err
	}
	if n.escaped {
		st.out.WriteString(n.esc)
		if v == nil {
			st.out.WriteByte('\\')
		}
		return st.write(n.ref.src)
	}
	st.out.WriteString(n.esc)
	if v == nil {
		st.out.WriteString(n.esc)
		if n.quiet {
			return nil
		}
		return st.write(n.ref.src)
	}
	return st.writeValue(v)
}

func (st *state) writeValue(v any) error {
	switch v := v.(type) {
	case string:
		return st.write(v)
	case int64:
		st.out.Write(strconv.AppendInt(st.num[:0], v, 10))
		return nil
	case *block:
		return st.renderBlock(v)
	}
	s := javaString(v)
	if err := st.work(len(s)); err != nil {
		return err
	}
	return st.write(s)
}

func (st *state) renderBlock(b *block) error {
	st.depth++
	defer func() { st.depth-- }()
	if st.depth > st.opt.MaxDepth {
		return &limitError{fmt.Sprintf("#define and macro calls nested deeper than %d", st.opt.MaxDepth)}
	}
	err := st.render(b.nodes)
	if err == errBreak && st.breakTo == nil {
		err = nil
	}
	return err
}

// renderString renders nodes to a string, for interpolated string literals and #define values used as
// strings.
func (st *state) renderString(pos int, nodes []node) (string, error) {
	saved, savedLimit := st.out, st.outLimit
	buf := st.getScratch()
	st.out, st.outLimit = buf, st.opt.MaxOutput
	err := st.render(nodes)
	st.out, st.outLimit = saved, savedLimit
	s := buf.String()
	st.putScratch(buf)
	if err != nil {
		return "", err
	}
	return s, st.alloc(pos, len(s))
}

// stringValue turns a #define block into the text it renders; other values are returned as they are.
func (st *state) stringValue(pos int, v any) (any, error) {
	b, ok := v.(*block)
	if !ok {
		return v, nil
	}
	st.depth++
	defer func() { st.depth-- }()
	if st.depth > st.opt.MaxDepth {
		return nil, &limitError{fmt.Sprintf("#define and macro calls nested deeper than %d", st.opt.MaxDepth)}
	}
	s, err := st.renderString(pos, b.nodes)
	if err == errBreak && st.breakTo == nil {
		err = nil
	}
	return s, err
}

// set runs #set. As in Velocity 1.7, a null value leaves the target unchanged, and a target whose
// object is null or cannot hold the property is left alone.
func (st *state) set(n *setNode) error {
	st.lastPos = n.pos
	v, err := st.eval(n.value)
	if err != nil || v == nil {
		return err
	}
	r := n.target
	if len(r.parts) == 0 {
		st.slots[r.slot] = v
		return nil
	}
	obj := st.slots[r.slot]
	for i := 0; i < len(r.parts)-1 && obj != nil; i++ {
		if obj, err = st.access(obj, &r.parts[i]); err != nil {
			return err
		}
	}
	if obj == nil {
		return nil
	}
	last := &r.parts[len(r.parts)-1]
	key := any(last.name)
	if last.kind == partIndex {
		if key, err = st.eval(last.args[0]); err != nil {
			return err
		}
	}
	switch o := obj.(type) {
	case *Map:
		if _, err := o.put(key, v); err != nil {
			return st.t.errorAt(n.pos, err, "#set(%s): %v", r.src, err)
		}
	case *List:
		if last.kind != partIndex {
			return nil
		}
		i, ok := key.(int64)
		if !ok {
			return nil
		}
		if i < 0 || i >= int64(len(o.items)) {
			return st.t.errorAt(last.pos, nil, "#set(%s): index %d out of bounds for length %d", r.src, i, len(o.items))
		}
		o.items[i] = v
	case Setter:
		name, ok := key.(string)
		if !ok {
			return nil
		}
		if err := o.Set(name, v); err != nil {
			return st.t.errorAt(n.pos, err, "#set(%s): %v", r.src, err)
		}
	}
	return nil
}

// Setter is an Object whose properties #set can assign.
type Setter interface {
	Set(name string, v any) error
}

func (st *state) foreach(n *foreachNode) error {
	st.lastPos = n.pos
	var (
		list   *List
		values []any
		lo, hi int64
		isRng  bool
	)
	if r, ok := n.items.(*rangeExpr); ok {
		from, to, ok, err := st.rangeBounds(r)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		lo, hi, isRng = from, to, true
	} else {
		v, err := st.eval(n.items)
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case *List:
			list = v
		case *Map:
			values = make([]any, 0, v.Len())
			v.each(func(_, e any) bool { values = append(values, e); return true })
		case Iterable:
			values = v.Items()
		default:
			return nil // null and values that cannot be iterated render nothing, as Velocity's skip.invalid
		}
	}
	count := func(i int) (any, bool) {
		switch {
		case isRng:
			var x int64
			if lo <= hi {
				x = lo + int64(i)
				return x, x <= hi
			}
			x = lo - int64(i)
			return x, x >= hi
		case list != nil:
			if i < len(list.items) {
				return list.items[i], true
			}
			return nil, false
		}
		if i < len(values) {
			return values[i], true
		}
		return nil, false
	}

	countSlot, hasNextSlot, scopeSlot := st.t.slotOf("velocityCount"), st.t.slotOf("velocityHasNext"), st.t.slotOf("foreach")
	saved := st.slots[n.slot]
	var savedCount, savedHasNext, savedScope any
	if countSlot >= 0 {
		savedCount = st.slots[countSlot]
	}
	if hasNextSlot >= 0 {
		savedHasNext = st.slots[hasNextSlot]
	}
	if scopeSlot >= 0 {
		savedScope = st.slots[scopeSlot]
	}
	scope := &loopScope{index: -1, parent: st.loop}
	st.loop = scope
	defer func() {
		st.loop = scope.parent
		st.slots[n.slot] = saved
		if countSlot >= 0 {
			st.slots[countSlot] = savedCount
		}
		if hasNextSlot >= 0 {
			st.slots[hasNextSlot] = savedHasNext
		}
		if scopeSlot >= 0 {
			st.slots[scopeSlot] = savedScope
		}
	}()

	item, ok := count(0)
	for i := 0; ok && i < st.opt.MaxLoop; i++ {
		if err := st.step(n.pos); err != nil {
			return err
		}
		var next any
		next, ok = count(i + 1)
		scope.index = i
		scope.hasNext = ok
		st.slots[n.slot] = item
		if countSlot >= 0 {
			st.slots[countSlot] = int64(i + 1)
		}
		if hasNextSlot >= 0 {
			st.slots[hasNextSlot] = ok
		}
		if scopeSlot >= 0 {
			st.slots[scopeSlot] = scope
		}
		if err := st.render(n.body); err != nil {
			if err == errBreak && (st.breakTo == nil || st.breakTo == scope) {
				st.breakTo = nil
				return nil
			}
			return err
		}
		item = next
	}
	return nil
}

// Iterable is an Object a #foreach can iterate.
type Iterable interface {
	Items() []any
}

func (st *state) call(n *macroCallNode) error {
	st.lastPos = n.pos
	m := n.m
	if m == nil {
		return st.write(n.lit)
	}
	st.depth++
	defer func() { st.depth-- }()
	if st.depth > st.opt.MaxDepth {
		return st.t.errorAt(n.pos, &limitError{"macro depth"}, "evaluation limit exceeded: macro calls nested deeper than %d", st.opt.MaxDepth)
	}
	// Arguments are evaluated once, before the call: Velocity 1.7 passes them by name and re-evaluates
	// them at each use, which only differs for arguments with side effects.
	args := make([]any, len(m.params)+1)
	for i, a := range n.args {
		if i >= len(m.params) {
			break
		}
		v, err := st.eval(a)
		if err != nil {
			return err
		}
		args[i] = v
	}
	saved := make([]any, len(m.params)+1)
	for i, s := range m.params {
		saved[i] = st.slots[s]
		st.slots[s] = args[i]
	}
	bodySlot := st.t.slotOf("bodyContent")
	if n.block && bodySlot >= 0 {
		saved[len(m.params)] = st.slots[bodySlot]
		st.slots[bodySlot] = &block{nodes: n.body}
	}
	err := st.render(m.body)
	for i, s := range m.params {
		st.slots[s] = saved[i]
	}
	if n.block && bodySlot >= 0 {
		st.slots[bodySlot] = saved[len(m.params)]
	}
	if err == errBreak && st.breakTo == nil {
		err = nil
	}
	return err
}

// eval evaluates an expression.
func (st *state) eval(x expr) (any, error) {
	switch x := x.(type) {
	case *constExpr:
		return x.v, nil
	case *refExpr:
		return st.evalRef(x)
	case *binExpr:
		return st.evalBin(x)
	case *notExpr:
		v, err := st.eval(x.x)
		return !truth(v), err
	case *strExpr:
		return st.renderString(0, x.nodes)
	case *listExpr:
		if err := st.alloc(0, 16*len(x.items)); err != nil {
			return nil, err
		}
		l := &List{items: make([]any, len(x.items))}
		for i, e := range x.items {
			v, err := st.eval(e)
			if err != nil {
				return nil, err
			}
			l.items[i] = v
		}
		return l, nil
	case *mapExpr:
		if err := st.alloc(0, 32*len(x.keys)); err != nil {
			return nil, err
		}
		m := NewMap()
		for i, ke := range x.keys {
			k, err := st.eval(ke)
			if err != nil {
				return nil, err
			}
			v, err := st.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			m.Put(mapKey(k), v)
		}
		return m, nil
	case *rangeExpr:
		from, to, ok, err := st.rangeBounds(x)
		if err != nil || !ok {
			return nil, err
		}
		n := to - from
		if n < 0 {
			n = -n
		}
		if err := st.alloc(x.pos, int(min(n+1, math.MaxInt32))*16); err != nil {
			return nil, err
		}
		l := &List{items: make([]any, 0, n+1)}
		for i := int64(0); i <= n; i++ {
			if from <= to {
				l.items = append(l.items, from+i)
			} else {
				l.items = append(l.items, from-i)
			}
		}
		return l, nil
	}
	return nil, fmt.Errorf("unknown expression %T", x)
}

// mapKey keeps map keys comparable.
func mapKey(k any) any {
	switch k.(type) {
	case nil, string, int64, float64, bool, *List, *Map, *entry, *block, *loopScope:
		return k // a list or map key is the object itself, not its contents as in Java
	}
	return javaString(k)
}

func (st *state) rangeBounds(r *rangeExpr) (from, to int64, ok bool, err error) {
	a, err := st.eval(r.from)
	if err != nil {
		return 0, 0, false, err
	}
	b, err := st.eval(r.to)
	if err != nil {
		return 0, 0, false, err
	}
	from, ok1 := rangeInt(a)
	to, ok2 := rangeInt(b)
	return from, to, ok1 && ok2, nil
}

func rangeInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, false
		}
		return int64(v), true
	}
	return 0, false
}

func (st *state) evalBin(x *binExpr) (any, error) {
	l, err := st.eval(x.l)
	if err != nil {
		return nil, err
	}
	switch x.op {
	case opAnd:
		if !truth(l) {
			return false, nil
		}
		r, err := st.eval(x.r)
		return truth(r), err
	case opOr:
		if truth(l) {
			return true, nil
		}
		r, err := st.eval(x.r)
		return truth(r), err
	}
	r, err := st.eval(x.r)
	if err != nil {
		return nil, err
	}
	if l, err = st.stringValue(x.pos, l); err != nil {
		return nil, err
	}
	if r, err = st.stringValue(x.pos, r); err != nil {
		return nil, err
	}
	switch x.op {
	case opEq, opNe:
		eq, err := st.equals(l, r)
		return eq == (x.op == opEq), err
	case opLt, opGt, opLe, opGe:
		if !isNumber(l) || !isNumber(r) {
			return false, nil
		}
		c := compareNumbers(l, r)
		switch x.op {
		case opLt:
			return c < 0, nil
		case opGt:
			return c > 0, nil
		case opLe:
			return c <= 0, nil
		}
		return c >= 0, nil
	case opAdd:
		_, ls := l.(string)
		_, rs := r.(string)
		if ls || rs {
			s := javaStringOr(l, x.l) + javaStringOr(r, x.r)
			return s, st.alloc(x.pos, len(s))
		}
	}
	return arith(x.op, l, r), nil
}

// equals is velocityEquals, charging the text it compares when it falls back to toString.
func (st *state) equals(l, r any) (bool, error) {
	if l == nil || r == nil || isNumber(l) && isNumber(r) || sameClass(l, r) {
		return velocityEquals(l, r), nil
	}
	ls, rs := javaString(l), javaString(r)
	return ls == rs, st.work(len(ls) + len(rs))
}

// javaStringOr is the text a + concatenation uses: Velocity puts a null reference's source in its place.
func javaStringOr(v any, x expr) string {
	if v == nil {
		if r, ok := x.(*refExpr); ok {
			return r.src
		}
	}
	return javaString(v)
}

// arith is Velocity's math: integers stay integers (division truncates) unless they overflow, a double
// makes a double, and anything else, or a division by zero, is null.
func arith(op opKind, l, r any) any {
	a, aok := l.(int64)
	b, bok := r.(int64)
	if aok && bok {
		switch op {
		case opAdd:
			if s := a + b; (s > a) == (b > 0) {
				return s
			}
		case opSub:
			if s := a - b; (s < a) == (b > 0) {
				return s
			}
		case opMul:
			if a == 0 || b == 0 {
				return int64(0)
			}
			if s := a * b; s/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64) {
				return s
			}
		case opDiv:
			if b == 0 {
				return nil
			}
			return a / b
		case opMod:
			if b == 0 {
				return nil
			}
			return a % b
		}
		// Overflow: Java would widen to BigInteger; a double is the closest we keep.
		return arith(op, float64(a), float64(b))
	}
	if !isNumber(l) || !isNumber(r) {
		return nil
	}
	x, y := toFloat(l), toFloat(r)
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		if y == 0 {
			return nil
		}
		return x / y
	case opMod:
		if y == 0 {
			return nil
		}
		return math.Mod(x, y)
	}
	return nil
}

// evalRef evaluates a reference. A null anywhere along it makes the whole reference invalid.
func (st *state) evalRef(r *refExpr) (any, error) {
	v := st.slots[r.slot]
	if v == nil {
		return st.invalid(), nil
	}
	for i := range r.parts {
		p := &r.parts[i]
		var err error
		if v, err = st.access(v, p); err != nil {
			return nil, err
		}
		if v == nil {
			return st.invalid(), nil
		}
	}
	return v, nil
}

func (st *state) access(v any, p *part) (any, error) {
	st.steps++
	if st.steps > st.opt.MaxSteps {
		return nil, &limitError{fmt.Sprintf("more than %d steps", st.opt.MaxSteps)}
	}
	switch p.kind {
	case partProp:
		return st.property(v, p.name), nil
	case partIndex:
		k, err := st.eval(p.args[0])
		if err != nil {
			return nil, err
		}
		return st.index(v, k, p)
	}
	base := len(st.args)
	for _, a := range p.args {
		x, err := st.eval(a)
		if err != nil {
			st.args = st.args[:base]
			return nil, err
		}
		st.args = append(st.args, x)
	}
	res, err := st.method(v, p, st.args[base:])
	clear(st.args[base:])
	st.args = st.args[:base]
	return res, err
}

func (st *state) property(v any, name string) any {
	switch o := v.(type) {
	case *Map:
		x, _ := o.GetString(name)
		return x
	case Object:
		x, ok := o.Get(name)
		if !ok {
			return nil
		}
		return x
	case *List:
		if name == "empty" {
			return len(o.items) == 0
		}
	case string:
		if name == "empty" {
			return o == ""
		}
	case *entry:
		switch name {
		case "key":
			return o.key
		case "value":
			return o.val
		}
	case *loopScope:
		return o.property(name)
	}
	return nil
}

func (s *loopScope) property(name string) any {
	switch name {
	case "index":
		return int64(s.index)
	case "count":
		return int64(s.index + 1)
	case "hasNext":
		return s.hasNext
	case "first":
		return s.index < 1
	case "last":
		return !s.hasNext
	case "parent":
		if s.parent == nil {
			return nil
		}
		return s.parent
	case "topmost":
		for s.parent != nil {
			s = s.parent
		}
		return s
	}
	return nil
}

func (st *state) index(v, k any, p *part) (any, error) {
	switch o := v.(type) {
	case *List:
		i, ok := k.(int64)
		if !ok {
			return nil, nil
		}
		if i < 0 {
			i += int64(len(o.items))
		}
		if i < 0 || i >= int64(len(o.items)) {
			return nil, st.t.errorAt(p.pos, nil, "index %v out of bounds for length %d", k, len(o.items))
		}
		return o.items[i], nil
	case *Map:
		x, _ := o.Get(mapKey(k))
		return x, nil
	case Object:
		st.args = append(st.args, k)
		x, err := o.Call("get", st.args[len(st.args)-1:])
		st.args = st.args[:len(st.args)-1]
		if errors.Is(err, ErrNoMethod) {
			return nil, nil
		}
		if err != nil {
			return nil, st.t.errorAt(p.pos, err, "[%v]: %v", k, err)
		}
		return x, nil
	}
	return nil, nil
}
