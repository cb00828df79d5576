package accesslog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
)

// FuzzLine: whatever the format (that compiles) and whatever a client sends (user agent, path,
// authorizer values), a line is one line; and a JSON format that is valid JSON with its values in
// quotes stays valid JSON.
func FuzzLine(f *testing.F) {
	f.Add(`{"id":"$context.requestId","ua":"$context.identity.userAgent","p":"$context.path"}`, "curl/8", "/prod/a")
	f.Add(`$context.requestId "$context.identity.userAgent" $context.status`, "evil\"\n\\", "/x")
	f.Add(`<r id="$context.requestId">$context.identity.userAgent</r>`, "<&>\r\n", "/x")
	f.Add(`$context.requestId,$context.authorizer.k,$context.authorizer.claims.sub`, "\x00\xff", "/é")
	f.Fuzz(func(t *testing.T, format, value, path string) {
		fm, err := Compile(format)
		if err != nil {
			return
		}
		e := sampleEntry()
		e.Ctx.Identity.UserAgent, e.Ctx.Path = value, path
		e.Ctx.Authorizer = &apigw.Authorizer{PrincipalID: value, Claims: map[string]string{"sub": value}, Context: map[string]string{"k": value}}
		e.HasError, e.ErrorMessage = true, value
		line := string(fm.Append(nil, e))
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("format %q with value %q gave more than one line: %q", format, value, line)
		}
		// With each variable replaced by a bare word, a format is valid JSON only when every variable is
		// inside a JSON string; then the line must be JSON too. (messageString brings its own quotes.)
		if json.Valid([]byte(strings.ReplaceAll(format, "$context.", "x"))) && !strings.Contains(format, "messageString") &&
			!json.Valid([]byte(line)) {
			t.Fatalf("JSON format %q with value %q gave a line that is not JSON: %q", format, value, line)
		}
	})
}
