package vtl

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func render(t *testing.T, src string, vars map[string]any, opt *Options) string {
	t.Helper()
	tm, err := Parse("test", src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	var b bytes.Buffer
	if err := tm.Execute(&b, vars, opt); err != nil {
		t.Fatalf("Execute(%q): %v", src, err)
	}
	return b.String()
}

func testVars() map[string]any {
	m := NewMap()
	m.Put("a", int64(1))
	m.Put("b", "two")
	return map[string]any{
		"name": "world",
		"s":    "hello",
		"n":    int64(7),
		"f":    2.5,
		"list": NewList(int64(1), int64(2), int64(3)),
		"map":  m,
		"u8":   "é😀x",
		"json": NewJSONList("a", NewList(int64(1)), m),
		"a-b":  "hyphen",
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		// References, quiet and escaped forms as Velocity 1.7 prints them.
		{"reference", "Hello $name ${name}s", "Hello world worlds"},
		{"undefined prints its source", "$nope $nope.x() ${nope}", "$nope $nope.x() ${nope}"},
		{"quiet", "[$!nope][$!{nope}][$!name]", "[][][world]"},
		{"escaped defined", `\$name \\$name \\\$name`, `$name \world \$name`},
		{"escaped undefined", `\$nope \\$nope`, `\$nope \\$nope`},
		{"slash-bang is text", `$\!name $\\!name \$\!name`, `$!name $\!name \$!name`},
		{"slash-bang without a name is text", `$\!{ \$\!{ $\!`, `$\!{ \$\!{ $\!`},
		{"dollar as text", "$ 5 $1 $. $[ $", "$ 5 $1 $. $[ $"},
		{"hyphen in identifier", "$a-b", "hyphen"},
		{"dot then non-letter is text", "$name. $name.1 $s._x", "world. world.1 hello._x"},
		{"method needs a paren right away", "$s.length() $s.length ()", "5 $s.length ()"},
		{"formal ends the name", "${name}ly", "worldly"},

		// Properties, methods and indexes.
		{"map key as property", "$map.a $map.b $map['a'] $map.get('b') $map.nope", "1 two 1 two $map.nope"},
		{"list index", "$list[0] $list[-1] $list.get(1)", "1 3 2"},
		{"index by variable", "#set($i = 2)$list[$i] $map[\"b\"]", "3 two"},
		{"empty as property", "$list.empty $s.empty", "false false"},
		{"string methods", "$s.length() $s.substring(1) $s.substring(1, 3) $s.indexOf('l') $s.lastIndexOf('l') $s.indexOf('l', 3) $s.charAt(1)", "5 ello el 2 3 3 e"},
		{"string predicates", "$s.contains('ell') $s.startsWith('he') $s.endsWith('lo') $s.equals('hello') $s.equalsIgnoreCase('HELLO') $s.isEmpty() $s.matches('h.*o')", "true true true true true false true"},
		{"string transforms", "#set($p = ' x ')$s.toUpperCase() ${s.concat('!')} $s.replace('l', 'L') [$s.trim()] [$p.trim()]", "HELLO hello! heLLo [hello] [x]"},
		{"replaceAll with groups", `$s.replaceAll('(l+)(o)', '<$2$1>') $s.replaceFirst('l', '\$') $s.replaceAll('L', 'x')`, "he<oll> he$lo hello"},
		{"split drops trailing empties", "#set($c = 'a,b,,')$s.split('l') $c.split(',') $c.split(',', -1) $s.split('l').size()", "[he, , o] [a, b] [a, b, , ] 3"},
		{"utf-16 indexes", "$u8.length() $u8.substring(1, 3) $u8.indexOf('x') $u8.charAt(0)", "4 😀 3 é"},
		{"posix class", "#set($c = 'ab1')$c.replaceAll('\\p{Alpha}', '_')", "__1"},
		{"list methods", "#set($l = [1, 'a'])$l.size() $l.add(2) $l $l.contains('a') $l.indexOf(2) $l.remove(0) $l $l.set(0, 'b') $l $l.subList(0, 1) $l.isEmpty()", "2 true [1, a, 2] true 2 1 [a, 2] a [b, 2] [b] false"},
		{"list addAll and remove object", "#set($l = ['x'])$l.addAll(['y', 'z']) $l.remove('y') $l", "true true [x, z]"},
		{"map methods", "#set($m = {'k': 'v'})$m.put('k2', 2)|$m.put('k', 'w')|$m $m.size() $m.containsKey('k') $m.containsValue(2) $m.keySet() $m.values() $m.remove('k') $m", "$m.put('k2', 2)|v|{k=w, k2=2} 2 true true [k, k2] [w, 2] w {k2=2}"},
		{"entrySet", "#foreach($e in $map.entrySet())$e.key=$e.value;#end $map.entrySet()", "a=1;b=two; [a=1, b=two]"},
		{"putAll and isEmpty", "#set($m = {})$m.isEmpty() $m.putAll($map)$m.isEmpty() $m", "true false {a=1, b=two}"},
		{"set on a map", "#set($m = {})#set($m.x = 1)#set($m['y'] = 2)$m", "{x=1, y=2}"},
		{"set on a list index", "#set($l = [1, 2])#set($l[1] = 'b')$l", "[1, b]"},
		{"numbers", "$n.toString() $n.doubleValue() $f.intValue() $n.equals(7) $n.compareTo(9)", "7 7.0 2 true -1"},

		// Values render as Java prints them.
		{"doubles", "#set($a = 0.1 + 0.2)#set($b = 1e7)#set($c = 1.0e-4)#set($d = 100.0)$a $b $c $d $f", "0.30000000000000004 1.0E7 1.0E-4 100.0 2.5"},
		{"lists and maps", "#set($m = {'a': [1, 'x'], 'b': {'c': true}})$m", "{a=[1, x], b={c=true}}"},
		{"json lists render as json", "$json", `["a",[1],{"a":1,"b":"two"}]`},
		{"map with itself", "#set($m = {})#set($m.self = $m)$m", "{self=(this Map)}"},

		// Arithmetic.
		{"integer math", "#set($a = 7 / 2)#set($b = -7 / 2)#set($c = 7 % 3)#set($d = 2 * 3 + 1)$a $b $c $d", "3 -3 1 7"},
		{"float math", "#set($a = 7.0 / 2)#set($b = $f * 2)$a $b", "3.5 5.0"},
		{"division by zero keeps the old value", "#set($a = 1)#set($a = 1 / 0)$a", "1"},
		{"overflow widens", "#set($a = 9223372036854775807 + 1)$a", "9.223372036854776E18"},
		{"plus concatenates strings", "#set($a = 'n=' + $n)#set($b = $n + 'x')$a $b", "n=7 7x"},
		{"math on non-numbers is null", "#set($a = 'x')#set($a = $list * 2)$a", "x"},
		{"parentheses", "#set($a = (1 + 2) * 3)$a", "9"},
		{"negative literal", "#set($a = -3)#set($b = 5 -3)$a $b", "-3 2"},

		// Comparisons.
		{"numbers compare by value", "#if(1 == 1.0)a#end#if($n > 6.5)b#end#if($n <= 7)c#end", "abc"},
		{"different classes compare by text", "#if('1' == 1)a#end#if(true == 'true')b#end#if($list == '[1, 2, 3]')c#end", "abc"},
		{"lists compare by elements", "#if([1, 2] == [1, 2])a#end#if([1] != [1.0])b#end", "ab"},
		{"null equals null", "#if($nope == $other)a#end#if($nope != 'x')b#end", "ab"},
		{"strings do not order", "#if('a' < 'b')yes#else no#end", " no"},
		{"word operators", "#if($n gt 1 and not ($n lt 1) or false)a#end#if(1 eq 1 && 2 ne 3 && 1 le 1 && 2 ge 2)b#end", "ab"},
		{"truthiness", "#if($nope)a#end#if('')b#end#if(0)c#end#if(false)d#end#if([])e#end", "bce"},

		// Directives.
		{"set leaves a null alone", "#set($a = 'x')#set($a = $nope)$a", "x"},
		{"if elseif else", "#foreach($i in [1..3])#if($i == 1)one#elseif($i == 2)two#{else}three#end #end", "one two three "},
		{"braced directives", "#{if}(true)a#{else}b#{end}", "a"},
		{"foreach over a map gives values", "#foreach($v in $map)$v,#end", "1,two,"},
		{"foreach counters", "#foreach($i in ['a', 'b'])$velocityCount$foreach.index$foreach.count$foreach.hasNext$foreach.first$foreach.last;#end", "101truetruefalse;212falsefalsetrue;"},
		{"foreach restores its variable", "#set($i = 'before')#foreach($i in [1, 2])#end$i", "before"},
		{"descending range", "#foreach($i in [3..1])$i#end #foreach($i in [$n..8])$i#end", "321 78"},
		{"nested loops and parent", "#foreach($a in [1, 2])#foreach($b in [1, 2])$foreach.parent.index$foreach.index #end#end", "00 01 10 11 "},
		{"foreach over null and strings", "#foreach($x in $nope)a#end#foreach($x in 'str')b#end.", "."},
		{"break", "#foreach($i in [1..5])#if($i == 3)#break#end$i#end", "12"},
		{"break outer", "#foreach($a in [1, 2])#foreach($b in [1, 2])$a$b #if($b == 1)#break($foreach.parent)#end#end#end.", "11 ."},
		{"stop", "a#stop b", "a"},
		{"define", "#define($blk)<$name>#end#set($name = 'late')$blk $blk.length()", "<late> 6"},
		{"macro", "#macro(tag $t $body)<$t>$body</$t>#end#tag('b', $name) #tag('i' 'x')", "<b>world</b> <i>x</i>"},
		{"macro restores its parameters", "#set($t = 'outer')#macro(m $t)$t#end#m('inner') $t", "inner outer"},
		{"macro without parens", "#macro(hi)hi!#end#hi", "hi!"},
		{"block macro", "#macro(wrap)[$bodyContent]#end#@wrap()in $name#end", "[in world]"},
		{"block call without a macro is text", "#@nomacro()x $name#end.", "#@nomacro()x $name#end."},
		{"unknown directive is text", "color: #fff #foo(bar) #endless #", "color: #fff #foo(bar) #endless #"},
		{"set without parens is text", "Tests #set parsing", "Tests #set parsing"},

		// Comments, text blocks and escapes.
		{"comments", "a## line\nb#* block\n *#c", "abc"},
		{"text block", "#[[#if($x) $y]]#", "#if($x) $y"},
		{"escaped directive", `\#if(x) \#foreach \#nope`, `#if(x) #foreach \#nope`},
		{"escaped pairs before a directive", `\\#if(true)y#end \\#set($q = 1)`, `\y \\`},

		// Literals.
		{"string literals", `#set($a = "say ""hi""")#set($b = 'it''s')#set($c = "\u0041\n")$a $b $c`, `say "hi" it's A\n`},
		{"interpolation", `#set($a = "Hello $name, #if(true)yes#end ${name}s")$a`, "Hello world, yes worlds"},
		{"single quotes do not interpolate", `#set($a = '$name')$a`, "$name"},
		{"map and list literals", `#set($m = {"k": $n, 1: [true, 2.5]})$m.k $m.get(1)`, "7 [true, 2.5]"},
		{"range literal", "#set($r = [1..3])$r $r.size()", "[1, 2, 3] 3"},

		// Velocity 1.7's whitespace.
		{"directive lines vanish", "#if(true)\nyes\n#end\nafter", "yes\nafter"},
		{"indentation before a directive stays", "  #if(true)\n  x\n  #end\n", "    x\n  "},
		{"set swallows its indentation", "#foreach($i in [1])\n    #set($a = 1)\n    x$a\n#end\n", "    x1\n"},
		{"set after text keeps it", "a  #set($x = 1)b", "a  b"},
		{"set after a reference swallows blanks", "$name  #set($x = 1)b", "worldb"},
		{"else eats its line", "#if(false)\nA\n#else  \nB\n#end", "B\n"},
		{"closing paren eats blanks and newline", "#foreach($i in [1, 2])  \n$i\n#end", "1\n2\n"},
		{"crlf", "#if(true)\r\nx\r\n#end\r\ny", "x\r\ny"},
		{"break keeps the line it ends", "#foreach($i in [1, 2])\n$i#break\n#end.", "1."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.src, testVars(), nil)
			if got != tc.want {
				t.Errorf("render(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestNullAsEmpty(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"null prints nothing", "[$nope][$nope.x][$name.nope()][$!nope]", "[][][][]"},
		{"null equals empty", "#if($nope == '')a#end#if($nope == $other)b#end#if($map.nope != '')c#end", "ab"},
		{"null is an empty string, which is true", "#if($nope)a#end#if(!$nope)b#end", "a"},
		{"set takes the empty string", "#set($a = 'x')#set($a = $nope)[$a]", "[]"},
		{"method on null", "[$nope.length()][$nope.size()]", "[][]"},
		{"escaped null prints the reference", `\$nope`, "$nope"},
		{"void and null-returning methods", "#set($m = {})[$m.put('a', 1)][$m.put('a', 2)][$list.clear()]", "[][1][]"},
		{"null in concatenation", "#set($a = 'x' + $nope)$a", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.src, testVars(), &Options{NullAsEmpty: true})
			if got != tc.want {
				t.Errorf("render(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"#end", 1, 1, "#end without a matching #if/#foreach/#define/#macro"},
		{"a\nb #else", 2, 3, "#else without a matching #if"},
		{"x\n  #if($a)\nb", 2, 3, "#if without a matching #end"},
		{"#foreach($a in $b)\n#else\n#end", 2, 1, "#else without a matching #if"},
		{"#if x", 1, 5, "#if needs a condition in parentheses"},
		{"#if($a == )#end", 1, 11, "expected a value"},
		{"#set($a 1)", 1, 9, "expected '=' in #set"},
		{"#set(a = 1)", 1, 6, "#set must assign to a reference"},
		{"#set($a.b() = 1)", 1, 12, "#set cannot assign to a method call"},
		{"#foreach($a of $b)#end", 1, 13, "#foreach expects 'in'"},
		{"#foreach($a.b in $c)#end", 1, 10, "#foreach needs a variable"},
		{"#define(x)#end", 1, 9, "#define needs a variable"},
		{"ok\n#* open", 2, 1, "#* comment without a closing *#"},
		{"#[[ open", 1, 1, "#[[ without a closing ]]#"},
		{"$a.b(1, 2", 1, 10, "expected ')' before the end of the template"},
		{"$a[1", 1, 5, "expected ] to close the index of $a"},
		{"${a.b", 1, 6, "expected } to close ${a.b"},
		{`#set($a = "open)`, 1, 11, "string literal without a closing"},
		{"#include('x')", 1, 1, "#include is not supported"},
		{"#macro(m $a)#end#m(word)", 1, 17, "a macro argument must be a value"},
		{"#set($a = {1: 2)", 1, 16, "expected , or } in a map"},
		{"#set($a = [1 2])", 1, 14, "expected , or ] in a list"},
		{"#if(true)#else#else#end", 1, 15, "#else or #elseif after the #else"},
		{"#set($x = " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300) + ")", 1, 0, "nesting deeper than 200 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			_, err := Parse("t", tc.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v, want an *Error", tc.src, err)
			}
			if !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Parse(%q) = %q, want a message with %q", tc.src, e.Msg, tc.msg)
			}
			if tc.col != 0 && (e.Line != tc.line || e.Col != tc.col) {
				t.Errorf("Parse(%q) at line %d, column %d, want line %d, column %d (%v)", tc.src, e.Line, e.Col, tc.line, tc.col, err)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("Error() = %q, want it to start with the place", err)
			}
		})
	}
}

func TestExecuteErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"ok\n  $s.substring(9)", 2, 6, "substring(): begin 9, end 5, length 5"},
		{"$list[7]", 1, 6, "index 7 out of bounds for length 3"},
		{"$list.get(-1)", 1, 7, "get(): index -1 out of bounds"},
		{"$s.charAt(5)", 1, 4, "charAt(): index 5 out of bounds"},
		{"$s.replaceAll('(?=l)', 'x')", 1, 4, "is not supported"},
		{"$s.matches('a++')", 1, 4, "is not supported"},
		{"$s.replaceAll('l', '$2')", 1, 4, "no group 2"},
		{"#set($l = [1])#set($l[3] = 0)", 1, 22, "index 3 out of bounds for length 1"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			tm, err := Parse("t", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			err = tm.Execute(&bytes.Buffer{}, testVars(), nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Execute(%q) = %v, want an *Error", tc.src, err)
			}
			if !strings.Contains(e.Msg, tc.msg) || e.Line != tc.line || e.Col != tc.col {
				t.Errorf("Execute(%q) = %v, want line %d, column %d: ...%s", tc.src, err, tc.line, tc.col, tc.msg)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opt  Options
	}{
		{"steps", "#foreach($a in [1..1000])#foreach($b in [1..1000])x#end#end", Options{MaxSteps: 10_000}},
		{"output", "#foreach($a in [1..1000])0123456789#end", Options{MaxOutput: 5000}},
		{"memory", "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end", Options{}},
		{"list growth", "#set($l = [])#foreach($i in [1..1000])#set($d = $l.addAll($l))#set($d = $l.add(1))#end", Options{}},
		{"range size", "#set($r = [1..2000000000])", Options{}},
		{"recursive macro", "#macro(r $n)#r($n)#end#r(1)", Options{}},
		{"self-referencing define", "#define($d)$d#end$d", Options{}},
		{"define in a string", "#define($d)x${d}#end#set($s = \"$d\")", Options{}},
		{"replace blow-up", "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')#foreach($i in [1..30])#set($s = $s.replace('a', 'aa'))#end", Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm, err := Parse("t", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			err = tm.Execute(&bytes.Buffer{}, nil, &tc.opt)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("Execute = %v, want ErrLimit", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != 1 {
				t.Errorf("Execute = %v, want an *Error with a place", err)
			}
		})
	}
}

func TestLoopLimit(t *testing.T) {
	// #foreach stops after MaxLoop iterations without an error, and $foreach.hasNext still tells the truth.
	got := render(t, "#foreach($i in [1..5000])#set($last = $i)#set($more = $foreach.hasNext)#end$last $more", nil, nil)
	if got != "1000 true" {
		t.Errorf("got %q, want 1000 true", got)
	}
	got = render(t, "#foreach($i in [1..5])$i#end", nil, &Options{MaxLoop: 2})
	if got != "12" {
		t.Errorf("MaxLoop 2: got %q, want 12", got)
	}
}

func TestHashMapOrder(t *testing.T) {
	// java.util.HashMap iteration order, as API Gateway's $context.keySet() printed it.
	keys := []string{"resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path", "accountId", "protocol", "requestOverride", "stage", "domainPrefix", "requestTimeEpoch", "requestId", "identity", "domainName", "deploymentId", "responseOverride", "apiId"}
	// Keys that share a bucket iterate in insertion order; insert the others in any order.
	m := NewHashMap()
	for _, k := range []string{"apiId", "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path", "accountId", "protocol", "stage", "domainPrefix", "requestTimeEpoch", "requestId", "domainName", "deploymentId", "identity", "requestOverride", "responseOverride"} {
		m.Put(k, nil)
	}
	if diff := cmp.Diff(keys, m.Keys()); diff != "" {
		t.Errorf("HashMap order (-want +got):\n%s", diff)
	}
}

func TestConcurrentExecute(t *testing.T) {
	tm, err := Parse("t", "#foreach($i in [1..50])$i$name.toUpperCase()#set($x = {'a': $i})$x.a#end")
	if err != nil {
		t.Fatal(err)
	}
	want := render(t, "#foreach($i in [1..50])$i$name.toUpperCase()#set($x = {'a': $i})$x.a#end", testVars(), nil)
	done := make(chan string)
	for range 8 {
		go func() {
			var b bytes.Buffer
			_ = tm.Execute(&b, testVars(), nil)
			done <- b.String()
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent Execute = %q, want %q", got, want)
		}
	}
}

func TestExecuteWriter(t *testing.T) {
	tm, err := Parse("t", "a$name")
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := tm.Execute(&sb, testVars(), nil); err != nil || sb.String() != "aworld" {
		t.Errorf("Execute to a strings.Builder = %q, %v", sb.String(), err)
	}
}

func TestValueOf(t *testing.T) {
	got := render(t, "$i $l $m $m.k.size() #if($i == 3)eq#end", map[string]any{
		"i": 3, "l": []string{"a", "b"}, "m": map[string]any{"k": []any{1, uint8(2)}, "a": float32(0.5)},
	}, nil)
	if want := "3 [a, b] {a=0.5, k=[1, 2]} 2 eq"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewMapOf(t *testing.T) {
	m := NewMapOf([]string{"a", "b", "a"}, []any{int64(1), int64(2), int64(3)})
	if got := String(m); got != "{a=3, b=2}" {
		t.Errorf("NewMapOf = %s, want {a=3, b=2}", got)
	}
	keys := make([]string, 40)
	vals := make([]any, 40)
	for i := range keys {
		keys[i], vals[i] = string(rune('A'+i%20)), int64(i)
	}
	if m := NewMapOf(keys, vals); m.Len() != 20 {
		t.Errorf("NewMapOf of 40 keys, 20 distinct: Len = %d", m.Len())
	} else if v, _ := m.GetString("A"); v != int64(20) {
		t.Errorf("repeated key A = %v, want the last value 20", v)
	}
}

type panicky struct{}

func (panicky) Get(string) (any, bool)          { panic("host bug") }
func (panicky) Call(string, []any) (any, error) { return nil, ErrNoMethod }

func TestHostPanicIsAnError(t *testing.T) {
	tm, err := Parse("t", "a\n$p.x")
	if err != nil {
		t.Fatal(err)
	}
	err = tm.Execute(&bytes.Buffer{}, map[string]any{"p": panicky{}}, nil)
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || !strings.Contains(err.Error(), "host bug") {
		t.Errorf("Execute = %v, want an *Error at line 2 naming the panic", err)
	}
}
