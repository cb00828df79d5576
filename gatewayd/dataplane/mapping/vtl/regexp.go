package vtl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
)

// regexEntry is a Java regex compiled for Go: re for find and split, full anchored for matches().
type regexEntry struct {
	re, full *regexp.Regexp
	err      error
}

// regexCount bounds the compiled regexes a template caches; patterns built at run time beyond it are
// compiled on each use.
const regexCount = 64

// regexp compiles a Java regular expression. Go's RE2 has no lookaround, backreferences or possessive
// quantifiers: such patterns are an error, never a panic. Matching is linear in the input.
func (t *Template) regexp(pat string) (*regexEntry, error) {
	if e, ok := t.regexps.Load(pat); ok {
		re := e.(*regexEntry)
		return re, re.err
	}
	e := &regexEntry{}
	goPat := translateRegexp(pat)
	if e.re, e.err = regexp.Compile(goPat); e.err == nil {
		e.full, e.err = regexp.Compile(`\A(?:` + goPat + `)\z`)
	}
	if e.err != nil {
		e.err = &javaError{msg: fmt.Sprintf("regular expression %q is not supported: %v", pat, e.err)}
	}
	if atomic.AddInt32(&t.nregexp, 1) <= regexCount {
		t.regexps.Store(pat, e)
	}
	return e, e.err
}

// posixClasses maps Java's \p{Name} POSIX classes, which RE2 spells differently.
var posixClasses = map[string]string{
	"Lower": `a-z`, "Upper": `A-Z`, "ASCII": `\x00-\x7F`, "Alpha": `a-zA-Z`, "Digit": `0-9`,
	"Alnum": `a-zA-Z0-9`, "Punct": `!-/:-@\[-` + "`" + `{-~`, "Graph": `!-~`, "Print": ` -~`, "Blank": ` \t`,
	"Cntrl": `\x00-\x1F\x7F`, "XDigit": `0-9a-fA-F`, "Space": ` \t\n\x0B\f\r`,
}

func translateRegexp(pat string) string {
	if !strings.Contains(pat, `\p{`) && !strings.Contains(pat, `\P{`) {
		return pat
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' && i+1 < len(pat) {
			if (pat[i+1] == 'p' || pat[i+1] == 'P') && i+2 < len(pat) && pat[i+2] == '{' {
				if end := strings.IndexByte(pat[i+3:], '}'); end >= 0 {
					name := strings.TrimPrefix(pat[i+3:i+3+end], "Is")
					if cls, ok := posixClasses[name]; ok {
						neg := pat[i+1] == 'P'
						switch {
						case inClass && !neg:
							b.WriteString(cls)
						case neg:
							b.WriteString("[^" + cls + "]")
						default:
							b.WriteString("[" + cls + "]")
						}
						i += 3 + end
						continue
					}
				}
			}
			b.WriteByte(c)
			b.WriteByte(pat[i+1])
			i++
			continue
		}
		switch c {
		case '[':
			inClass = true
		case ']':
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// javaReplace is String.replaceAll/replaceFirst: in the replacement, $n and ${name} insert groups and a
// backslash quotes the next character.
func javaReplace(s string, e *regexEntry, repl string, all bool, max int) (string, error) {
	re := e.re
	n := 1
	if all {
		n = -1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return s, nil
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		if err := expandJava(&b, repl, s, m, re); err != nil {
			return "", err
		}
		last = m[1]
		if b.Len() > max {
			return "", &limitError{"memory"}
		}
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func expandJava(b *strings.Builder, repl, s string, m []int, re *regexp.Regexp) error {
	groups := len(m)/2 - 1
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i >= len(repl) {
				return &javaError{"character to be escaped is missing"}
			}
			b.WriteByte(repl[i])
		case '$':
			i++
			if i >= len(repl) {
				return &javaError{"illegal group reference: group index is missing"}
			}
			g := -1
			if repl[i] == '{' {
				end := strings.IndexByte(repl[i:], '}')
				if end < 0 {
					return &javaError{"named capturing group is missing trailing '}'"}
				}
				name := repl[i+1 : i+end]
				g = re.SubexpIndex(name)
				if g < 0 {
					return &javaError{fmt.Sprintf("no group with name {%s}", name)}
				}
				i += end
			} else {
				if repl[i] < '0' || repl[i] > '9' {
					return &javaError{"illegal group reference"}
				}
				g = int(repl[i] - '0')
				// Java takes more digits while they still name an existing group.
				for i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' {
					next := g*10 + int(repl[i+1]-'0')
					if next > groups {
						break
					}
					g = next
					i++
				}
			}
			if g > groups {
				return &javaError{"no group " + strconv.Itoa(g)}
			}
			if m[2*g] >= 0 {
				b.WriteString(s[m[2*g]:m[2*g+1]])
			}
		default:
			b.WriteByte(c)
		}
	}
	return nil
}

// javaSplit is String.split(regex, limit): with limit 0 trailing empty strings are dropped, and a
// zero-width match at the start yields no leading empty string.
func javaSplit(s string, re *regexp.Regexp, limit int) []string {
	if s == "" {
		return []string{""}
	}
	var parts []string
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if limit > 0 && len(parts) >= limit-1 {
			break
		}
		if m[1] == 0 {
			continue
		}
		if m[0] == m[1] && m[0] >= len(s) {
			break
		}
		parts = append(parts, s[last:m[0]])
		last = m[1]
	}
	if parts == nil {
		return []string{s}
	}
	parts = append(parts, s[last:])
	if limit == 0 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	return parts
}
