package admin

import (
	"net/http"
	"strings"
)

// serveConsole hands /console and the paths under it to the web console, which authenticates on its
// own (a session signed in with the token, CSRF tokens on changes), and reports whether it did. No
// other path reaches the console, and the console's cookie opens no other path.
func (a *API) serveConsole(w http.ResponseWriter, r *http.Request) bool {
	if a.opts.Console == nil || (r.URL.Path != "/console" && !strings.HasPrefix(r.URL.Path, "/console/")) {
		return false
	}
	a.opts.Console.ServeHTTP(w, r)
	return true
}
