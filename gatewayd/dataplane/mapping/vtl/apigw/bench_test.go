package apigw

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchBody is a 1 KB order, like a typical request body.
var benchBody = []byte(`{"orderId": "ord-20261201-0001", "customer": {"id": "c-42", "name": "Ana Lima", "email": "ana@example.com", "tier": "gold"},
 "items": [
  {"sku": "A-100", "name": "Espresso beans 1kg", "qty": 2, "price": 18.5, "tags": ["coffee", "beans"]},
  {"sku": "B-220", "name": "Milk frother", "qty": 1, "price": 39.99, "tags": ["kitchen"]},
  {"sku": "C-310", "name": "Ceramic cup", "qty": 4, "price": 6.25, "tags": ["kitchen", "cups"]},
  {"sku": "D-400", "name": "Paper filters", "qty": 3, "price": 3.1, "tags": ["coffee"]}
 ],
 "shipping": {"method": "express", "address": {"street": "Rua Augusta 1500", "city": "Sao Paulo", "zip": "01304-001", "country": "BR"}},
 "payment": {"method": "card", "last4": "4242", "authorized": true},
 "notes": "Leave at the door; ring twice.",
 "createdAt": "2026-12-01T09:05:03Z", "channel": "web", "coupon": null}`)

const benchTemplate = `#set($o = $input.path('$'))
{
  "id": "$o.orderId",
  "customer": "$util.escapeJavaScript($o.customer.name)",
  "email": $input.json('$.customer.email'),
  "lines": [
#foreach($i in $o.items)
    {"sku": "$i.sku", "name": "$i.name", "qty": $i.qty, "total": #set($t = $i.price * $i.qty)$t, "first_tag": "$i.tags[0]", "tags": $i.tags, "note": "$util.escapeJavaScript($o.notes)"}#if($foreach.hasNext),#end

#end
  ],
  "ship": $input.json('$.shipping.address'),
  "express": #if($o.shipping.method == "express")true#{else}false#end,
  "stage": "$context.stage", "requestId": "$context.requestId", "q": "$input.params('q')"
}`

func BenchmarkRender(b *testing.B) {
	tm, err := Parse("bench", benchTemplate)
	if err != nil {
		b.Fatal(err)
	}
	in := &Input{
		Body:    benchBody,
		Query:   map[string]string{"q": "search"},
		Header:  map[string]string{"Content-Type": "application/json"},
		Context: Context{RequestID: "r-1", Stage: "prod", APIID: "abc123", HTTPMethod: "POST", ResourcePath: "/orders", RequestTime: time.Unix(1796115903, 0)},
	}
	var buf bytes.Buffer
	if _, err := RenderTo(&buf, tm, in); err != nil {
		b.Fatal(err)
	}
	if buf.Len() < 900 || !strings.Contains(buf.String(), `"total": 37.0`) {
		b.Fatalf("unexpected output (%d bytes):\n%s", buf.Len(), buf.String())
	}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		buf.Reset()
		if _, err := RenderTo(&buf, tm, in); err != nil {
			b.Fatal(err)
		}
		n++
	}
	// CPU time per op, garbage collection included: unlike ns/op it does not grow when other processes
	// share the machine's cores.
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
