package vtl

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// work charges steps for a method whose cost grows with the size of its receiver, so that a loop over
// calls on a large value stays within MaxSteps' time.
func (st *state) work(size int) error {
	st.steps += size >> 6
	if st.steps > st.opt.MaxSteps {
		return &limitError{fmt.Sprintf("more than %d steps", st.opt.MaxSteps)}
	}
	return nil
}

// javaError is a Java exception a built-in method throws, such as StringIndexOutOfBoundsException: the
// evaluation fails, as Velocity's MethodInvocationException does.
type javaError struct{ msg string }

func (e *javaError) Error() string { return e.msg }

func jerr(format string, args ...any) error {
	return &javaError{msg: fmt.Sprintf(format, args...)}
}

// method calls a method on v. void methods return "" as Velocity renders them.
func (st *state) method(v any, p *part, args []any) (any, error) {
	var (
		res any
		err error
	)
	if b, ok := v.(*block); ok {
		if v, err = st.stringValue(p.pos, b); err != nil {
			return nil, err
		}
	}
	switch o := v.(type) {
	case string:
		res, err = st.stringMethod(o, p, args)
	case *List:
		res, err = st.listMethod(o, p, args)
	case *Map:
		res, err = st.mapMethod(o, p, args)
	case int64, float64:
		res, err = numberMethod(o, p.name, args)
	case bool:
		res, err = boolMethod(o, p.name, args)
	case *entry:
		res, err = entryMethod(o, p.name, args)
	case *loopScope:
		res, err = scopeMethod(o, p.name, args)
	case Object:
		res, err = o.Call(p.name, args)
	default:
		err = ErrNoMethod
	}
	if err == nil {
		return res, nil
	}
	if errors.Is(err, ErrNoMethod) {
		if len(args) == 0 || p.name == "equals" {
			// Every Java object has these.
			switch p.name {
			case "toString":
				return javaString(v), nil
			case "equals":
				if len(args) == 1 {
					return javaEquals(v, args[0]), nil
				}
			}
		}
		return nil, nil
	}
	var le *limitError
	var e *Error
	if errors.As(err, &le) || errors.As(err, &e) {
		return nil, err
	}
	return nil, st.t.errorAt(p.pos, err, "%s(): %v", p.name, err)
}

