package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// This file holds what ServeHTTP does before a call reaches its route.

// pathProblem says why the admin API refuses r's path, or "" when it is fine. A path must start with
// "/" and hold no ".", ".." or empty ("//") segment, even percent-encoded, and no encoded "/": no
// object's ID contains one, and http.ServeMux would answer such a path with a redirect to its cleaned
// form, which is neither JSON nor what the client asked for. A trailing "/" is left to the routes.
func pathProblem(r *http.Request) string {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("request path %q must start with /", r.RequestURI)
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		switch {
		case err != nil:
			return fmt.Sprintf("request path %q has an invalid percent-encoding in segment %q", p, seg)
		case seg == "" && i < len(segs)-1:
			return fmt.Sprintf(`request path %q has an empty segment ("//"); send it without`, p)
		case dec == "." || dec == "..":
			how := ""
			if seg != dec {
				how = fmt.Sprintf(" (encoded as %q)", seg)
			}
			return fmt.Sprintf("request path %q has a %q segment%s; send the path without dot segments", p, dec, how)
		case strings.Contains(dec, "/"):
			return fmt.Sprintf("request path %q has an encoded slash (%%2F) in segment %q", p, seg)
		}
	}
	return ""
}

// refuse answers a call refused before it reached its route. When a body may still be on the wire,
// the connection is closed after the answer rather than drained.
func (a *API) refuse(w http.ResponseWriter, r *http.Request, status int, body apiError) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	a.writeJSON(w, status, body)
}
