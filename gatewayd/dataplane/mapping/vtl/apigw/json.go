package apigw

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// maxJSONDepth bounds the nesting of a body; deeper documents are rejected rather than recursed into.
const maxJSONDepth = 512

// parseJSON decodes a JSON text into template values: objects become insertion-ordered *vtl.Map (Java's
// LinkedHashMap), arrays JSON-rendering *vtl.List (json-smart's JSONArray), integers int64 and other
// numbers float64. Like json-smart's permissive mode, which API Gateway's JSONPath parses bodies with, it
// accepts single-quoted strings, unquoted object keys and trailing commas.
func parseJSON(s string) (any, error) {
	d := decoders.Get().(*decoder)
	defer func() {
		clear(d.stack[:cap(d.stack)])
		d.s, d.i, d.stack, d.keys = "", 0, d.stack[:0], d.keys[:0]
		decoders.Put(d)
	}()
	d.s = s
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i < len(d.s) {
		return nil, d.errf("unexpected character %s after the JSON value", d.near())
	}
	return v, nil
}

// decoders keeps the decoders' stacks between bodies.
var decoders = sync.Pool{New: func() any { return new(decoder) }}

type decoder struct {
	s     string
	i     int
	stack []any    // values of the objects and arrays being read, so that each is allocated once
	keys  []string // keys of the objects being read
}

func (d *decoder) errf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *decoder) near() string {
	if d.i >= len(d.s) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(d.s[d.i:])
	return strconv.QuoteRune(r)
}

func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, d.errf("nested deeper than %d levels", maxJSONDepth)
	}
	if d.i >= len(d.s) {
		return nil, d.errf("unexpected end of input")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"' || c == '\'':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	switch {
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return true, nil
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return false, nil
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
		return nil, nil
	}
	return nil, d.errf("unexpected character %s", d.near())
}

func (d *decoder) object(depth int) (any, error) {
	d.i++
	base, kbase := len(d.stack), len(d.keys)
	done := func() *vtl.Map {
		m := vtl.NewMapOf(d.keys[kbase:], d.stack[base:])
		clear(d.stack[base:])
		d.stack, d.keys = d.stack[:base], d.keys[:kbase]
		return m
	}
	for {
		d.ws()
		if d.i >= len(d.s) {
			return nil, d.errf("unexpected end of input in an object")
		}
		if d.s[d.i] == '}' {
			d.i++
			return done(), nil
		}
		var key string
		if c := d.s[d.i]; c == '"' || c == '\'' {
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			key = k
		} else {
			j := d.i
			for j < len(d.s) && (isWordChar(d.s[j])) {
				j++
			}
			if j == d.i {
				return nil, d.errf("expected an object key, found %s", d.near())
			}
			key, d.i = d.s[d.i:j], j
		}
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.errf("expected ':' after an object key, found %s", d.near())
		}
		d.i++
		d.ws()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, key)
		d.stack = append(d.stack, v)
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return done(), nil
		}
		return nil, d.errf("expected ',' or '}' in an object, found %s", d.near())
	}
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '-'
}

func (d *decoder) array(depth int) (any, error) {
	d.i++
	base := len(d.stack)
	done := func() *vtl.List {
		l := vtl.NewJSONList(append([]any(nil), d.stack[base:]...)...)
		clear(d.stack[base:])
		d.stack = d.stack[:base]
		return l
	}
	for {
		d.ws()
		if d.i >= len(d.s) {
			return nil, d.errf("unexpected end of input in an array")
		}
		if d.s[d.i] == ']' {
			d.i++
			return done(), nil
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, v)
		d.ws()
		if d.i < len(d.s) && d.s[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return done(), nil
		}
		return nil, d.errf("expected ',' or ']' in an array, found %s", d.near())
	}
}

func (d *decoder) str() (string, error) {
	q := d.s[d.i]
	d.i++
	start := d.i
	// Fast path: no escapes.
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c == q {
			s := d.s[start:d.i]
			d.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		d.i++
	}
	var b strings.Builder
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == q:
			d.i++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.s) {
			break
		}
		e := d.s[d.i]
		d.i++
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if d.i+4 > len(d.s) {
				return "", d.errf("short \\u escape")
			}
			n, err := strconv.ParseUint(d.s[d.i:d.i+4], 16, 16)
			if err != nil {
				return "", d.errf("invalid \\u escape %q", d.s[d.i:d.i+4])
			}
			d.i += 4
			r := rune(n)
			if utf16.IsSurrogate(r) && strings.HasPrefix(d.s[d.i:], `\u`) && d.i+6 <= len(d.s) {
				if n2, err := strconv.ParseUint(d.s[d.i+2:d.i+6], 16, 16); err == nil {
					if p := utf16.DecodeRune(r, rune(n2)); p != utf8.RuneError {
						r = p
						d.i += 6
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(e) // \" \\ \/ \' and, leniently, any other character
		}
	}
	return "", d.errf("unterminated string")
}

func (d *decoder) number() (any, error) {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
	}
	if d.i == digits {
		return nil, d.errf("invalid number")
	}
	isFloat := false
	if d.i < len(d.s) && d.s[d.i] == '.' {
		isFloat = true
		d.i++
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		isFloat = true
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
		}
	}
	lit := d.s[start:d.i]
	if !isFloat {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return nil, d.errf("invalid number %q", lit)
		}
	}
	return f, nil
}
