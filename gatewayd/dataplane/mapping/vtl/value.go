package vtl

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Object is a value supplied by the host ($input, $util, ...) whose properties and methods a template can
// use. Implementations must be safe for concurrent use if one Object is shared between evaluations.
type Object interface {
	// Get returns the property $o.name; false makes the reference invalid (null).
	Get(name string) (any, bool)
	// Call calls the method $o.name(args...). It returns ErrNoMethod when there is no such method, which
	// makes the reference invalid (null) as Velocity does; any other error fails the evaluation. args is
	// only valid during the call.
	Call(name string, args []any) (any, error)
}

// ErrNoMethod tells the engine that an Object has no method of that name and arity.
var ErrNoMethod = errors.New("no such method")

// List is a mutable list, Java's ArrayList. Templates share it by reference, so $a.add(1) is seen through
// every variable that holds the list.
type List struct {
	items []any
	// json marks a JSON array from a parsed body: like json-smart's JSONArray (what API Gateway's JSONPath
	// returns), it renders as compact JSON rather than as [a, b].
	json bool
}

// NewList returns a list holding items (not copied).
func NewList(items ...any) *List { return &List{items: items} }

// NewJSONList returns a list that renders as compact JSON, like a JSON array read from a body.
func NewJSONList(items ...any) *List { return &List{items: items, json: true} }

// Len returns the number of elements.
func (l *List) Len() int { return len(l.items) }

// At returns element i.
func (l *List) At(i int) any { return l.items[i] }

// Items returns the elements; the slice is the list's own.
func (l *List) Items() []any { return l.items }

// Append adds elements at the end.
func (l *List) Append(v ...any) { l.items = append(l.items, v...) }

// The next three methods let JSONPath libraries walk a List (ojg's jp.Indexed).

// ValueAtIndex returns element i, or nil when out of range.
func (l *List) ValueAtIndex(i int) any {
	if i < 0 || i >= len(l.items) {
		return nil
	}
	return l.items[i]
}

// SetValueAtIndex sets element i when in range.
func (l *List) SetValueAtIndex(i int, v any) {
	if i >= 0 && i < len(l.items) {
		l.items[i] = v
	}
}

// Size returns the number of elements.
func (l *List) Size() int { return len(l.items) }

// Map is a mutable map with Java semantics: by default it keeps insertion order like a LinkedHashMap (JSON
// objects and map literals); NewHashMap makes one that iterates like a java.util.HashMap, which is what
// API Gateway's $input.params() and $context are. Keys are strings, int64, float64 or bool.
type Map struct {
	ents []mapEntry
	sidx map[string]int // string keys, built once the map grows past linearLimit
	idx  map[any]int    // other keys, likewise

	hashOrder bool
	order     []int // cached HashMap iteration order; nil when stale

	opaque    bool // renders as "", like API Gateway's nested $context objects
	writeOnce bool // a key may be put once (API Gateway's overrides are final)
}

// mapEntry keeps a string key unboxed: JSON objects have only those, and boxing each would allocate.
type mapEntry struct {
	k   any
	s   string
	v   any
	str bool
}

func (e *mapEntry) key() any {
	if e.str {
		return e.s
	}
	return e.k
}

// linearLimit is the size up to which a map finds keys by scanning, which beats hashing for the small
// objects of JSON bodies.
const linearLimit = 32

// NewMap returns an empty insertion-ordered map.
func NewMap() *Map { return &Map{} }

// NewMapSize returns an empty insertion-ordered map with room for n entries.
func NewMapSize(n int) *Map { return &Map{ents: make([]mapEntry, 0, n)} }

// NewMapOf returns an insertion-ordered map of keys[i] to vals[i], as a JSON object reads: a repeated key
// keeps its first place and its last value.
func NewMapOf(keys []string, vals []any) *Map {
	m := &Map{ents: make([]mapEntry, 0, len(keys))}
	if len(keys) > linearLimit {
		for i, k := range keys {
			m.PutString(k, vals[i])
		}
		return m
	}
outer:
	for i, k := range keys {
		for j := range m.ents {
			if m.ents[j].s == k {
				m.ents[j].v = vals[i]
				continue outer
			}
		}
		m.ents = append(m.ents, mapEntry{s: k, v: vals[i], str: true})
	}
	return m
}

// NewHashMap returns an empty map that iterates in java.util.HashMap order.
func NewHashMap() *Map { return &Map{hashOrder: true} }

// SetOpaque makes the map render as the empty string while it still answers get, keySet and the rest.
// API Gateway renders $context.identity and the other nested $context maps that way.
func (m *Map) SetOpaque() { m.opaque = true }

