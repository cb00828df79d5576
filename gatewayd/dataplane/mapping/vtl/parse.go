package vtl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Template is a compiled template. It is immutable after Parse and safe for concurrent Execute calls.
type Template struct {
	name   string
	src    string
	nodes  []node
	names  []string // variable slot -> name
	slots  map[string]int
	macros map[string]*macro

	regexps sync.Map // Java regex source -> *regexEntry, bounded by regexCount
	nregexp int32
}

// Name returns the name the template was parsed with.
func (t *Template) Name() string { return t.name }

// Error is a parse or evaluation error at a place in the template. Line and Col are 1-based; Col counts
// characters.
type Error struct {
	Template  string
	Line, Col int
	Msg       string
	Err       error // the cause of an evaluation error, if any
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func (t *Template) errorAt(off int, err error, format string, args ...any) *Error {
	line, col := position(t.src, off)
	return &Error{Template: t.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Err: err}
}

func position(src string, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	line = 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return line, utf8.RuneCountInString(src[start:off]) + 1
}

// maxParseDepth bounds the nesting of blocks, expressions and interpolated strings, so that no template
// text can exhaust the parser's stack.
const maxParseDepth = 200

// Parse compiles a template. A syntax error is an *Error.
func Parse(name, src string) (*Template, error) {
	t := &Template{name: name, src: src, slots: map[string]int{}, macros: map[string]*macro{}}
	p := &parser{t: t, src: src}
	nodes, term, at, err := p.parseNodes(false)
	if err != nil {
		return nil, err
	}
	if term != termEOF {
		return nil, t.errorAt(at, nil, "unexpected directive")
	}
	for _, c := range p.calls {
		c.m = t.macros[c.name]
		if c.m != nil {
			for _, a := range c.args {
				if _, ok := a.(wordArg); ok {
					return nil, t.errorAt(c.pos, nil, "#%s: a macro argument must be a value, not a bare word", c.name)
				}
			}
		}
	}
	t.nodes = nodes
	return t, nil
}

func (t *Template) slot(name string) int {
	if i, ok := t.slots[name]; ok {
		return i
	}
	t.slots[name] = len(t.names)
	t.names = append(t.names, name)
	return len(t.names) - 1
}

// Uses reports whether the template names the variable $name anywhere, so that a host can skip building
// variables a template never reads.
func (t *Template) Uses(name string) bool { return t.slotOf(name) >= 0 }

// slotOf returns a variable's slot, or -1 when the template never names it.
func (t *Template) slotOf(name string) int {
	if i, ok := t.slots[name]; ok {
		return i
	}
	return -1
}

type term uint8

const (
	termEOF term = iota
	termEnd
	termElse
	termElseIf
)

// wordArg is a bare word in a directive's arguments: the "in" of #foreach, or schmoo in an unknown one.
type wordArg string

type parser struct {
	t      *Template
	src    string
	pos    int
	base   int // offset of src[0] in the template; -1 inside a string literal whose text was unescaped
	anchor int // where to report errors when base is -1
	depth  int
	calls  []*macroCallNode
}

func (p *parser) abs(i int) int {
	if p.base < 0 {
		return p.anchor
	}
	return p.base + i
}

func (p *parser) errf(i int, format string, args ...any) error {
	return p.t.errorAt(p.abs(i), nil, format, args...)
}

func (p *parser) enter(i int) error {
	p.depth++
	if p.depth > maxParseDepth {
		return p.errf(i, "nesting deeper than %d levels", maxParseDepth)
	}
	return nil
}

var directiveNames = map[string]bool{
	"if": true, "elseif": true, "else": true, "end": true, "set": true, "foreach": true, "define": true,
	"macro": true, "break": true, "stop": true, "include": true, "parse": true, "evaluate": true, "literal": true,
}

// parseNodes parses template text until the end of the source or, inside a block, until #end, #else or
// #elseif, which it reports with its offset. Whitespace follows Velocity 1.7's lexer: a directive's
// closing parenthesis, #else and #end swallow the rest of their line when it is blank, and #set also
// swallows the blanks before it when nothing else precedes them on the token stream.
func (p *parser) parseNodes(inBlock bool) ([]node, term, int, error) {
	if err := p.enter(p.pos); err != nil {
		return nil, 0, 0, err
	}
	defer func() { p.depth-- }()
	var (
		nodes []node
		text  strings.Builder
		seg   = p.pos // start of source text not yet copied to text
	)
	flush := func(end int) {
		text.WriteString(p.src[seg:end])
		if text.Len() > 0 {
			nodes = append(nodes, &textNode{s: text.String()})
			text.Reset()
		}
	}
	src := p.src
	for p.pos < len(src) {
		i := p.pos
		switch src[i] {
		case '$':
			if n, ok := p.slashBang(i); ok {
				r, _, ok, err := p.parseRefSkip(i, n)
				if err != nil {
					return nil, 0, 0, err
				}
				if !ok {
					p.pos = i + 1
					continue
				}
				flush(i)
				text.WriteString("$" + strings.Repeat("\\", n-1) + r.src[1+n:])
				seg = p.pos
				continue
			}
			r, quiet, ok, err := p.parseRef(i)
			if err != nil {
				return nil, 0, 0, err
			}
			if !ok {
				p.pos = i + 1
				continue
			}
			flush(i)
			nodes = append(nodes, &refNode{ref: r, quiet: quiet})
			seg = p.pos
		case '\\':
			j := i
			for j < len(src) && src[j] == '\\' {
				j++
			}
			n := j - i
			if j < len(src) && src[j] == '$' {
				p.pos = j
				if k, ok := p.slashBang(j); ok {
					r, _, ok, err := p.parseRefSkip(j, k)
					if err != nil {
						return nil, 0, 0, err
					}
					if !ok {
						p.pos = j + 1
						continue
					}
					flush(i)
					text.WriteString(src[i:j] + "$" + strings.Repeat("\\", k-1) + r.src[1+k:])
					seg = p.pos
					continue
				}
				r, quiet, ok, err := p.parseRef(j)
				if err != nil {
					return nil, 0, 0, err
				}
				if !ok {
					p.pos = j + 1
					continue
				}
				flush(i)
				nodes = append(nodes, &refNode{ref: r, quiet: quiet, escaped: n%2 == 1, esc: src[i : i+n/2]})
				seg = p.pos
				continue
			}
			if j < len(src) && src[j] == '#' {
				if name, end, ok := directiveWord(src, j+1); ok {
					known := directiveNames[name] || p.t.macros[name] != nil
					if n%2 == 1 {
						// An escaped directive prints as itself, one backslash pair fewer.
						flush(i)
						if known {
							text.WriteString(src[i : i+n/2])
							text.WriteString(src[j:end])
						} else {
							text.WriteString(src[i:end])
						}
						p.pos, seg = end, end
						continue
					}
					// Pairs of backslashes before a live directive print as one each.
					flush(i)
					if known && name != "set" {
						text.WriteString(src[i : i+n/2])
					} else {
						text.WriteString(src[i:j])
					}
					p.pos, seg = j, j
					continue
				}
			}
			flush(i)
			text.WriteString(src[i:j])
			p.pos, seg = j, j
		case '#':
			if i+1 < len(src) {
				switch src[i+1] {
				case '#':
					flush(i)
					p.pos = lineEnd(src, i+2)
					seg = p.pos
					continue
				case '*':
					k := strings.Index(src[i+2:], "*#")
					if k < 0 {
						return nil, 0, 0, p.errf(i, "#* comment without a closing *#")
					}
					flush(i)
					p.pos = i + 2 + k + 2
					seg = p.pos
					continue
				case '[':
					if strings.HasPrefix(src[i+1:], "[[") {
						k := strings.Index(src[i+3:], "]]#")
						if k < 0 {
							return nil, 0, 0, p.errf(i, "#[[ without a closing ]]#")
						}
						flush(i)
						text.WriteString(src[i+3 : i+3+k])
						p.pos = i + 3 + k + 3
						seg = p.pos
						continue
					}
				}
			}
			if end, ok := matchSet(src, i); ok {
				if strings.Trim(src[seg:i], " \t") == "" {
					flush(seg) // #set swallows the blanks that start its line
				} else {
					flush(i)
				}
				n, err := p.parseSet(i, end)
				if err != nil {
					return nil, 0, 0, err
				}
				nodes = append(nodes, n)
				seg = p.pos
				continue
			}
			name, end, ok := directiveWord(src, i+1)
			if !ok {
				p.pos = i + 1
				continue
			}
			switch name {
			case "end", "else", "elseif":
				if !inBlock {
					flush(i)
					if name == "end" {
						return nil, 0, 0, p.errf(i, "#end without a matching #if/#foreach/#define/#macro")
					}
					return nil, 0, 0, p.errf(i, "#%s without a matching #if", name)
				}
				flush(i)
				p.pos = end
				switch name {
				case "end":
					p.eatLine()
					return nodes, termEnd, i, nil
				case "else":
					p.eatLine()
					return nodes, termElse, i, nil
				}
				return nodes, termElseIf, i, nil
			}
			flush(i)
			p.pos = end
			n, err := p.parseDirective(i, name)
			if err != nil {
				return nil, 0, 0, err
			}
			if n != nil {
				nodes = append(nodes, n)
			}
			seg = p.pos
		default:
			k := strings.IndexAny(src[i:], "$#\\")
			if k < 0 {
				p.pos = len(src)
			} else {
				p.pos = i + k
			}
		}
	}
	flush(len(src))
	return nodes, termEOF, len(src), nil
}

func lineEnd(src string, i int) int {
	for ; i < len(src); i++ {
		switch src[i] {
		case '\n':
			return i + 1
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				return i + 2
			}
			return i + 1
		}
	}
	return i
}

