package cache

import (
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
)

// KeyParam is one of the integration's cache_key_parameters with the request's values for it.
type KeyParam struct {
	// Name is the parameter as declared, such as "method.request.querystring.page".
	Name string
	// Values are the request's values in order; nil when the request does not carry the parameter,
	// which keys differently from a present empty value.
	Values []string
}

// keyVersion starts every key, so that a change of layout never reads entries of the old one (which
// matters once keys live in a shared store).
const keyVersion = 1

// Key returns the cache key for a request: the stage, the verb, the resource path and the parameters,
// each length-prefixed so that no value can forge a separator and make two requests share a key.
//
// To match API Gateway, resourcePath is the resource's template (/pets/{petId}) and path parameter
// values enter the key only when they are listed among the cache key parameters; otherwise /pets/1
// and /pets/2 share an entry, as they do there.
func Key(stageID, verb, resourcePath string, params []KeyParam) string {
	// Sized up front so that the buffer never grows; each length prefix takes at most
	// binary.MaxVarintLen64 bytes.
	n := 1 + 4*binary.MaxVarintLen64 + len(stageID) + len(verb) + len(resourcePath)
	for _, p := range params {
		n += 2*binary.MaxVarintLen64 + len(p.Name)
		for _, v := range p.Values {
			n += binary.MaxVarintLen64 + len(v)
		}
	}
	return string(AppendKey(make([]byte, 0, n), stageID, verb, resourcePath, params))
}

// AppendKey appends the key Key returns to dst, so that a caller reusing a buffer builds keys without
// allocating; string(AppendKey(buf[:0], ...)) then costs one allocation where Key costs two.
func AppendKey(dst []byte, stageID, verb, resourcePath string, params []KeyParam) []byte {
	dst = append(dst, keyVersion)
	dst = appendPart(dst, stageID)
	dst = appendPart(dst, verb)
	dst = appendPart(dst, resourcePath)
	dst = binary.AppendUvarint(dst, uint64(len(params)))
	for _, p := range params {
		dst = appendPart(dst, p.Name)
		if p.Values == nil {
			dst = append(dst, 0)
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(p.Values))+1)
		for _, v := range p.Values {
			dst = appendPart(dst, v)
		}
	}
	return dst
}

func appendPart(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// Request is where AppendParams reads parameter values from.
type Request struct {
	// PathNames and PathValues are the route's parameter names and the values captured for them.
	PathNames  []string
	PathValues []string
	Query      url.Values
	Header     http.Header
}

// Prefixes of cache key parameters; others (context, stage variables) are not request values and key
// as absent.
const (
	pathPrefix   = "method.request.path."
	queryPrefix  = "method.request.querystring."
	headerPrefix = "method.request.header."
)

// AppendParams appends to dst the parameters named by specs (an integration's cache_key_parameters)
// with r's values for them. Header names match case-insensitively; query names and path names match
// exactly, as API Gateway's mapping does. All values of a repeated query string or header are kept, so
// ?a=1&a=2 and ?a=2 key differently.
func AppendParams(dst []KeyParam, specs []string, r Request) []KeyParam {
	for _, s := range specs {
		p := KeyParam{Name: s}
		switch {
		case strings.HasPrefix(s, pathPrefix):
			name := s[len(pathPrefix):]
			for i, n := range r.PathNames {
				if n == name && i < len(r.PathValues) {
					p.Values = r.PathValues[i : i+1 : i+1]
					break
				}
			}
		case strings.HasPrefix(s, queryPrefix):
			if vs, ok := r.Query[s[len(queryPrefix):]]; ok {
				p.Values = vs
			}
		case strings.HasPrefix(s, headerPrefix):
			if vs := r.Header.Values(s[len(headerPrefix):]); len(vs) > 0 {
				p.Values = vs
			}
		}
		dst = append(dst, p)
	}
	return dst
}