// SetWriteOnce makes a second put of the same key fail the evaluation: API Gateway's request and response
// overrides are final.
func (m *Map) SetWriteOnce() { m.writeOnce = true }

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.ents) }

func (m *Map) find(k any) int {
	if s, ok := k.(string); ok {
		return m.findString(s)
	}
	if m.idx != nil || m.sidx != nil {
		if i, ok := m.idx[k]; ok {
			return i
		}
		return -1
	}
	for i := range m.ents {
		if !m.ents[i].str && m.ents[i].k == k {
			return i
		}
	}
	return -1
}

func (m *Map) findString(s string) int {
	if m.sidx != nil {
		if i, ok := m.sidx[s]; ok {
			return i
		}
		return -1
	}
	for i := range m.ents {
		if m.ents[i].str && m.ents[i].s == s {
			return i
		}
	}
	return -1
}

// GetString returns the value for a string key.
func (m *Map) GetString(k string) (any, bool) {
	if i := m.findString(k); i >= 0 {
		return m.ents[i].v, true
	}
	return nil, false
}

// PutString sets a string key to v and returns the previous value.
func (m *Map) PutString(k string, v any) any {
	if i := m.findString(k); i >= 0 {
		old := m.ents[i].v
		m.ents[i].v = v
		return old
	}
	m.add(mapEntry{s: k, v: v, str: true})
	return nil
}

func (m *Map) add(e mapEntry) {
	m.ents = append(m.ents, e)
	m.order = nil
	switch {
	case m.sidx != nil && e.str:
		m.sidx[e.s] = len(m.ents) - 1
	case m.sidx != nil:
		m.idx[e.k] = len(m.ents) - 1
	case len(m.ents) > linearLimit:
		m.reindex()
	}
}

// Get returns the value for key k.
func (m *Map) Get(k any) (any, bool) {
	if i := m.find(k); i >= 0 {
		return m.ents[i].v, true
	}
	return nil, false
}

// Put sets k to v and returns the previous value, ignoring write-once.
func (m *Map) Put(k, v any) any {
	if s, ok := k.(string); ok {
		return m.PutString(s, v)
	}
	if i := m.find(k); i >= 0 {
		old := m.ents[i].v
		m.ents[i].v = v
		return old
	}
	m.add(mapEntry{k: k, v: v})
	return nil
}

func (m *Map) put(k, v any) (any, error) {
	if m.writeOnce {
		if _, ok := m.Get(k); ok {
			return nil, &finalError{key: k}
		}
	}
	return m.Put(k, v), nil
}

type finalError struct{ key any }

func (e *finalError) Error() string {
	return "overriding " + javaString(e.key) + " twice: overrides are final"
}

func (m *Map) reindex() {
	m.sidx = make(map[string]int, len(m.ents))
	m.idx = map[any]int{}
	for i, e := range m.ents {
		if e.str {
			m.sidx[e.s] = i
		} else {
			m.idx[e.k] = i
		}
	}
}

// Remove deletes k and returns its value.
func (m *Map) Remove(k any) any {
	i := m.find(k)
	if i < 0 {
		return nil
	}
	old := m.ents[i].v
	m.ents = slices.Delete(m.ents, i, i+1)
	m.order = nil
	if m.sidx != nil {
		m.reindex()
	}
	return old
}

func (m *Map) clear() {
	clear(m.ents)
	m.ents, m.sidx, m.idx, m.order = m.ents[:0], nil, nil, nil
}

// Keys returns the keys in iteration order, as strings (ojg's jp.Keyed).
func (m *Map) Keys() []string {
	ks := make([]string, 0, len(m.ents))
	m.each(func(k, _ any) bool { ks = append(ks, javaString(k)); return true })
	return ks
}

// ValueForKey returns the value of a string key (ojg's jp.Keyed).
func (m *Map) ValueForKey(k string) (any, bool) { return m.GetString(k) }

// SetValueForKey sets a string key (ojg's jp.Keyed).
func (m *Map) SetValueForKey(k string, v any) { m.PutString(k, v) }

// RemoveValueForKey removes a string key (ojg's jp.Keyed).
func (m *Map) RemoveValueForKey(k string) { m.Remove(k) }

// Range calls f for each entry in iteration order until f returns false.
func (m *Map) Range(f func(k, v any) bool) { m.each(f) }

func (m *Map) each(f func(k, v any) bool) {
	if !m.hashOrder {
		for i := range m.ents {
			if !f(m.ents[i].key(), m.ents[i].v) {
				return
			}
		}
		return
	}
	for _, i := range m.hashIter() {
		if !f(m.ents[i].key(), m.ents[i].v) {
			return
		}
	}
}