// eatLine swallows blanks and one line break after a directive, when nothing else follows on its line.
func (p *parser) eatLine() {
	j := p.pos
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	if j < len(p.src) && (p.src[j] == '\n' || p.src[j] == '\r') {
		p.pos = lineEnd(p.src, j)
	}
}

// matchSet matches "#set (" or "#{set}(" at i and returns the offset after the parenthesis.
func matchSet(src string, i int) (int, bool) {
	var j int
	switch {
	case strings.HasPrefix(src[i:], "#set"):
		j = i + 4
	case strings.HasPrefix(src[i:], "#{set}"):
		j = i + 6
	default:
		return 0, false
	}
	for j < len(src) && src[j] == ' ' {
		j++
	}
	if j < len(src) && src[j] == '(' {
		return j + 1, true
	}
	return 0, false
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func identStart(c byte) bool {
	return isAlpha(c) || c == '_'
}
func identChar(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' || c == '-' }
func wordChar(c byte) bool  { return isAlpha(c) || isDigit(c) || c == '_' || c == '@' }

// directiveWord reads a directive name at i ("name" or "{name}") and returns it with the offset after it.
func directiveWord(src string, i int) (string, int, bool) {
	if i >= len(src) {
		return "", 0, false
	}
	if src[i] == '{' {
		j := i + 1
		if j >= len(src) || !identStart(src[j]) {
			return "", 0, false
		}
		for j < len(src) && wordChar(src[j]) {
			j++
		}
		if j >= len(src) || src[j] != '}' {
			return "", 0, false
		}
		return src[i+1 : j], j + 1, true
	}
	if !identStart(src[i]) && src[i] != '@' {
		return "", 0, false
	}
	j := i + 1
	for j < len(src) && wordChar(src[j]) {
		j++
	}
	return src[i:j], j, true
}

// parseRef parses a reference at src[i] == '$'. ok is false when the $ starts no reference and is text.
func (p *parser) parseRef(i int) (r *refExpr, quiet, ok bool, err error) {
	return p.parseRefSkip(i, 0)
}

// slashBang reports whether "$\!" (backslashes between $ and !) starts a reference at i, and how many
// backslashes there are. Velocity prints such a reference as text, one backslash fewer, unevaluated.
func (p *parser) slashBang(i int) (int, bool) {
	j := i + 1
	for j < len(p.src) && p.src[j] == '\\' {
		j++
	}
	n := j - i - 1
	if n == 0 || j+1 >= len(p.src) || p.src[j] != '!' {
		return 0, false
	}
	if c := p.src[j+1]; c != '{' {
		return n, identStart(c)
	}
	return n, j+2 < len(p.src) && identStart(p.src[j+2])
}

func (p *parser) parseRefSkip(i, skip int) (r *refExpr, quiet, ok bool, err error) {
	src := p.src
	j := i + 1 + skip
	if j < len(src) && src[j] == '!' {
		quiet = true
		j++
	}
	formal := false
	if j < len(src) && src[j] == '{' {
		formal = true
		j++
	}
	if j >= len(src) || !identStart(src[j]) {
		return nil, false, false, nil
	}
	if err := p.enter(i); err != nil {
		return nil, false, false, err
	}
	defer func() { p.depth-- }()
	k := j + 1
	for k < len(src) && identChar(src[k]) {
		k++
	}
	r = &refExpr{pos: p.abs(i), name: src[j:k], slot: p.t.slot(src[j:k])}
	p.pos = k
	for p.pos < len(src) {
		c := src[p.pos]
		if c == '[' {
			at := p.pos
			p.pos++
			x, err := p.parseExpr()
			if err != nil {
				return nil, false, false, err
			}
			p.skipWS()
			if p.pos >= len(src) || src[p.pos] != ']' {
				return nil, false, false, p.errf(p.pos, "expected ] to close the index of %s", src[i:at])
			}
			p.pos++
			r.parts = append(r.parts, part{kind: partIndex, pos: p.abs(at), args: []expr{x}})
			continue
		}
		if c == '.' && p.pos+1 < len(src) && isAlpha(src[p.pos+1]) {
			s := p.pos + 1
			e := s + 1
			for e < len(src) && identChar(src[e]) {
				e++
			}
			p.pos = e
			if e < len(src) && src[e] == '(' {
				p.pos++
				args, err := p.parseArgs(')')
				if err != nil {
					return nil, false, false, err
				}
				r.parts = append(r.parts, part{kind: partMethod, pos: p.abs(s), name: src[s:e], args: args})
				continue
			}
			r.parts = append(r.parts, part{kind: partProp, pos: p.abs(s), name: src[s:e]})
			continue
		}
		break
	}
	if formal {
		if p.pos >= len(src) || src[p.pos] != '}' {
			return nil, false, false, p.errf(p.pos, "expected } to close %s", src[i:p.pos])
		}
		p.pos++
	}
	r.src = src[i:p.pos]
	return r, quiet, true, nil
}

// parseArgs parses comma-separated expressions up to the closing character.
func (p *parser) parseArgs(close byte) ([]expr, error) {
	var args []expr
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == close {
		p.pos++
		return nil, nil
	}
	for {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		args = append(args, x)
		p.skipWS()
		if p.pos >= len(p.src) {
			return nil, p.errf(p.pos, "expected %q before the end of the template", close)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case close:
			p.pos++
			return args, nil
		default:
			return nil, p.errf(p.pos, "expected , or %q, found %s", close, p.near())
		}
	}
}

func (p *parser) near() string {
	if p.pos >= len(p.src) {
		return "the end of the template"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return strconv.QuoteRune(r)
}

func (p *parser) skipWS() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) expect(c byte, what string) error {
	p.skipWS()
	if p.pos >= len(p.src) || p.src[p.pos] != c {
		return p.errf(p.pos, "expected %q %s, found %s", c, what, p.near())
	}
	p.pos++
	return nil
}

// leftParen reports whether blanks and a "(" follow, as Velocity decides whether #name takes arguments.
func (p *parser) leftParen() bool {
	j := p.pos
	for j < len(p.src) && strings.IndexByte(" \t\r\n", p.src[j]) >= 0 {
		j++
	}
	return j < len(p.src) && p.src[j] == '('
}

func (p *parser) parseSet(at, afterParen int) (node, error) {
	p.pos = afterParen
	p.skipWS()
	if p.pos >= len(p.src) || p.src[p.pos] != '$' {
		return nil, p.errf(p.pos, "#set must assign to a reference, found %s", p.near())
	}
	target, _, ok, err := p.parseRef(p.pos)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errf(p.pos, "#set must assign to a reference")
	}
	if n := len(target.parts); n > 0 && target.parts[n-1].kind == partMethod {
		return nil, p.errf(p.pos, "#set cannot assign to a method call: %s", target.src)
	}
	if err := p.expect('=', "in #set"); err != nil {
		return nil, err
	}
	v, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')', "to close #set"); err != nil {
		return nil, err
	}
	p.eatLine()
	return &setNode{pos: p.abs(at), target: target, value: v}, nil
}

