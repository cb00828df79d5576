package dataplane

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Answers of an API with a minimum_compression_size are compressed, as API Gateway compresses them,
// when their body has at least that many bytes and the client's Accept-Encoding takes gzip or deflate
// (zlib, RFC 9110's "deflate"). The level is flate.BestSpeed, nginx's default: a gateway pays for
// compression on every answer, and the first level gives most of the size.

const (
	encodingGzip    = "gzip"
	encodingDeflate = "deflate"
)

var (
	gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, flate.BestSpeed); return w }}
	zlibWriters = sync.Pool{New: func() any { w, _ := zlib.NewWriterLevel(io.Discard, flate.BestSpeed); return w }}
	buffers     = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// acceptedEncoding returns the encoding to answer with for an Accept-Encoding header: gzip, else
// deflate, when the client accepts it (q above 0, or by "*"); "" for none.
func acceptedEncoding(accept string) string {
	if accept == "" {
		return ""
	}
	var gz, df, star float64 = -1, -1, -1
	for part := range strings.SplitSeq(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				} else {
					q = 0
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case encodingGzip, "x-gzip":
			gz = q
		case encodingDeflate:
			df = q
		case "*":
			star = q
		}
	}
	if gz < 0 {
		gz = star
	}
	if df < 0 {
		df = star
	}
	switch {
	case gz > 0 && gz >= df:
		return encodingGzip
	case df > 0:
		return encodingDeflate
	}
	return ""
}

// compressBody returns body compressed with enc, in a new slice (the servers keep the slice they send).
func compressBody(enc string, body []byte) ([]byte, error) {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	var err error
	switch enc {
	case encodingGzip:
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(buf)
		if _, err = w.Write(body); err == nil {
			err = w.Close()
		}
		gzipWriters.Put(w)
	default:
		w := zlibWriters.Get().(*zlib.Writer)
		w.Reset(buf)
		if _, err = w.Write(body); err == nil {
			err = w.Close()
		}
		zlibWriters.Put(w)
	}
	if err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// compressAnswer compresses an answer's body when the stage's API asks for it and the client accepts
// it. h and body are not modified: a cached answer is shared by every request it serves.
func compressAnswer(minSize int, acceptEncoding string, h http.Header, body []byte) (http.Header, []byte) {
	if minSize < 0 || len(body) < minSize || len(body) == 0 || len(h["Content-Encoding"]) > 0 {
		return h, body
	}
	enc := acceptedEncoding(acceptEncoding)
	if enc == "" {
		return h, body
	}
	z, err := compressBody(enc, body)
	if err != nil {
		return h, body
	}
	out := make(http.Header, len(h)+2)
	for k, vv := range h {
		out[k] = vv
	}
	out["Content-Encoding"] = []string{enc}
	out["Vary"] = append(append([]string(nil), h["Vary"]...), "Accept-Encoding")
	return out, z
}