// entries yields the entries in iteration order without boxing their keys.
func (m *Map) entries() func(yield func(int, *mapEntry) bool) {
	return func(yield func(int, *mapEntry) bool) {
		if !m.hashOrder {
			for i := range m.ents {
				if !yield(i, &m.ents[i]) {
					return
				}
			}
			return
		}
		for j, i := range m.hashIter() {
			if !yield(j, &m.ents[i]) {
				return
			}
		}
	}
}

// hashIter returns entry positions in the order java.util.HashMap iterates them: by bucket of the
// spread hash in a table sized as HashMap grows it, then by insertion within a bucket. API Gateway's
// $context.keySet() lists keys in this order.
func (m *Map) hashIter() []int {
	if m.order != nil && len(m.order) == len(m.ents) {
		return m.order
	}
	n := 16
	for len(m.ents) > n*3/4 {
		n *= 2
	}
	type kb struct{ bucket, pos int }
	bs := make([]kb, len(m.ents))
	for i := range m.ents {
		h := javaHash(m.ents[i].key())
		h ^= h >> 16
		bs[i] = kb{int(h & uint32(n-1)), i}
	}
	slices.SortStableFunc(bs, func(a, b kb) int { return a.bucket - b.bucket })
	order := make([]int, len(bs))
	for i, b := range bs {
		order[i] = b.pos
	}
	m.order = order
	return order
}

func javaHash(k any) uint32 {
	switch k := k.(type) {
	case string:
		var h uint32
		for i := 0; i < len(k); i++ {
			if k[i] >= 0x80 {
				h = 0
				for _, u := range utf16.Encode([]rune(k)) {
					h = 31*h + uint32(u)
				}
				return h
			}
			h = 31*h + uint32(k[i])
		}
		return h
	case int64:
		if k == int64(int32(k)) {
			return uint32(k) // Integer.hashCode
		}
		return uint32(k ^ int64(uint64(k)>>32))
	case bool:
		if k {
			return 1231
		}
		return 1237
	case float64:
		b := math.Float64bits(k)
		return uint32(b ^ b>>32)
	}
	return 0
}

// entry is an element of $map.entrySet().
type entry struct {
	m   *Map
	key any
	val any
}

// block is the value of a #define: it renders its body where it is referenced.
type block struct {
	nodes []node
}

// loopScope is $foreach inside a #foreach.
type loopScope struct {
	index   int
	hasNext bool
	parent  *loopScope
}

// javaString renders a value as Java's String.valueOf does; nil is "null".
func javaString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		return javaDouble(v)
	}
	var b strings.Builder
	writeJava(&b, v, 0)
	return b.String()
}

const maxValueDepth = 256

// maxRendered bounds the text of one value: lists that share their elements can describe more text than
// memory holds ([$a, $a] nested thirty times), so rendering stops there and the output limit reports it.
const maxRendered = 12 << 20

// equalsBudget bounds the elements one == compares, for the same reason.
const equalsBudget = 1 << 20

// writeJava appends Java's toString of v: {k=v, k2=v2} for maps and [a, b] for lists (JSON lists render as
// JSON, as json-smart's JSONArray does).
func writeJava(b *strings.Builder, v any, depth int) {
	if b.Len() > maxRendered {
		return
	}
	if depth > maxValueDepth {
		b.WriteString("...")
		return
	}
	switch v := v.(type) {
	case *List:
		if v.json {
			writeJSON(b, v, depth)
			return
		}
		b.WriteByte('[')
		for i, e := range v.items {
			if i > 0 {
				b.WriteString(", ")
			}
			if e == any(v) {
				b.WriteString("(this Collection)")
				continue
			}
			writeJava(b, e, depth+1)
		}
		b.WriteByte(']')
	case *Map:
		if v.opaque {
			return
		}
		b.WriteByte('{')
		for i, e := range v.entries() {
			if i > 0 {
				b.WriteString(", ")
			}
			if e.str {
				b.WriteString(e.s)
			} else {
				writeJava(b, e.k, depth+1)
			}
			b.WriteByte('=')
			if e.v == any(v) {
				b.WriteString("(this Map)")
			} else {
				writeJava(b, e.v, depth+1)
			}
		}
		b.WriteByte('}')
	case *entry:
		writeJava(b, v.key, depth+1)
		b.WriteByte('=')
		writeJava(b, v.val, depth+1)
	case *loopScope:
		b.WriteString("{}")
	case Object:
		if s, ok := v.(interface{ String() string }); ok {
			b.WriteString(s.String())
		}
	case nil, string, int64, bool, float64:
		b.WriteString(javaString(v))
	default:
		fmt.Fprint(b, v) // a host value of another type
	}
}