func (p *parser) closeDirective(name string) error {
	if err := p.expect(')', "to close #"+name); err != nil {
		return err
	}
	p.eatLine()
	return nil
}

func (p *parser) parseDirective(at int, name string) (node, error) {
	switch name {
	case "if":
		return p.parseIf(at)
	case "foreach":
		return p.parseForeach(at)
	case "define":
		if err := p.expect('(', "after #define"); err != nil {
			return nil, err
		}
		r, err := p.simpleRef("#define")
		if err != nil {
			return nil, err
		}
		if err := p.closeDirective(name); err != nil {
			return nil, err
		}
		body, err := p.blockBody(at, "#define")
		if err != nil {
			return nil, err
		}
		return &defineNode{slot: r.slot, body: body}, nil
	case "macro":
		return nil, p.parseMacro(at)
	case "break", "stop":
		n := &breakNode{pos: p.abs(at)}
		if p.leftParen() {
			p.skipWS()
			p.pos++
			args, err := p.parseArgs(')')
			if err != nil {
				return nil, err
			}
			if len(args) > 1 || name == "stop" && len(args) > 0 {
				return nil, p.errf(at, "#%s takes at most one argument", name)
			}
			if len(args) == 1 {
				n.scope = args[0]
			}
			p.eatLine()
		}
		if name == "stop" {
			return &stopNode{}, nil
		}
		return n, nil
	case "include", "parse", "evaluate", "literal":
		return nil, p.errf(at, "#%s is not supported", name)
	}
	return p.parseCall(at, name)
}

