package apigw

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

var update = flag.Bool("update", false, "rewrite the output sections of testdata/golden from the engine")

// A golden case is a txtar-like file: a header of "key: value" lines, then sections that start with a
// "-- name --" line. A section's text is everything up to the next marker without its last line break,
// so a section that must end with a line break ends with an empty line.
//
// Header keys: source (the page the case comes from), documented (exact: the documented output is
// byte for byte ours; json: it is the same JSON, the page reformats it; differs: why the page's output
// cannot be ours; none: the page gives no output, ours follows Velocity's rules) and note.
//
// Sections: template; body; input (JSON: contentType, path, query, header, stageVariables, context); output (what
// the engine must produce, byte for byte); error (a substring of the expected error, instead of output);
// overrides (JSON of the Overrides); mock-status (the status MockStatus reads from the output);
// documented (the output as the page shows it).
type golden struct {
	header   map[string]string
	sections map[string]string
	order    []string
}

func readGolden(t *testing.T, path string) *golden {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseGolden(string(raw))
}

func parseGolden(raw string) *golden {
	g := &golden{header: map[string]string{}, sections: map[string]string{}}
	name := ""
	var cur strings.Builder
	finish := func() {
		if name != "" {
			g.sections[name] = strings.TrimSuffix(cur.String(), "\n")
			g.order = append(g.order, name)
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(raw, "\n") {
		trim := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") && len(trim) > 6 {
			finish()
			name = trim[3 : len(trim)-3]
			continue
		}
		if name == "" {
			if k, v, ok := strings.Cut(trim, ":"); ok && trim != "" {
				if g.header[k] != "" {
					g.header[k] += " "
				}
				g.header[k] += strings.TrimSpace(v)
			}
			continue
		}
		cur.WriteString(line)
	}
	finish()
	return g
}

func (g *golden) write(t *testing.T, path string, raw []byte) {
	t.Helper()
	// Keep the header as written; rewrite only the sections.
	head, _, _ := strings.Cut(string(raw), "\n-- ")
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("\n")
	for _, n := range g.order {
		b.WriteString("-- " + n + " --\n")
		b.WriteString(g.sections[n])
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

type goldenInput struct {
	ContentType    string            `json:"contentType"`
	Path           map[string]string `json:"path"`
	Query          map[string]string `json:"query"`
	Header         map[string]string `json:"header"`
	StageVariables map[string]string `json:"stageVariables"`
	Context        struct {
		RequestID         string    `json:"requestId"`
		ExtendedRequestID string    `json:"extendedRequestId"`
		APIID             string    `json:"apiId"`
		AccountID         string    `json:"accountId"`
		Stage             string    `json:"stage"`
		ResourceID        string    `json:"resourceId"`
		ResourcePath      string    `json:"resourcePath"`
		HTTPMethod        string    `json:"httpMethod"`
		Path              string    `json:"path"`
		Protocol          string    `json:"protocol"`
		DomainName        string    `json:"domainName"`
		RequestTime       time.Time `json:"requestTime"`
		Identity          Identity  `json:"identity"`
		Authorizer        *Authorizer
		Error             *ErrorVars
	} `json:"context"`
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			g := readGolden(t, path)
			if g.header["source"] == "" || g.header["documented"] == "" {
				t.Fatalf("%s: the header needs source: and documented: lines", path)
			}
			in := &Input{Body: []byte(g.sections["body"])}
			if s, ok := g.sections["input"]; ok {
				var gi goldenInput
				if err := json.Unmarshal([]byte(s), &gi); err != nil {
					t.Fatalf("input section: %v", err)
				}
				in.ContentType, in.Path, in.Query, in.Header, in.StageVariables = gi.ContentType, gi.Path, gi.Query, gi.Header, gi.StageVariables
				c := gi.Context
				in.Context = Context{RequestID: c.RequestID, ExtendedRequestID: c.ExtendedRequestID, APIID: c.APIID,
					AccountID: c.AccountID, Stage: c.Stage, ResourceID: c.ResourceID, ResourcePath: c.ResourcePath,
					HTTPMethod: c.HTTPMethod, Path: c.Path, Protocol: c.Protocol, DomainName: c.DomainName,
					RequestTime: c.RequestTime, Identity: c.Identity, Authorizer: c.Authorizer, Error: c.Error}
			}
			tmpl, err := Parse(filepath.Base(path), g.sections["template"])
			var out Output
			if err == nil {
				out, err = Render(tmpl, in)
			}
			if want, ok := g.sections["error"]; ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error = %v, want one containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("rendering: %v", err)
			}
			got := string(out.Body)
			if *update {
				raw, _ := os.ReadFile(path)
				if _, ok := g.sections["output"]; !ok {
					g.order = append(g.order, "output")
				}
				g.sections["output"] = got
				g.write(t, path, raw)
			}
			if diff := cmp.Diff(g.sections["output"], got); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
			if want, ok := g.sections["overrides"]; ok {
				gotOv, _ := json.Marshal(overridesJSON(out.Overrides))
				if diff := cmp.Diff(normJSON(t, want), normJSON(t, string(gotOv))); diff != "" {
					t.Errorf("overrides mismatch (-want +got):\n%s", diff)
				}
			}
			if want, ok := g.sections["mock-status"]; ok {
				st, ok := MockStatus(out.Body)
				if got := statusText(st, ok); got != want {
					t.Errorf("MockStatus = %s, want %s", got, want)
				}
			}
			doc, hasDoc := g.sections["documented"]
			mode, _, _ := strings.Cut(g.header["documented"], " ")
			switch mode {
			case "exact":
				if diff := cmp.Diff(doc, got); diff != "" {
					t.Errorf("output differs from the documented one (-documented +got):\n%s", diff)
				}
			case "json":
				if !hasDoc {
					t.Fatal("documented: json needs a documented section")
				}
				if diff := cmp.Diff(lenientJSON(t, doc), lenientJSON(t, got)); diff != "" {
					t.Errorf("output is not the documented JSON (-documented +got):\n%s", diff)
				}
			case "differs", "none":
			default:
				t.Fatalf("documented: %q is not exact, json, differs or none", mode)
			}
		})
	}
}