// JSON renders v as compact JSON: maps as objects, lists as arrays, doubles as Java prints them.
func JSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, depth int) {
	if b.Len() > maxRendered {
		return
	}
	if depth > maxValueDepth {
		b.WriteString("null")
		return
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeJSONString(b, v)
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
			return
		}
		b.WriteString(javaDouble(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case *List:
		b.WriteByte('[')
		for i, e := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e, depth+1)
		}
		b.WriteByte(']')
	case *Map:
		b.WriteByte('{')
		for i, e := range v.entries() {
			if i > 0 {
				b.WriteByte(',')
			}
			if e.str {
				writeJSONString(b, e.s)
			} else {
				writeJSONString(b, javaString(e.k))
			}
			b.WriteByte(':')
			writeJSON(b, e.v, depth+1)
		}
		b.WriteByte('}')
	default:
		writeJSONString(b, javaString(v))
	}
}

const hexDigits = "0123456789abcdef"

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// javaDouble formats f as Java's Double.toString: plain notation with at least one decimal between 1e-3
// and 1e7, computerized scientific notation (1.5E10) outside it.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// truth is Velocity's condition value: null is false, a Boolean is itself, anything else is true.
func truth(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	return true
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// compareNumbers returns -1, 0 or 1.
func compareNumbers(a, b any) int {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	x, y := toFloat(a), toFloat(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// sameClass reports whether Java would call a.equals(b) for ==: the classes are assignable.
func sameClass(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case *List:
		_, ok := b.(*List)
		return ok
	case *Map:
		_, ok := b.(*Map)
		return ok
	case *entry:
		_, ok := b.(*entry)
		return ok
	}
	return false
}

// velocityEquals is Velocity 1.7's ==: numbers compare by value, values of one class by equals(), other
// values by their toString().
func velocityEquals(a, b any) bool {
	if isNumber(a) && isNumber(b) {
		return compareNumbers(a, b) == 0
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if sameClass(a, b) {
		return javaEquals(a, b)
	}
	return javaString(a) == javaString(b)
}

// javaEquals is Java's equals: an Integer never equals a Double, lists compare element by element.
func javaEquals(a, b any) bool {
	n := equalsBudget
	return equalsN(a, b, 0, &n)
}

func equalsN(a, b any, depth int, budget *int) bool {
	*budget--
	if depth > maxValueDepth || *budget < 0 {
		return false
	}
	switch x := a.(type) {
	case *List:
		y, ok := b.(*List)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if len(x.items) != len(y.items) {
			return false
		}
		for i := range x.items {
			if !equalsN(x.items[i], y.items[i], depth+1, budget) {
				return false
			}
		}
		return true
	case *Map:
		y, ok := b.(*Map)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		if len(x.ents) != len(y.ents) {
			return false
		}
		for i := range x.ents {
			e := &x.ents[i]
			w, ok := y.Get(e.key())
			if !ok || !equalsN(e.v, w, depth+1, budget) {
				return false
			}
		}
		return true
	case *entry:
		y, ok := b.(*entry)
		return ok && equalsN(x.key, y.key, depth+1, budget) && equalsN(x.val, y.val, depth+1, budget)
	case nil:
		return b == nil
	}
	switch b.(type) {
	case *List, *Map, *entry:
		return false
	}
	defer func() { _ = recover() }() // uncomparable host values are simply unequal
	return a == b
}

// String renders v as a template prints it: Java's String.valueOf, with maps as {k=v} and lists as [a, b].
func String(v any) string { return javaString(v) }

// ValueOf converts a Go value to the values templates use: any integer to int64, float32 to float64,
// slices to *List, maps with string keys to *Map (in key order) and a nil pointer or interface to nil.
// Values that already are template values are returned as they are; others are left alone and print
// with fmt.
func ValueOf(v any) any {
	switch v := v.(type) {
	case nil, bool, int64, float64, string, *List, *Map, Object:
		return v
	case int:
		return int64(v)
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case uint8:
		return int64(v)
	case uint16:
		return int64(v)
	case uint32:
		return int64(v)
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	case float32:
		return float64(v)
	case []any:
		l := &List{items: make([]any, len(v))}
		for i, e := range v {
			l.items[i] = ValueOf(e)
		}
		return l
	case []string:
		l := &List{items: make([]any, len(v))}
		for i, e := range v {
			l.items[i] = e
		}
		return l
	case map[string]any:
		m := NewMapSize(len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m.PutString(k, ValueOf(v[k]))
		}
		return m
	case map[string]string:
		m := NewMapSize(len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			m.PutString(k, v[k])
		}
		return m
	}
	return v
}