// simpleRef parses $name, as #foreach, #define and #macro take it.
func (p *parser) simpleRef(what string) (*refExpr, error) {
	p.skipWS()
	at := p.pos
	if p.pos < len(p.src) && p.src[p.pos] == '$' {
		r, _, ok, err := p.parseRef(p.pos)
		if err != nil {
			return nil, err
		}
		if ok && len(r.parts) == 0 {
			return r, nil
		}
	}
	p.pos = at
	return nil, p.errf(at, "%s needs a variable like $name, found %s", what, p.near())
}

// blockBody parses a block up to its #end.
func (p *parser) blockBody(at int, what string) ([]node, error) {
	body, term, tat, err := p.parseNodes(true)
	if err != nil {
		return nil, err
	}
	switch term {
	case termEOF:
		return nil, p.errf(at, "%s without a matching #end", what)
	case termElse, termElseIf:
		return nil, p.errf(tat, "#else without a matching #if")
	}
	return body, nil
}

func (p *parser) parseCond(name string) (expr, error) {
	p.skipWS()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.errf(p.pos, "#%s needs a condition in parentheses", name)
	}
	p.pos++
	c, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.closeDirective(name); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) parseIf(at int) (node, error) {
	n := &ifNode{}
	name := "if"
	for {
		c, err := p.parseCond(name)
		if err != nil {
			return nil, err
		}
		body, term, tat, err := p.parseNodes(true)
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, c)
		n.blocks = append(n.blocks, body)
		switch term {
		case termEOF:
			return nil, p.errf(at, "#if without a matching #end")
		case termEnd:
			return n, nil
		case termElseIf:
			name = "elseif"
			continue
		}
		els, term, tat2, err := p.parseNodes(true)
		if err != nil {
			return nil, err
		}
		switch term {
		case termEOF:
			return nil, p.errf(at, "#if without a matching #end")
		case termElse, termElseIf:
			return nil, p.errf(tat2, "#else or #elseif after the #else at %s", p.where(tat))
		}
		if els == nil {
			els = []node{}
		}
		n.els = els
		return n, nil
	}
}

