package apigw

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// FuzzRender runs any template on any body with API Gateway's variables, JSONPath included: no panic,
// bounded time, and errors that are *vtl.Error or *BodyError.
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	for _, file := range files {
		g := readGoldenF(f, file)
		f.Add(g.sections["template"], g.sections["body"])
	}
	f.Add("$input.path('$..a[?(@.b > 1)]') $input.json('$.x[0:2]') $input.path('$[*]')", `{"a": [{"b": 2}], "x": [1, 2, 3]}`)
	f.Add("#set($context.requestOverride.header.h = $input.params('q'))$util.urlDecode($input.body)", "a%20b+c")
	opt := &vtl.Options{MaxSteps: 20_000, MaxOutput: 64 << 10, MaxMemory: 1 << 20, MaxDepth: 10}
	f.Fuzz(func(t *testing.T, tmpl, body string) {
		tm, err := Parse("fuzz", tmpl)
		if err != nil {
			return
		}
		in := &Input{Body: []byte(body), Query: map[string]string{"q": body}, Options: opt,
			Context: Context{Stage: "s", RequestTime: time.Unix(0, 0), Authorizer: &Authorizer{Claims: map[string]string{"sub": "x"}}}}
		start := time.Now()
		_, err = Render(tm, in)
		if d := time.Since(start); d > 10*time.Second { // far above the limits' worst case, even with -race on a busy machine
			t.Fatalf("Render took %v", d)
		}
		var ve *vtl.Error
		var be *BodyError
		if err != nil && !errors.As(err, &ve) && !errors.As(err, &be) {
			t.Fatalf("Render error %v (%T) is neither a *vtl.Error nor a *BodyError", err, err)
		}
		if ve != nil && strings.HasPrefix(ve.Msg, "internal error") {
			t.Fatalf("Render panicked: %v", err)
		}
	})
}

func readGoldenF(f *testing.F, path string) *golden {
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return parseGolden(string(raw))
}