func argInt(args []any, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	n, ok := args[i].(int64)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

func argStr(args []any, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	s, ok := args[i].(string)
	return s, ok
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Java strings index UTF-16 code units; these convert between those indexes and byte offsets.

func u16len(s string) int {
	if isASCII(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// u16off returns the byte offset of UTF-16 index i (i within [0, u16len(s)]).
func u16off(s string, i int) int {
	if isASCII(s) {
		return i
	}
	n := 0
	for off, r := range s {
		if n >= i {
			return off
		}
		n += utf16.RuneLen(r)
	}
	return len(s)
}

// u16idx returns the UTF-16 index of byte offset off.
func u16idx(s string, off int) int {
	if isASCII(s[:off]) {
		return off
	}
	return u16len(s[:off])
}

func (st *state) str(pos int, s string) (any, error) {
	return s, st.alloc(pos, len(s))
}

func (st *state) stringMethod(s string, p *part, args []any) (any, error) {
	n := len(args)
	if err := st.work(len(s)); err != nil {
		return nil, err
	}
	switch p.name {
	case "length":
		if n == 0 {
			return int64(u16len(s)), nil
		}
	case "isEmpty":
		if n == 0 {
			return s == "", nil
		}
	case "toString", "intern":
		if n == 0 {
			return s, nil
		}
	case "trim":
		if n == 0 {
			return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }), nil
		}
	case "toLowerCase":
		if n == 0 {
			return st.str(p.pos, strings.ToLower(s))
		}
	case "toUpperCase":
		if n == 0 {
			return st.str(p.pos, strings.ToUpper(s))
		}
	case "hashCode":
		if n == 0 {
			return int64(int32(javaHash(s))), nil
		}
	case "charAt":
		i, ok := argInt(args, 0)
		if n != 1 || !ok {
			break
		}
		if i < 0 || i >= u16len(s) {
			return nil, jerr("index %d out of bounds for length %d", i, u16len(s))
		}
		if isASCII(s) {
			return s[i : i+1], nil
		}
		u := utf16.Encode([]rune(s))[i]
		return string(rune(u)), nil
	case "substring":
		b, ok := argInt(args, 0)
		if !ok || n > 2 {
			break
		}
		l := u16len(s)
		e := l
		if n == 2 {
			if e, ok = argInt(args, 1); !ok {
				break
			}
		}
		if b < 0 || e > l || b > e {
			return nil, jerr("begin %d, end %d, length %d", b, e, l)
		}
		return s[u16off(s, b):u16off(s, e)], nil
	case "indexOf", "lastIndexOf":
		if n < 1 || n > 2 {
			break
		}
		sub, ok := argStr(args, 0)
		if !ok {
			c, isInt := argInt(args, 0)
			if !isInt || c < 0 {
				break
			}
			sub = string(rune(c))
		}
		from := -1
		if n == 2 {
			if from, ok = argInt(args, 1); !ok {
				break
			}
		}
		return int64(javaIndexOf(s, sub, from, p.name == "lastIndexOf")), nil
	case "contains":
		if sub, ok := argStr(args, 0); ok && n == 1 {
			return strings.Contains(s, sub), nil
		}
	case "startsWith":
		pre, ok := argStr(args, 0)
		if !ok || n > 2 {
			break
		}
		off := 0
		if n == 2 {
			if off, ok = argInt(args, 1); !ok {
				break
			}
		}
		if off < 0 || off > u16len(s) {
			return false, nil
		}
		return strings.HasPrefix(s[u16off(s, off):], pre), nil
	case "endsWith":
		if suf, ok := argStr(args, 0); ok && n == 1 {
			return strings.HasSuffix(s, suf), nil
		}
	case "equals":
		if n == 1 {
			o, ok := args[0].(string)
			return ok && o == s, nil
		}
	case "equalsIgnoreCase":
		if n == 1 {
			o, ok := args[0].(string)
			return ok && strings.EqualFold(o, s), nil
		}
	case "compareTo", "compareToIgnoreCase":
		o, ok := argStr(args, 0)
		if !ok || n != 1 {
			break
		}
		if p.name == "compareToIgnoreCase" {
			s, o = strings.ToLower(s), strings.ToLower(o)
		}
		return int64(javaCompare(s, o)), nil
	case "concat":
		if o, ok := argStr(args, 0); ok && n == 1 {
			return st.str(p.pos, s+o)
		}
	case "replace":
		if n != 2 {
			break
		}
		old, ok1 := argStr(args, 0)
		neu, ok2 := argStr(args, 1)
		if !ok1 || !ok2 {
			break
		}
		if old == "" {
			if (len(s)+1)*len(neu) > st.opt.MaxOutput {
				return nil, &limitError{"memory"}
			}
			// Java inserts the replacement around every character.
			var b strings.Builder
			b.WriteString(neu)
			for _, r := range s {
				b.WriteRune(r)
				b.WriteString(neu)
			}
			return st.str(p.pos, b.String())
		}
		if strings.Count(s, old)*len(neu) > st.opt.MaxOutput {
			return nil, &limitError{"memory"}
		}
		return st.str(p.pos, strings.ReplaceAll(s, old, neu))
	case "replaceAll", "replaceFirst":
		if n != 2 {
			break
		}
		pat, ok1 := argStr(args, 0)
		repl, ok2 := argStr(args, 1)
		if !ok1 || !ok2 {
			break
		}
		re, err := st.t.regexp(pat)
		if err != nil {
			return nil, err
		}
		out, err := javaReplace(s, re, repl, p.name == "replaceAll", st.opt.MaxOutput)
		if err != nil {
			return nil, err
		}
		return st.str(p.pos, out)
	case "matches":
		pat, ok := argStr(args, 0)
		if !ok || n != 1 {
			break
		}
		re, err := st.t.regexp(pat)
		if err != nil {
			return nil, err
		}
		return re.full.MatchString(s), nil
	case "split":
		pat, ok := argStr(args, 0)
		if !ok || n > 2 {
			break
		}
		limit := 0
		if n == 2 {
			if limit, ok = argInt(args, 1); !ok {
				break
			}
		}
		re, err := st.t.regexp(pat)
		if err != nil {
			return nil, err
		}
		parts := javaSplit(s, re.re, limit)
		if err := st.alloc(p.pos, len(s)+16*len(parts)); err != nil {
			return nil, err
		}
		l := &List{items: make([]any, len(parts))}
		for i, x := range parts {
			l.items[i] = x
		}
		return l, nil
	}
	return nil, ErrNoMethod
}

// javaIndexOf is String.indexOf and lastIndexOf with an optional start index (from < 0: none), in UTF-16
// indexes.
func javaIndexOf(s, sub string, from int, last bool) int {
	l := u16len(s)
	if !last {
		if from < 0 {
			from = 0
		}
		if from > l {
			if sub == "" {
				return l
			}
			return -1
		}
		off := u16off(s, from)
		k := strings.Index(s[off:], sub)
		if k < 0 {
			return -1
		}
		return u16idx(s, off+k)
	}
	end := len(s)
	if from >= 0 {
		if from >= l {
			from = l
		}
		end = min(u16off(s, from)+len(sub), len(s))
	} else if from < -1 {
		return -1
	}
	k := strings.LastIndex(s[:end], sub)
	if k < 0 {
		return -1
	}
	return u16idx(s, k)
}

func javaCompare(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func (st *state) listMethod(l *List, p *part, args []any) (any, error) {
	n := len(args)
	if err := st.work(len(l.items)); err != nil {
		return nil, err
	}
	switch p.name {
	case "size":
		if n == 0 {
			return int64(len(l.items)), nil
		}
	case "isEmpty":
		if n == 0 {
			return len(l.items) == 0, nil
		}
	case "get":
		i, ok := argInt(args, 0)
		if n != 1 || !ok {
			break
		}
		if i < 0 || i >= len(l.items) {
			return nil, jerr("index %d out of bounds for length %d", i, len(l.items))
		}
		return l.items[i], nil
	case "contains":
		if n == 1 {
			return listIndex(l.items, args[0], false) >= 0, nil
		}
	case "indexOf", "lastIndexOf":
		if n == 1 {
			return int64(listIndex(l.items, args[0], p.name == "lastIndexOf")), nil
		}
	case "add":
		if err := st.alloc(p.pos, 16); err != nil {
			return nil, err
		}
		switch n {
		case 1:
			l.items = append(l.items, args[0])
			return true, nil
		case 2:
			i, ok := argInt(args, 0)
			if !ok {
				break
			}
			if i < 0 || i > len(l.items) {
				return nil, jerr("index %d out of bounds for length %d", i, len(l.items))
			}
			l.items = append(l.items[:i], append([]any{args[1]}, l.items[i:]...)...)
			return "", nil
		}
	case "addAll":
		if n != 1 {
			break
		}
		o, ok := args[0].(*List)
		if !ok {
			break
		}
		if err := st.alloc(p.pos, 16*len(o.items)); err != nil {
			return nil, err
		}
		l.items = append(l.items, o.items...)
		return len(o.items) > 0, nil
	case "set":
		i, ok := argInt(args, 0)
		if n != 2 || !ok {
			break
		}
		if i < 0 || i >= len(l.items) {
			return nil, jerr("index %d out of bounds for length %d", i, len(l.items))
		}
		old := l.items[i]
		l.items[i] = args[1]
		return old, nil
	case "remove":
		if n != 1 {
			break
		}
		if i, ok := argInt(args, 0); ok {
			if i < 0 || i >= len(l.items) {
				return nil, jerr("index %d out of bounds for length %d", i, len(l.items))
			}
			old := l.items[i]
			l.items = append(l.items[:i], l.items[i+1:]...)
			return old, nil
		}
		i := listIndex(l.items, args[0], false)
		if i < 0 {
			return false, nil
		}
		l.items = append(l.items[:i], l.items[i+1:]...)
		return true, nil
	case "subList":
		a, ok1 := argInt(args, 0)
		b, ok2 := argInt(args, 1)
		if n != 2 || !ok1 || !ok2 {
			break
		}
		if a < 0 || b > len(l.items) || a > b {
			return nil, jerr("fromIndex %d, toIndex %d, size %d", a, b, len(l.items))
		}
		if err := st.alloc(p.pos, 16*(b-a)); err != nil {
			return nil, err
		}
		return &List{items: append([]any(nil), l.items[a:b]...), json: l.json}, nil
	case "clear":
		if n == 0 {
			clear(l.items)
			l.items = l.items[:0]
			return "", nil
		}
	}
	return nil, ErrNoMethod
}

func listIndex(items []any, x any, last bool) int {
	if last {
		for i := len(items) - 1; i >= 0; i-- {
			if javaEquals(items[i], x) {
				return i
			}
		}
		return -1
	}
	for i, e := range items {
		if javaEquals(e, x) {
			return i
		}
	}
	return -1
}

func (st *state) mapMethod(m *Map, p *part, args []any) (any, error) {
	if err := st.work(m.Len()); err != nil {
		return nil, err
	}
	// Charge what a call can create before making it.
	size := 0
	switch p.name {
	case "put", "putIfAbsent":
		size = 32
	case "putAll":
		if o, ok := argMap(args); ok {
			size = 32 * o.Len()
		}
	case "keySet", "values", "entrySet":
		size = 16 * m.Len()
	}
	if err := st.alloc(p.pos, size); err != nil {
		return nil, err
	}
	return mapCall(m, p.name, args)
}

func argMap(args []any) (*Map, bool) {
	if len(args) != 1 {
		return nil, false
	}
	m, ok := args[0].(*Map)
	return m, ok
}

// Call calls a java.util.Map method on m, as $m.name(args...) does, for a host Object that keeps its
// properties in a Map. It returns ErrNoMethod for a name or arity Map does not have.
func (m *Map) Call(name string, args []any) (any, error) { return mapCall(m, name, args) }

func mapCall(m *Map, name string, args []any) (any, error) {
	n := len(args)
	switch name {
	case "size":
		if n == 0 {
			return int64(m.Len()), nil
		}
	case "isEmpty":
		if n == 0 {
			return m.Len() == 0, nil
		}
	case "get":
		if n == 1 {
			v, _ := m.Get(mapKey(args[0]))
			return v, nil
		}
	case "getOrDefault":
		if n == 2 {
			if v, ok := m.Get(mapKey(args[0])); ok {
				return v, nil
			}
			return args[1], nil
		}
	case "containsKey":
		if n == 1 {
			_, ok := m.Get(mapKey(args[0]))
			return ok, nil
		}
	case "containsValue":
		if n == 1 {
			found := false
			m.each(func(_, v any) bool { found = javaEquals(v, args[0]); return !found })
			return found, nil
		}
	case "put", "putIfAbsent":
		if n != 2 {
			break
		}
		k := mapKey(args[0])
		if name == "putIfAbsent" {
			if v, ok := m.Get(k); ok && v != nil {
				return v, nil
			}
		}
		return m.put(k, args[1])
	case "putAll":
		if n != 1 {
			break
		}
		o, ok := args[0].(*Map)
		if !ok {
			break
		}
		var err error
		o.each(func(k, v any) bool { _, err = m.put(k, v); return err == nil })
		return "", err
	case "remove":
		if n == 1 {
			return m.Remove(mapKey(args[0])), nil
		}
	case "clear":
		if n == 0 {
			m.clear()
			return "", nil
		}
	case "keySet", "values", "entrySet":
		if n != 0 {
			break
		}
		l := &List{items: make([]any, 0, m.Len())}
		m.each(func(k, v any) bool {
			switch name {
			case "keySet":
				l.items = append(l.items, k)
			case "values":
				l.items = append(l.items, v)
			default:
				l.items = append(l.items, &entry{m: m, key: k, val: v})
			}
			return true
		})
		return l, nil
	}
	return nil, ErrNoMethod
}

func entryMethod(e *entry, name string, args []any) (any, error) {
	switch {
	case name == "getKey" && len(args) == 0:
		return e.key, nil
	case name == "getValue" && len(args) == 0:
		return e.val, nil
	case name == "setValue" && len(args) == 1:
		old := e.val
		e.val = args[0]
		_, err := e.m.put(e.key, args[0])
		return old, err
	}
	return nil, ErrNoMethod
}

func scopeMethod(s *loopScope, name string, args []any) (any, error) {
	if len(args) != 0 {
		return nil, ErrNoMethod
	}
	switch name {
	case "getIndex":
		return s.property("index"), nil
	case "getCount":
		return s.property("count"), nil
	case "hasNext", "getHasNext":
		return s.hasNext, nil
	case "isFirst", "getFirst":
		return s.property("first"), nil
	case "isLast", "getLast":
		return s.property("last"), nil
	case "getParent":
		return s.property("parent"), nil
	case "getTopmost":
		return s.property("topmost"), nil
	}
	return nil, ErrNoMethod
}

func numberMethod(v any, name string, args []any) (any, error) {
	if len(args) == 1 {
		switch name {
		case "compareTo":
			if !isNumber(args[0]) || sameKind(v, args[0]) == false {
				return nil, ErrNoMethod
			}
			return int64(compareNumbers(v, args[0])), nil
		case "equals":
			return javaEquals(v, args[0]), nil
		}
		return nil, ErrNoMethod
	}
	if len(args) != 0 {
		return nil, ErrNoMethod
	}
	switch name {
	case "toString":
		return javaString(v), nil
	case "intValue":
		switch v := v.(type) {
		case int64:
			return int64(int32(v)), nil
		case float64:
			return int64(javaD2I(v, math.MinInt32, math.MaxInt32)), nil
		}
	case "longValue":
		switch v := v.(type) {
		case int64:
			return v, nil
		case float64:
			return javaD2I(v, math.MinInt64, math.MaxInt64), nil
		}
	case "doubleValue":
		return toFloat(v), nil
	case "floatValue":
		return float64(float32(toFloat(v))), nil
	case "isNaN":
		if f, ok := v.(float64); ok {
			return math.IsNaN(f), nil
		}
	case "isInfinite":
		if f, ok := v.(float64); ok {
			return math.IsInf(f, 0), nil
		}
	case "hashCode":
		if i, ok := v.(int64); ok {
			return int64(int32(javaHash(i))), nil
		}
	}
	return nil, ErrNoMethod
}

func sameKind(a, b any) bool {
	_, ai := a.(int64)
	_, bi := b.(int64)
	return ai == bi
}

// javaD2I converts a double to an integer as Java's casts do: NaN is 0, out of range saturates.
func javaD2I(f float64, lo, hi int64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f <= float64(lo):
		return lo
	case f >= float64(hi):
		return hi
	}
	return int64(f)
}

func boolMethod(b bool, name string, args []any) (any, error) {
	switch {
	case name == "booleanValue" && len(args) == 0:
		return b, nil
	case name == "toString" && len(args) == 0:
		return strconv.FormatBool(b), nil
	}
	return nil, ErrNoMethod
}