func (p *parser) where(i int) string {
	l, c := position(p.t.src, p.abs(i))
	return fmt.Sprintf("line %d, column %d", l, c)
}

func (p *parser) parseForeach(at int) (node, error) {
	if err := p.expect('(', "after #foreach"); err != nil {
		return nil, err
	}
	v, err := p.simpleRef("#foreach")
	if err != nil {
		return nil, err
	}
	p.skipComma()
	if !p.keyword("in") {
		return nil, p.errf(p.pos, "#foreach expects 'in' after %s, found %s", v.src, p.near())
	}
	p.skipComma()
	items, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.closeDirective("foreach"); err != nil {
		return nil, err
	}
	body, err := p.blockBody(at, "#foreach")
	if err != nil {
		return nil, err
	}
	return &foreachNode{pos: p.abs(at), slot: v.slot, items: items, body: body}, nil
}

func (p *parser) skipComma() {
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == ',' {
		p.pos++
		p.skipWS()
	}
}

// keyword consumes word w when it stands alone.
func (p *parser) keyword(w string) bool {
	if !strings.HasPrefix(p.src[p.pos:], w) {
		return false
	}
	e := p.pos + len(w)
	if e < len(p.src) && wordChar(p.src[e]) {
		return false
	}
	p.pos = e
	return true
}

