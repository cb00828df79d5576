package vtl

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fuzzOptions keep one fuzz input well under a second: the limits, not the input, bound the work.
var fuzzOptions = Options{MaxSteps: 20_000, MaxOutput: 64 << 10, MaxMemory: 1 << 20, MaxDepth: 10}

// seedTemplates adds the golden templates and bodies of package apigw to a corpus.
func seedTemplates(f *testing.F, add func(tmpl, body string)) {
	files, _ := filepath.Glob("apigw/testdata/golden/*.txtar")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		tmpl, body := section(string(raw), "template"), section(string(raw), "body")
		add(tmpl, body)
	}
	for _, s := range []string{
		"#set($a = [1..3])#foreach($i in $a)$i#if($foreach.hasNext),#end#end",
		"#macro(m $x)[$x]#end#m('a')#@m()b#end",
		"#define($d)$d#end$d",
		`\#if \\#if(true)x#end $!{a.b[0].c('x', 1)} #[[raw]]# ## c` + "\n#* c *#",
		`#set($s = "a${b}c #if(1 < 2)y#end")$s.replaceAll('(a)', '$1$1').split('c')`,
		"#if($a eq 1 and not $b)#elseif($c)#{else}#end",
		"#set($m = {'k': [1, 2.5e3, true]})$m.k.get(0) $m.entrySet()",
	} {
		add(s, `{"a": [1, {"b": "c"}], "d": null}`)
	}
}

// section returns a "-- name --" section of a txtar-like file.
func section(raw, name string) string {
	_, rest, ok := strings.Cut(raw, "-- "+name+" --\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n-- "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func FuzzParse(f *testing.F) {
	seedTemplates(f, func(tmpl, _ string) { f.Add(tmpl) })
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := Parse("fuzz", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("Parse error %v is not an *Error with a place", err)
			}
			return
		}
		start := time.Now()
		err = tm.Execute(&bytes.Buffer{}, nil, &fuzzOptions)
		if d := time.Since(start); d > maxFuzzTime {
			t.Fatalf("Execute took %v", d)
		}
		checkErr(t, err)
	})
}

// checkErr fails on an error that is not an *Error, and on a panic that Execute turned into one.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Execute error %v is not an *Error", err)
	}
	if strings.HasPrefix(e.Msg, "internal error") {
		t.Fatalf("Execute panicked: %v", err)
	}
}

// maxFuzzTime bounds one evaluation under fuzzing: far above what the step, output and memory limits
// allow on a quiet machine (under 0.1 s), so that a slow, shared machine running with -race never fails
// it (a seed took 17 s under -race at a load average of 20 on 2 cores), and far below what a template
// that escaped the limits would take.
const maxFuzzTime = 30 * time.Second

func FuzzExecute(f *testing.F) {
	seedTemplates(f, func(tmpl, body string) { f.Add(tmpl, body, true) })
	f.Fuzz(func(t *testing.T, src, body string, empty bool) {
		tm, err := Parse("fuzz", src)
		if err != nil {
			return
		}
		var v any
		if json.Unmarshal([]byte(body), &v) != nil {
			v = body
		}
		root := fromJSON(v)
		vars := map[string]any{"body": body, "root": root, "list": NewList(root, body), "map": NewHashMap()}
		opt := fuzzOptions
		opt.NullAsEmpty = empty
		start := time.Now()
		var out bytes.Buffer
		err = tm.Execute(&out, vars, &opt)
		if d := time.Since(start); d > maxFuzzTime {
			t.Fatalf("Execute took %v", d)
		}
		if out.Len() > opt.MaxOutput+maxRendered {
			t.Fatalf("output of %d bytes", out.Len())
		}
		checkErr(t, err)
	})
}

// fromJSON turns encoding/json values into template values, objects in key order.
func fromJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := NewMap()
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			m.Put(k, fromJSON(v[k]))
		}
		return m
	case []any:
		l := NewJSONList()
		for _, e := range v {
			l.Append(fromJSON(e))
		}
		return l
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
	}
	return v
}