func statusText(st int, ok bool) string {
	if !ok {
		return "none"
	}
	return strconv.Itoa(st)
}

func overridesJSON(o Overrides) map[string]any {
	m := map[string]any{}
	if o.RequestHeader != nil {
		m["requestHeader"] = o.RequestHeader
	}
	if o.RequestQuery != nil {
		m["requestQuery"] = o.RequestQuery
	}
	if o.RequestPath != nil {
		m["requestPath"] = o.RequestPath
	}
	if o.ResponseStatus != 0 {
		m["responseStatus"] = o.ResponseStatus
	}
	if o.ResponseHeader != nil {
		m["responseHeader"] = o.ResponseHeader
	}
	return m
}

func normJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", s, err)
	}
	return v
}

// lenientJSON reads JSON the way the documentation sometimes prints it (single quotes, bare keys) into
// plain Go values for comparison.
func lenientJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := parseJSON(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return plain(v)
}

func plain(v any) any {
	switch v := v.(type) {
	case *vtl.Map:
		m := map[string]any{}
		v.Range(func(k, e any) bool { m[vtl.String(k)] = plain(e); return true })
		return m
	case *vtl.List:
		l := make([]any, v.Len())
		for i := range l {
			l[i] = plain(v.At(i))
		}
		return l
	case int64:
		return float64(v)
	}
	return v
}

// TestGoldenSources checks every case names a source and that the suite covers the documented kinds.
func TestGoldenSources(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	modes := map[string]int{}
	for _, f := range files {
		g := readGolden(t, f)
		mode, _, _ := strings.Cut(g.header["documented"], " ")
		modes[mode]++
		if !strings.HasPrefix(g.header["source"], "https://") {
			t.Errorf("%s: source %q is not a URL", f, g.header["source"])
		}
	}
	keys := make([]string, 0, len(modes))
	for k := range modes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("%d golden cases; documented: %v", len(files), modes)
}