func (p *parser) parseMacro(at int) error {
	if err := p.expect('(', "after #macro"); err != nil {
		return err
	}
	p.skipWS()
	name, end, ok := directiveWord(p.src, p.pos)
	if !ok || strings.HasPrefix(name, "@") {
		return p.errf(p.pos, "#macro needs a name first, found %s", p.near())
	}
	p.pos = end
	m := &macro{name: name}
	for {
		p.skipComma()
		if p.pos < len(p.src) && p.src[p.pos] == ')' {
			break
		}
		r, err := p.simpleRef("a #macro parameter")
		if err != nil {
			return err
		}
		m.params = append(m.params, r.slot)
	}
	if err := p.closeDirective("macro"); err != nil {
		return err
	}
	// Registered before its body so that the body can call itself; depth limits bound the recursion.
	p.t.macros[name] = m
	body, err := p.blockBody(at, "#macro")
	if err != nil {
		return err
	}
	m.body = body
	return nil
}

// parseCall parses #name or #name(args): a macro call, or text when no macro has that name.
func (p *parser) parseCall(at int, name string) (node, error) {
	c := &macroCallNode{pos: p.abs(at), name: name}
	if strings.HasPrefix(name, "@") {
		c.block = true
		c.name = name[1:]
	}
	if p.leftParen() {
		p.skipWS()
		p.pos++
		for {
			p.skipComma()
			if p.pos >= len(p.src) {
				return nil, p.errf(at, "#%s( without a closing )", name)
			}
			if p.src[p.pos] == ')' {
				p.pos++
				break
			}
			if w, end, ok := directiveWord(p.src, p.pos); ok && p.src[p.pos] != '{' && !isKeywordValue(w) {
				c.args = append(c.args, wordArg(w))
				p.pos = end
				continue
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, x)
		}
		p.eatLine()
	}
	c.lit = p.src[at:p.pos]
	if c.block {
		body, err := p.blockBody(at, "#"+name)
		if err != nil {
			return nil, err
		}
		c.body = body
		c.lit = p.src[at:p.pos] // without a macro the whole block is text
	}
	p.calls = append(p.calls, c)
	return c, nil
}

