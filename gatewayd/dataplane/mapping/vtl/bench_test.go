package vtl

import (
	"bytes"
	"testing"
)

const benchSrc = `#set($total = 0)
{
  "user": "$user.name",
  "items": [
#foreach($i in $items)
    {"id": $i.id, "name": "$i.name.toUpperCase()", "price": $i.price}#if($foreach.hasNext),#end
#set($total = $total + $i.price)
#end
  ],
  "total": $total
}`

func benchVars() map[string]any {
	user := NewMap()
	user.Put("name", "ana")
	items := NewList()
	for i := range 5 {
		it := NewMap()
		it.Put("id", int64(i))
		it.Put("name", "item")
		it.Put("price", 2.5)
		items.Append(it)
	}
	return map[string]any{"user": user, "items": items}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench", benchSrc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExecute(b *testing.B) {
	tm, err := Parse("bench", benchSrc)
	if err != nil {
		b.Fatal(err)
	}
	vars := benchVars()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := tm.Execute(&buf, vars, nil); err != nil {
			b.Fatal(err)
		}
	}
}
