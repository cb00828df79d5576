package cache

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/redistest"
)

// BenchmarkHit measures GetOrFill on stored keys from all Ps at once: the hit path, key given.
func BenchmarkHit(b *testing.B) {
	const n = 10000
	c := New(NewMemory(512<<20, Options{}))
	keys := make([]string, n)
	for i := range keys {
		keys[i] = Key("stage", "GET", "/pets/{petId}", []KeyParam{{Name: "method.request.path.petId", Values: []string{fmt.Sprint(i)}}})
		c.Store().Set(keys[i], entry(200, `{"id":1,"name":"rex"}`), time.Hour)
	}
	fill := func(context.Context) (*Entry, bool, error) { panic("a miss in the hit benchmark") }
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, o, _ := c.GetOrFill(ctx, keys[i%n], time.Hour, fill); o != Hit {
				b.Fatal("miss")
			}
			i++
		}
	})
}

// BenchmarkKey measures building a key with one cache key parameter, into a reused buffer and as a
// string.
func BenchmarkKey(b *testing.B) {
	params := []KeyParam{{Name: "method.request.querystring.page", Values: []string{"2"}}}
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 256)
		b.ReportAllocs()
		for b.Loop() {
			buf = AppendKey(buf[:0], "stage", "GET", "/pets/{petId}", params)
		}
	})
	b.Run("string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Key("stage", "GET", "/pets/{petId}", params)
		}
	})
}

// BenchmarkStoreHit compares what a hit costs in the in-process store and in the Redis store (a
// round trip to a redis-server on loopback, the script, decoding the entry): one request at a time
// (the latency a hit adds) and from all Ps at once.
func BenchmarkStoreHit(b *testing.B) {
	e := entry(200, `{"id":1,"name":"rex","tags":["a","b"]}`)
	key := Key("stage", "GET", "/pets/{petId}", nil)
	srv := redistest.Start(b)
	stores := []struct {
		name string
		s    Store
	}{
		{"memory", NewMemory(64<<20, Options{})},
		{"redis", newNode(b, srv).store("api/bench", 64<<20)},
	}
	for _, st := range stores {
		if !st.s.Set(key, e, time.Hour) {
			b.Fatal("not stored")
		}
		b.Run(st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := st.s.Get(key); !ok {
					b.Fatal("miss")
				}
			}
		})
		b.Run(st.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, ok := st.s.Get(key); !ok {
						b.Fatal("miss")
					}
				}
			})
		})
	}
}