func isKeywordValue(w string) bool { return w == "true" || w == "false" }

// Expressions.

func (p *parser) parseExpr() (expr, error) {
	if err := p.enter(p.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.parseBinary(0)
}

// binary operators by precedence level, lowest first.
var levels = [][]struct {
	sym, word string
	op        opKind
}{
	{{"||", "or", opOr}},
	{{"&&", "and", opAnd}},
	{{"==", "eq", opEq}, {"!=", "ne", opNe}},
	{{"<=", "le", opLe}, {">=", "ge", opGe}, {"<", "lt", opLt}, {">", "gt", opGt}},
	{{"+", "", opAdd}, {"-", "", opSub}},
	{{"*", "", opMul}, {"/", "", opDiv}, {"%", "", opMod}},
}

func (p *parser) parseBinary(level int) (expr, error) {
	if level == len(levels) {
		return p.parseUnary()
	}
	l, err := p.parseBinary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		p.skipWS()
		at := p.pos
		op, ok := p.matchOp(level)
		if !ok {
			return l, nil
		}
		r, err := p.parseBinary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos: p.abs(at), op: op, l: l, r: r}
	}
}

func (p *parser) matchOp(level int) (opKind, bool) {
	rest := p.src[p.pos:]
	for _, o := range levels[level] {
		if strings.HasPrefix(rest, o.sym) {
			// "=" alone is not "==", and "!" of "!=" is handled by the equality level first.
			p.pos += len(o.sym)
			return o.op, true
		}
		if o.word != "" && p.keyword(o.word) {
			return o.op, true
		}
	}
	return 0, false
}

