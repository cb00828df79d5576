package vtl

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestConformance17(t *testing.T) {
	dir := "/tmp/vel17/test/templates/"
	for _, name := range strings.Fields(os.Getenv("VT")) {
		src, _ := os.ReadFile(dir + name + ".vm")
		want, _ := os.ReadFile(dir + "compare/" + name + ".cmp")
		tm, err := Parse(name, string(src))
		if err != nil {
			t.Errorf("%s: parse: %v", name, err)
			continue
		}
		vec := NewList("string1", "string2")
		h := NewMap()
		h.Put("Bar", "this is from a hashtable!")
		h.Put("Foo", "this is from a hashtable too!")
		var b bytes.Buffer
		err = tm.Execute(&b, map[string]any{"name": "jason", "int1": int64(1000), "long1": int64(10000000000), "double1": 1e10, "float1": 1000.1234, "vector": vec, "collection": vec, "hashtable": h, "map": h, "Floog": "floogie woogie", "mystring": ""}, nil)
		if err != nil {
			t.Errorf("%s: exec: %v", name, err)
		}
		if b.String() != string(want) {
			os.WriteFile("/tmp/vtltry/"+name+".got", b.Bytes(), 0o644)
			t.Errorf("%s: differs (diff /tmp/vel17/test/templates/compare/%s.cmp /tmp/vtltry/%s.got)", name, name, name)
		}
	}
}
