package apigw

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// utilObject is $util.
type utilObject struct{}

func (utilObject) Get(string) (any, bool) { return nil, false }

func (utilObject) Call(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, vtl.ErrNoMethod
	}
	if args[0] == nil {
		return nil, nil
	}
	s := vtl.String(args[0])
	switch name {
	case "escapeJavaScript":
		return EscapeJavaScript(s), nil
	case "parseJson":
		v, err := parseJSON(s)
		if err != nil {
			return nil, fmt.Errorf("parsing JSON: %w", err)
		}
		return v, nil
	case "urlEncode":
		return URLEncode(s), nil
	case "urlDecode":
		return URLDecode(s)
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "base64Decode":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
				return nil, fmt.Errorf("decoding base64: %w", err)
			}
		}
		return string(b), nil
	}
	return nil, vtl.ErrNoMethod
}

const upperHex = "0123456789ABCDEF"

// EscapeJavaScript escapes s with JavaScript string rules as Apache Commons Lang's escapeJavaScript
// does, which is what API Gateway's $util.escapeJavaScript is: quotes (single ones too, which JSON does
// not allow), backslash and slash get a backslash; control characters and everything outside ASCII
// become \uXXXX (upper-case hex, UTF-16 units).
func EscapeJavaScript(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		c := s[i]
		clean = c >= 0x20 && c <= 0x7f && c != '\'' && c != '"' && c != '\\' && c != '/'
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		switch r {
		case '\'', '"', '\\', '/':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\b':
			b.WriteString(`\b`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r >= 0x20 && r <= 0x7f {
				b.WriteRune(r)
				continue
			}
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				writeU(&b, r1)
				writeU(&b, r2)
				continue
			}
			writeU(&b, r)
		}
	}
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(upperHex[(r>>uint(shift))&0xf])
	}
}

// URLEncode is Java's URLEncoder.encode(s, "UTF-8"): letters, digits and ".-*_" stay, a space becomes
// "+", every other byte %XX.
func URLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&0xf])
		}
	}
	return b.String()
}

var errURLDecode = errors.New("urlDecode: incomplete trailing escape (%) pattern")

// URLDecode is Java's URLDecoder.decode(s, "UTF-8"): "+" is a space and %XX a byte.
func URLDecode(s string) (string, error) {
	if !strings.ContainsAny(s, "+%") {
		return s, nil
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", errURLDecode
			}
			h, l := unhex(s[i+1]), unhex(s[i+2])
			if h < 0 || l < 0 {
				return "", fmt.Errorf("urlDecode: illegal hex characters in escape (%%) pattern %q", s[i:i+3])
			}
			b = append(b, byte(h<<4|l))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