func (p *parser) parseUnary() (expr, error) {
	p.skipWS()
	if err := p.enter(p.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.pos < len(p.src) && p.src[p.pos] == '!' && !strings.HasPrefix(p.src[p.pos:], "!=") {
		p.pos++
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &notExpr{x: x}, nil
	}
	if p.keyword("not") {
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &notExpr{x: x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (expr, error) {
	p.skipWS()
	if p.pos >= len(p.src) {
		return nil, p.errf(p.pos, "expected a value, found the end of the template")
	}
	at := p.pos
	c := p.src[at]
	switch {
	case c == '$':
		r, _, ok, err := p.parseRef(at)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	case c == '"' || c == '\'':
		return p.parseString()
	case isDigit(c) || (c == '-' || c == '.') && at+1 < len(p.src) && isDigit(p.src[at+1]):
		return p.parseNumber()
	case c == '(':
		p.pos++
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(')', "to close the parenthesis"); err != nil {
			return nil, err
		}
		return x, nil
	case c == '[':
		return p.parseList()
	case c == '{':
		return p.parseMap()
	case p.keyword("true"):
		return &constExpr{v: true}, nil
	case p.keyword("false"):
		return &constExpr{v: false}, nil
	}
	return nil, p.errf(at, "expected a value, found %s", p.near())
}

func (p *parser) parseNumber() (expr, error) {
	s := p.pos
	i := s
	if p.src[i] == '-' {
		i++
	}
	for i < len(p.src) && isDigit(p.src[i]) {
		i++
	}
	float := false
	if i < len(p.src) && p.src[i] == '.' && !strings.HasPrefix(p.src[i:], "..") {
		float = true
		i++
		for i < len(p.src) && isDigit(p.src[i]) {
			i++
		}
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		j := i + 1
		if j < len(p.src) && (p.src[j] == '+' || p.src[j] == '-') {
			j++
		}
		if j < len(p.src) && isDigit(p.src[j]) {
			float = true
			for j < len(p.src) && isDigit(p.src[j]) {
				j++
			}
			i = j
		}
	}
	p.pos = i
	lit := p.src[s:i]
	if !float {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return &constExpr{v: n}, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(f, 0) {
		return nil, p.errf(s, "invalid number %s", lit)
	}
	return &constExpr{v: f}, nil
}

// parseString parses a string literal. Single quotes are literal; double quotes interpolate references and
// directives. A quote doubles to escape itself, and "\uXXXX" is a character in double quotes.
func (p *parser) parseString() (expr, error) {
	s := p.pos
	q := p.src[s]
	i := s + 1
	for {
		k := strings.IndexByte(p.src[i:], q)
		if k < 0 {
			return nil, p.errf(s, "string literal without a closing %c", q)
		}
		i += k
		if i+1 < len(p.src) && p.src[i+1] == q {
			i += 2
			continue
		}
		break
	}
	raw := p.src[s+1 : i]
	p.pos = i + 1
	text := strings.ReplaceAll(raw, string([]byte{q, q}), string(q))
	if q == '\'' {
		return &constExpr{v: text}, nil
	}
	text = unescapeUnicode(text)
	if !strings.ContainsAny(text, "$#") {
		return &constExpr{v: text}, nil
	}
	sub := &parser{t: p.t, src: text, depth: p.depth, base: -1, anchor: p.abs(s)}
	if text == raw && p.base >= 0 {
		sub.base = p.abs(s + 1)
	}
	nodes, term, at, err := sub.parseNodes(false)
	if err != nil {
		return nil, err
	}
	if term != termEOF {
		return nil, sub.errf(at, "unexpected directive in a string")
	}
	p.calls = append(p.calls, sub.calls...)
	if len(nodes) == 0 {
		return &constExpr{v: ""}, nil
	}
	if len(nodes) == 1 {
		if t, ok := nodes[0].(*textNode); ok {
			return &constExpr{v: t.s}, nil
		}
	}
	return &strExpr{nodes: nodes}, nil
}

func unescapeUnicode(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b strings.Builder
	for {
		k := strings.Index(s, `\u`)
		if k < 0 || k+6 > len(s) {
			b.WriteString(s)
			return b.String()
		}
		n, err := strconv.ParseUint(s[k+2:k+6], 16, 16)
		if err != nil {
			b.WriteString(s[:k+2])
			s = s[k+2:]
			continue
		}
		b.WriteString(s[:k])
		b.WriteRune(rune(n))
		s = s[k+6:]
	}
}

func (p *parser) parseList() (expr, error) {
	at := p.pos
	p.pos++
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return &listExpr{}, nil
	}
	first, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	p.skipWS()
	if strings.HasPrefix(p.src[p.pos:], "..") {
		p.pos += 2
		to, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(']', "to close the range"); err != nil {
			return nil, err
		}
		return &rangeExpr{pos: p.abs(at), from: first, to: to}, nil
	}
	l := &listExpr{items: []expr{first}}
	for {
		p.skipWS()
		if p.pos >= len(p.src) {
			return nil, p.errf(at, "[ without a closing ]")
		}
		switch p.src[p.pos] {
		case ']':
			p.pos++
			return l, nil
		case ',':
			p.pos++
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, x)
		default:
			return nil, p.errf(p.pos, "expected , or ] in a list, found %s", p.near())
		}
	}
}

func (p *parser) parseMap() (expr, error) {
	at := p.pos
	p.pos++
	m := &mapExpr{}
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return m, nil
	}
	for {
		k, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':', "after a map key"); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, k)
		m.vals = append(m.vals, v)
		p.skipWS()
		if p.pos >= len(p.src) {
			return nil, p.errf(at, "{ without a closing }")
		}
		switch p.src[p.pos] {
		case '}':
			p.pos++
			return m, nil
		case ',':
			p.pos++
		default:
			return nil, p.errf(p.pos, "expected , or } in a map, found %s", p.near())
		}
	}
}
