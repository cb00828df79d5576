package router

import (
	"errors"
	"strings"
)

// Normalize returns the canonical spelling of an escaped request path, the one the data plane routes
// and the only one a backend ever receives, so that a backend which normalises paths itself cannot be
// made to serve a path the gateway matched to another resource:
//
//   - percent-encoded unreserved characters are decoded (%2e is ".", %7E is "~") and the hex digits of
//     other escapes are upper-cased (RFC 3986, 6.2.2);
//   - empty segments are dropped (//a is /a), "." segments are dropped and ".." removes the segment
//     before it, never going above the root (RFC 3986, 5.2.4); a trailing slash is kept.
//
// It refuses, with an error naming why, what backends disagree about and no API needs: an encoded slash
// or backslash (%2F, %5C) or a raw backslash, which some backends treat as a separator; encoded control
// characters (%00-%1F, %7F); a raw ";", which servlet containers and others strip with what follows it
// (/secret;x is /secret to them); and malformed escapes. A path that needs no change is returned as it
// is, without allocating.
func Normalize(p string) (string, error) {
	if p == "" || p[0] != '/' {
		return "", errors.New("path must start with /")
	}
	clean := true
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case ';', '\\':
			clean = false
		case '%':
			// Canonical already: two upper-case hex digits of a byte that is kept encoded.
			clean = i+2 < len(p) && upperHex(p[i+1]) && upperHex(p[i+2]) && keptEncoded(p[i+1], p[i+2])
		case '/':
			if i+1 < len(p) && (p[i+1] == '/' || p[i+1] == '.' && dotSegment(p[i+1:])) {
				clean = false
			}
		}
		if !clean {
			break
		}
	}
	if clean {
		return p, nil
	}
	decoded, err := unescapeUnreserved(p)
	if err != nil {
		return "", err
	}
	return removeDotSegments(decoded), nil
}

// dotSegment reports whether s starts with a "." or ".." segment.
func dotSegment(s string) bool {
	seg, _, _ := strings.Cut(s, "/")
	return seg == "." || seg == ".."
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func upperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

// keptEncoded reports whether the escape %hl stays as it is in a canonical path.
func keptEncoded(h, l byte) bool {
	hi, _ := unhex(h)
	lo, _ := unhex(l)
	d := hi<<4 | lo
	return !unreserved(d) && d != '/' && d != '\\' && d >= 0x20 && d != 0x7f
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func unescapeUnreserved(p string) (string, error) {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case ';':
			return "", errors.New(`";" in a path (matrix parameters) is not accepted`)
		case '\\':
			return "", errors.New(`"\" in a path is not accepted`)
		case '%':
			if i+2 >= len(p) {
				return "", errors.New("malformed percent-encoding")
			}
			hi, ok1 := unhex(p[i+1])
			lo, ok2 := unhex(p[i+2])
			if !ok1 || !ok2 {
				return "", errors.New("malformed percent-encoding")
			}
			d := hi<<4 | lo
			switch {
			case d == '/' || d == '\\':
				return "", errors.New("an encoded slash or backslash (%2F, %5C) in a path is not accepted")
			case d < 0x20 || d == 0x7f:
				return "", errors.New("an encoded control character in a path is not accepted")
			case unreserved(d):
				b.WriteByte(d)
			default:
				const hexd = "0123456789ABCDEF"
				b.WriteByte('%')
				b.WriteByte(hexd[hi])
				b.WriteByte(hexd[lo])
			}
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// removeDotSegments drops empty and "." segments and resolves ".." in a path starting with "/".
func removeDotSegments(p string) string {
	segs := make([]string, 0, strings.Count(p, "/"))
	trailing := false
	for seg := range strings.SplitSeq(p[1:], "/") {
		trailing = false
		switch seg {
		case "":
			trailing = true
		case ".":
			trailing = true
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
			trailing = true
		default:
			segs = append(segs, seg)
		}
	}
	out := "/" + strings.Join(segs, "/")
	if trailing && len(segs) > 0 {
		out += "/"
	}
	return out
}
